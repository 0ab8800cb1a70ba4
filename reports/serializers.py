"""Shapes of the reports API: the team report (for the OpenAPI schema: the figures are
built by selectors)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import StrictIntegerField, TextField
from core.validation import MAX_ID
from feedback.models import COMMENT_MAX_LENGTH


class TeamReportQuerySerializer(serializers.Serializer):
    team = TextField(
        required=False,
        allow_blank=True,
        max_length=120,
        help_text="A team name (case-insensitive). Unknown names answer 400.",
    )


class PoleFigureSerializer(serializers.Serializer):
    score = serializers.FloatField(help_text="Others' pole score (1..5).")
    percentile = serializers.FloatField(
        allow_null=True, help_text="Share of the organisation's subjects at or below, in %."
    )


class SubjectBehaviourSerializer(serializers.Serializer):
    behaviour = serializers.CharField()
    leadership = PoleFigureSerializer(allow_null=True)
    management = PoleFigureSerializer(allow_null=True)


class SubjectBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    team = serializers.CharField()


class TeamReportSubjectSerializer(serializers.Serializer):
    request = serializers.IntegerField()
    subject = SubjectBriefSerializer()
    others_n = serializers.IntegerField(help_text="Submitted surveys of everyone but self.")
    others_counted = serializers.IntegerField(
        allow_null=True,
        help_text="People with at least one rating inside the others' scores "
        "(groups.others.counted); null for a result frozen before it was recorded.",
    )
    behaviours = SubjectBehaviourSerializer(many=True)


class TeamPoleSerializer(serializers.Serializer):
    mean = serializers.FloatField()
    subjects = serializers.IntegerField(help_text="Subjects with a score for this pole.")


class TeamBehaviourSerializer(serializers.Serializer):
    behaviour = serializers.CharField()
    leadership = TeamPoleSerializer(allow_null=True)
    management = TeamPoleSerializer(allow_null=True)


class TeamFiguresSerializer(serializers.Serializer):
    subjects = serializers.IntegerField()
    behaviours = TeamBehaviourSerializer(many=True)


class RateSerializer(serializers.Serializer):
    invited = serializers.IntegerField()
    submitted = serializers.IntegerField()
    declined = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="submitted / invited, in %.")


class RelationshipRatesSerializer(serializers.Serializer):
    self = RateSerializer()
    boss = RateSerializer()
    peer = RateSerializer()
    direct_report = RateSerializer()
    other = RateSerializer()


class ResponseRatesSerializer(serializers.Serializer):
    relationships = RelationshipRatesSerializer()
    total = RateSerializer()


class CycleBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()


class TeamReportSerializer(serializers.Serializer):
    cycle = CycleBriefSerializer()
    team = serializers.CharField(allow_null=True)
    team_figures = TeamFiguresSerializer()
    response_rates = ResponseRatesSerializer()
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TeamReportSubjectSerializer(many=True)


# --- Comments to review (issue 16) ---------------------------------------------------------


class CommentMatchSerializer(serializers.Serializer):
    # A plain string in the schema: "kind" names another enum already (exports).
    kind = serializers.CharField(
        help_text="Why the passage was flagged: manager_name, team_name, directory_name, "
        "email or phone (docs/gap-analysis.md, comment screening).",
    )
    start = serializers.IntegerField(help_text="Offset of the passage's first character.")
    end = serializers.IntegerField(help_text="Offset just after its last character.")
    text = serializers.CharField(help_text="The passage as the comment holds it now.")


class CommentFlagSerializer(serializers.Serializer):
    """A flagged comment as HR reviews it: the subject, question and group, never the writer."""

    id = serializers.IntegerField()
    request = serializers.IntegerField(source="request_id")
    subject = serializers.SerializerMethodField()
    question = serializers.CharField(source="comment.question.rater_text")
    group = serializers.CharField(source="comment.rater.relationship")
    text = serializers.CharField(source="comment.text")
    status = serializers.ChoiceField(
        choices=["pending", "kept", "redacted"],
        help_text="pending (to review), kept (HR kept it as is), redacted (every flagged "
        "passage removed).",
    )
    matches = serializers.SerializerMethodField()
    screened_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)

    def get_subject(self, flag) -> dict:
        return {"id": flag.request.subject_id, "name": flag.request.subject.name}

    @extend_schema_field(CommentMatchSerializer(many=True))
    def get_matches(self, flag) -> list[dict]:
        text = flag.comment.text
        return [{**match, "text": text[match["start"] : match["end"]]} for match in flag.matches]


class CommentFlagListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["pending", "kept", "redacted"],
        required=False,
        help_text="Only the flags in this state.",
    )


class CommentRedactSerializer(serializers.Serializer):
    """Either ``start`` and ``end`` (offsets, as ``matches`` gives them), or ``passage``."""

    start = StrictIntegerField(required=False, min_value=0, max_value=COMMENT_MAX_LENGTH)
    end = StrictIntegerField(required=False, min_value=1, max_value=COMMENT_MAX_LENGTH)
    passage = TextField(
        multiline=True,
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        help_text="Text to remove, as written in the comment (its first occurrence).",
    )

    def validate(self, attrs):
        has_span = "start" in attrs and "end" in attrs
        if has_span == ("passage" in attrs) or ("start" in attrs) != ("end" in attrs):
            raise serializers.ValidationError(
                {"passage": ["Give either start and end, or passage."]}
            )
        return attrs


# --- Response quality and coaches' debriefs (issue 16) -----------------------------------


class QualityItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    behaviour = serializers.CharField()
    pole = serializers.CharField()
    text = serializers.CharField()
    answers = serializers.IntegerField(help_text="Submitted answers to this statement.")
    cant_say = serializers.IntegerField(help_text='Of them, "can\'t say".')
    share = serializers.FloatField(allow_null=True, help_text='"Can\'t say" share, in %.')
    review = serializers.BooleanField(help_text="At or above the review threshold.")


class CantSaySerializer(serializers.Serializer):
    shown = serializers.BooleanField(help_text="n >= k.")
    n = serializers.IntegerField(help_text="Submitted surveys, self-assessments included.")
    review_threshold_percent = serializers.IntegerField()
    items = QualityItemSerializer(many=True, allow_null=True)
    review = serializers.ListField(
        child=serializers.IntegerField(),
        allow_null=True,
        help_text="Statement ids to review for the next questionnaire version.",
    )


class StraightLiningSerializer(serializers.Serializer):
    shown = serializers.BooleanField(help_text="n >= k.")
    n = serializers.IntegerField(help_text="Submitted surveys, self-assessments excluded.")
    count = serializers.IntegerField(
        allow_null=True, help_text="Surveys that gave every statement the same rating."
    )
    share = serializers.FloatField(allow_null=True, help_text="count / n, in %.")


class TimeBucketSerializer(serializers.Serializer):
    label = serializers.CharField()
    from_minutes = serializers.IntegerField()
    to_minutes = serializers.IntegerField(allow_null=True, help_text="null: open-ended.")
    count = serializers.IntegerField()


class PercentilesSerializer(serializers.Serializer):
    p25 = serializers.FloatField()
    median = serializers.FloatField()
    p75 = serializers.FloatField()


class TimeToAnswerSerializer(serializers.Serializer):
    shown = serializers.BooleanField(help_text="n >= k.")
    n = serializers.IntegerField(help_text="Submitted surveys whose first opening was recorded.")
    buckets = TimeBucketSerializer(many=True, allow_null=True)
    percentiles_minutes = PercentilesSerializer(allow_null=True)


class QualityCycleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()


class ResponseQualitySerializer(serializers.Serializer):
    cycle = QualityCycleSerializer()
    min_anonymous_raters = serializers.IntegerField(help_text="k: below it a figure is hidden.")
    surveys = serializers.IntegerField()
    cant_say = CantSaySerializer()
    straight_lining = StraightLiningSerializer()
    time_to_answer = TimeToAnswerSerializer()


class CoachAssignSerializer(serializers.Serializer):
    coach = StrictIntegerField(
        min_value=1,
        max_value=MAX_ID,
        allow_null=True,
        help_text="The person who debriefs; null removes the coach.",
    )
    requests = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID),
        allow_empty=False,
        max_length=10000,
        help_text="Feedback request ids of this cycle (one per subject).",
    )


class CoachAssignedSerializer(serializers.Serializer):
    assigned = serializers.IntegerField(help_text="Requests changed.")


class DebriefRecordSerializer(serializers.Serializer):
    held_on = serializers.DateField(
        required=False, help_text="The day of the debrief; default today."
    )


class DebriefSerializer(serializers.Serializer):
    request = serializers.IntegerField(source="pk")
    subject = serializers.SerializerMethodField()
    cycle = serializers.SerializerMethodField()
    debriefed_on = serializers.DateField(allow_null=True)
    released_at = serializers.DateTimeField(
        allow_null=True, help_text="When the coach released the report to its subject."
    )

    def get_subject(self, debrief) -> dict:
        subject = debrief.request.subject
        return {"id": subject.pk, "name": subject.name}

    def get_cycle(self, debrief) -> dict:
        cycle = debrief.request.cycle
        return {"id": cycle.pk, "name": cycle.name, "status": cycle.status}

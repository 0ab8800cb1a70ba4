"""Shapes of the reports API: the team report (for the OpenAPI schema: the figures are
built by selectors)."""

from rest_framework import serializers

from core.api import StrictIntegerField, TextField
from core.validation import MAX_ID


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

from rest_framework import serializers

from core.api import StrictIntegerField, StrictModelSerializer, TextField
from core.validation import MAX_ID
from feedback.models import Cycle, FeedbackRequest, Rater

DECLINE_REASON_MAX_LENGTH = Rater._meta.get_field("decline_reason").max_length


class CycleSerializer(StrictModelSerializer):
    gap_threshold = serializers.DecimalField(
        max_digits=4, decimal_places=2, coerce_to_string=False, required=False
    )
    # The questionnaire version, pinned when the cycle opens: null while it is a draft.
    framework = serializers.IntegerField(
        source="framework.version", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Cycle
        fields = [
            "id",
            "name",
            "closes_at",
            "status",
            "min_anonymous_raters",
            "gap_threshold",
            "max_requests_per_rater",
            "framework",
            "opened_at",
            "closed_at",
            "released_at",
        ]
        read_only_fields = ["status", "opened_at", "closed_at", "released_at"]
        # Range rules are the service's (one place, one message); the database keeps them too.
        extra_kwargs = {
            "min_anonymous_raters": {"required": False},
            "max_requests_per_rater": {"required": False},
        }


class CycleReopenSerializer(serializers.Serializer):
    closes_at = serializers.DateTimeField(
        required=False, help_text="A new closing date, needed if the old one has passed."
    )


class RequestCreateSerializer(serializers.Serializer):
    subject = StrictIntegerField(
        min_value=1, max_value=MAX_ID, help_text="The id of the person the feedback is about."
    )


class RaterSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rater
        fields = ["id", "relationship", "person", "email", "name", "status"]
        read_only_fields = fields


class RaterCreateSerializer(serializers.Serializer):
    email = TextField(max_length=Rater._meta.get_field("email").max_length)
    relationship = TextField(
        max_length=20, help_text="self, boss, peer, direct_report or other (outside the directory)."
    )
    name = TextField(
        max_length=Rater._meta.get_field("name").max_length,
        required=False,
        allow_blank=True,
        default="",
    )


class PersonBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField()


class RequestSerializer(serializers.ModelSerializer):
    subject = PersonBriefSerializer(read_only=True)
    raters = RaterSerializer(many=True, read_only=True)
    warnings = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Raters left out at the per-rater cap, and anonymous groups too small to "
        "be shown on their own.",
    )

    class Meta:
        model = FeedbackRequest
        fields = [
            "id",
            "cycle",
            "subject",
            "requested_by",
            "created_at",
            "launched_at",
            "raters",
            "warnings",
        ]
        read_only_fields = fields


class LaunchSerializer(serializers.Serializer):
    invited = serializers.IntegerField(help_text="Raters emailed now (0 when launched again).")
    warnings = serializers.ListField(child=serializers.CharField())


class GroupProgressSerializer(serializers.Serializer):
    pending = serializers.IntegerField()
    invited = serializers.IntegerField()
    started = serializers.IntegerField()
    submitted = serializers.IntegerField()
    declined = serializers.IntegerField()
    total = serializers.IntegerField()


class RaterStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    relationship = serializers.CharField()
    name = serializers.CharField()
    email = serializers.CharField()
    status = serializers.CharField()


class ProgressSerializer(serializers.Serializer):
    request = serializers.IntegerField()
    relationships = serializers.DictField(child=GroupProgressSerializer())
    raters = RaterStatusSerializer(
        many=True, required=False, help_text="HR only: each rater's status, never answers."
    )


# --- survey -------------------------------------------------------------------


class SurveyAnswersSerializer(serializers.Serializer):
    ratings = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        required=False,
        help_text='{item_id: 1..5, or null for "can\'t say"}',
    )
    comments = serializers.DictField(
        child=serializers.CharField(allow_blank=True, allow_null=True, trim_whitespace=False),
        required=False,
        help_text="{question_id: text}; an empty text removes the comment.",
    )


class SurveyDeclineSerializer(serializers.Serializer):
    reason = TextField(
        multiline=True,
        max_length=DECLINE_REASON_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
    )


class SurveyItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    behaviour = serializers.CharField()
    pole = serializers.CharField()
    text = serializers.CharField()


class SurveyQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class ScalePointSerializer(serializers.Serializer):
    value = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()


class SurveySerializer(serializers.Serializer):
    subject = PersonBriefSerializer()
    relationship = serializers.CharField()
    cycle = serializers.DictField()
    status = serializers.CharField()
    accepts_answers = serializers.BooleanField()
    scale = ScalePointSerializer(many=True)
    items = SurveyItemSerializer(many=True)
    questions = SurveyQuestionSerializer(many=True)
    answers = SurveyAnswersSerializer()


class SurveyReceiptSerializer(serializers.Serializer):
    """The answer to a survey write: the survey's state, not the survey (GET has that)."""

    status = serializers.ChoiceField(choices=["invited", "started", "submitted", "declined"])
    accepts_answers = serializers.BooleanField()
    answered = serializers.IntegerField(help_text="Statements with a rating or can't say.")
    unanswered = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Item ids still needing an answer before submit; empty once no more "
        "answers are accepted.",
    )

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
            "shuffle_comments",
            "debrief_before_release",
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
            "debrief_before_release": {
                "required": False,
                "help_text": "Issue 16: a coach assigned to a subject reads the report once "
                "the cycle closes, records the debrief and releases it to that subject.",
            },
        }


class CycleReopenSerializer(serializers.Serializer):
    closes_at = serializers.DateTimeField(
        required=False, help_text="A new closing date, needed if the old one has passed."
    )


class RequestCreateSerializer(serializers.Serializer):
    subject = StrictIntegerField(
        min_value=1, max_value=MAX_ID, help_text="The id of the person the feedback is about."
    )


DELIVERY_HELP = (
    "The current link's email: none (no link yet), sending (queued, or being retried), sent, "
    "or failed (the rater owes an answer and their last email never arrived; resend it)."
)
DELIVERY_ERROR_HELP = "Why the last email failed, in words safe to show; empty unless failed."


class RaterSerializer(serializers.ModelSerializer):
    # Additions to the contract's rater (docs/api.md): nomination approval, separate from
    # the survey status so that status keeps the contract's values.
    approval = serializers.ChoiceField(
        choices=Rater.Approval.choices,
        read_only=True,
        help_text="not_needed (a directory colleague or an allowed domain), waiting (no "
        "link is sent until HR or the subject approves), approved, rejected (never contacted).",
    )
    approval_decided_by = serializers.IntegerField(
        source="approval_decided_by_id",
        read_only=True,
        allow_null=True,
        help_text="The user who approved or rejected the nomination.",
    )
    delivery = serializers.ChoiceField(
        choices=["none", "sending", "sent", "failed"], read_only=True, help_text=DELIVERY_HELP
    )
    delivery_error = serializers.SerializerMethodField(help_text=DELIVERY_ERROR_HELP)

    class Meta:
        model = Rater
        fields = [
            "id",
            "relationship",
            "person",
            "email",
            "name",
            "status",
            "approval",
            "approval_decided_by",
            "approval_decided_at",
            "delivery",
            "delivery_error",
        ]
        read_only_fields = fields

    def get_delivery_error(self, rater: Rater) -> str:
        return rater.delivery_error if rater.delivery == "failed" else ""


class ApprovalCycleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ApprovalSerializer(serializers.Serializer):
    """A nomination waiting for the caller's decision."""

    id = serializers.IntegerField(help_text="The rater's id.")
    request = serializers.IntegerField(source="request_id")
    subject = serializers.SerializerMethodField()
    cycle = ApprovalCycleSerializer(source="request.cycle")
    relationship = serializers.CharField()
    email = serializers.CharField()
    name = serializers.CharField()
    nominated_by = serializers.SerializerMethodField(help_text="The nominator's login.")
    nominated_at = serializers.DateTimeField(source="created_at")

    def get_subject(self, rater) -> dict:
        subject = rater.request.subject
        return {"id": subject.pk, "name": subject.name, "email": subject.email}

    def get_nominated_by(self, rater) -> str:
        return rater.nominated_by.get_username() if rater.nominated_by else ""


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
    withdrawn = serializers.IntegerField(
        help_text="Invitations withdrawn unanswered because the rater was deactivated."
    )
    total = serializers.IntegerField()
    failed = serializers.IntegerField(
        help_text="Of the invited and started, raters whose last email never arrived."
    )


class RaterStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    relationship = serializers.CharField()
    name = serializers.CharField()
    email = serializers.CharField()
    status = serializers.CharField()
    delivery = serializers.ChoiceField(
        choices=["none", "sending", "sent", "failed"], help_text=DELIVERY_HELP
    )
    delivery_error = serializers.CharField(help_text=DELIVERY_ERROR_HELP)


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
    answers = SurveyAnswersSerializer(
        help_text="The saved answers while the cycle is open; empty ratings and comments "
        "once it is closed or released (the link is then a receipt)."
    )
    answers_shown = serializers.BooleanField(
        help_text="False once the cycle is closed or released: answers are no longer shown."
    )
    submitted_at = serializers.DateTimeField(allow_null=True)
    declined_at = serializers.DateTimeField(allow_null=True)


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

from rest_framework import serializers

from core.api import StrictIntegerField, TextField
from core.validation import MAX_ID
from development.models import (
    ACTION_TEXT_MAX_LENGTH,
    COMMENT_TEXT_MAX_LENGTH,
    FOCUS_MAX,
    FOCUS_MIN,
)
from development.selectors import focus_label
from feedback.vocabulary import BEHAVIOURS, POLES

# Lengths are checked here only against abuse (a megabyte of text); the rules and their
# messages are the service's, one place for the API and the pages.


class FocusSerializer(serializers.Serializer):
    behaviour = serializers.ChoiceField(choices=BEHAVIOURS)
    pole = serializers.ChoiceField(choices=POLES)
    label = serializers.SerializerMethodField(help_text="The pair and pole in words.")

    def get_label(self, focus) -> str:
        return focus_label(focus.behaviour, focus.pole)


class ActionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = TextField(max_length=ACTION_TEXT_MAX_LENGTH)
    due_date = serializers.DateField()
    done = serializers.SerializerMethodField()
    done_at = serializers.DateTimeField(read_only=True)

    def get_done(self, action) -> bool:
        return action.done_at is not None


class ActionWriteSerializer(serializers.Serializer):
    text = TextField(max_length=ACTION_TEXT_MAX_LENGTH)
    due_date = serializers.DateField(help_text="Today or later, within three years.")


class ActionUpdateSerializer(serializers.Serializer):
    text = TextField(max_length=ACTION_TEXT_MAX_LENGTH, required=False)
    due_date = serializers.DateField(required=False, help_text="Today or later.")
    done = serializers.BooleanField(required=False)


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    author = serializers.CharField(source="author.name", read_only=True)
    by_subject = serializers.SerializerMethodField()
    text = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    def get_by_subject(self, comment) -> bool:
        return comment.author_id == comment.plan.subject_id


class CommentWriteSerializer(serializers.Serializer):
    text = TextField(multiline=True, max_length=COMMENT_TEXT_MAX_LENGTH)


class PlanSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    subject = serializers.SerializerMethodField()
    request = serializers.IntegerField(source="request_id", read_only=True, allow_null=True)
    cycle = serializers.SerializerMethodField()
    shared = serializers.SerializerMethodField()
    shared_at = serializers.DateTimeField(read_only=True)
    focus = FocusSerializer(many=True, read_only=True)
    actions = ActionSerializer(many=True, read_only=True)
    comments = CommentSerializer(many=True, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def get_subject(self, plan) -> dict:
        return {"id": plan.subject_id, "name": plan.subject.name}

    def get_cycle(self, plan) -> str | None:
        return plan.request.cycle.name if plan.request_id else None

    def get_shared(self, plan) -> bool:
        return plan.shared_at is not None


class FocusWriteSerializer(serializers.Serializer):
    behaviour = serializers.CharField(max_length=40)
    pole = serializers.CharField(max_length=40)


class PlanCreateSerializer(serializers.Serializer):
    request = StrictIntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text="The id of your released report (feedback request) the plan comes from.",
    )
    focus = FocusWriteSerializer(
        many=True, help_text=f"{FOCUS_MIN} to {FOCUS_MAX} behaviours, each pair and pole once."
    )
    actions = ActionWriteSerializer(many=True, required=False)


class PlanUpdateSerializer(serializers.Serializer):
    focus = FocusWriteSerializer(many=True, required=False)
    shared = serializers.BooleanField(
        required=False, help_text="Share with your managers (true) or stop sharing (false)."
    )


class PlanCountsSerializer(serializers.Serializer):
    people_with_plan = serializers.IntegerField()
    people_sharing_plan = serializers.IntegerField()

"""Development plans. Private to their subject until shared; HR reads only counts
(``selectors.plan_counts``), never a plan's words, so nothing here is in the admin."""

from django.db import models

from accounts.models import Person
from feedback.models import FeedbackRequest
from feedback.vocabulary import Behaviour, Pole, focus_label

FOCUS_MIN, FOCUS_MAX = 1, 3
ACTIONS_MAX = 20
COMMENTS_MAX = 200
ACTION_TEXT_MAX_LENGTH = 300
COMMENT_TEXT_MAX_LENGTH = 2000


class Plan(models.Model):
    subject = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="development_plans")
    # The report it was made from; a plan outlives a request deleted with its cycle.
    request = models.ForeignKey(
        FeedbackRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set while the subject shares it with their managers; cleared when they stop.
    shared_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "request"],
                condition=models.Q(request__isnull=False),
                name="plan_one_per_report",
            )
        ]

    def __str__(self):
        return f"development plan {self.pk} of person {self.subject_id}"


class Focus(models.Model):
    """One focus behaviour: a pair (behaviour) and the pole to work on."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="focus")
    behaviour = models.CharField(max_length=20, choices=Behaviour.choices)
    pole = models.CharField(max_length=20, choices=Pole.choices)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "behaviour", "pole"], name="focus_unique_pair_pole"
            )
        ]

    def __str__(self):
        return f"{self.behaviour}/{self.pole}"

    @property
    def label(self) -> str:
        """'Vision: Visionary (leadership)' in the reader's language, for the plan lists."""
        return focus_label(self.behaviour, self.pole)


class Action(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(max_length=ACTION_TEXT_MAX_LENGTH)
    due_date = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    # The due date a check-in email already went out for: one email per action per due
    # date (services.checkin_send claims it); moving the date allows one more.
    reminded_for = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["due_date"], name="action_due_date")]

    def __str__(self):
        return f"action {self.pk} of plan {self.plan_id}"


class PlanComment(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=COMMENT_TEXT_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"comment {self.pk} on plan {self.plan_id}"

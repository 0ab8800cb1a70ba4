"""Feedback collection: the questionnaire, cycles, requests, raters and their answers."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import pgettext_lazy

from accounts.models import Person
from feedback.vocabulary import (  # noqa: F401 - the role words, re-exported for importers
    ANONYMOUS,
    RELATIONSHIP_AS,
    RELATIONSHIP_AS_TO_SUBJECT,
    RELATIONSHIP_GROUP,
    Behaviour,
    Pole,
    Relationship,
)

# Older name of the vocabulary's anonymous groups, kept for existing importers.
ANONYMOUS_RELATIONSHIPS = ANONYMOUS


class Framework(models.Model):
    """One version of the questionnaire. A version used by a cycle never changes."""

    version = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self):
        return f"v{self.version}: {self.name}"


def item_key_new() -> str:
    """A key no statement has had: a new statement (or one whose meaning changed) is
    never compared with anything from an earlier questionnaire version."""
    return f"item-{secrets.token_hex(6)}"


class Item(models.Model):
    """An observable behaviour statement, worded for raters and for the subject themself."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="items")
    # The statement across questionnaire versions (issue 16): a copy keeps it, so two
    # cycles' figures of the "same" statement are matched by key, never by id. A statement
    # whose meaning changes gets a new key (the admin does it) and is not compared.
    key = models.SlugField(max_length=40, default=item_key_new)
    behaviour = models.CharField(max_length=20, choices=Behaviour.choices)
    pole = models.CharField(max_length=20, choices=Pole.choices)
    position = models.PositiveSmallIntegerField()
    rater_text = models.CharField(max_length=300)
    self_text = models.CharField(max_length=300)

    class Meta:
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "position"], name="item_position_unique"),
            models.UniqueConstraint(fields=["framework", "key"], name="item_key_unique"),
        ]

    def __str__(self):
        return f"{self.behaviour}/{self.pole}: {self.rater_text}"


class Question(models.Model):
    """An open question, answered in free text."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    rater_text = models.CharField(max_length=300)
    self_text = models.CharField(max_length=300)

    class Meta:
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "position"], name="question_position_unique"
            )
        ]

    def __str__(self):
        return self.rater_text


# The questionnaire in other languages (issue 18): a plain table per text, keyed by the
# statement and the language (docs/decisions.md). It belongs to the statement's version,
# so it is frozen with it once a cycle opens (the admin's rule); a missing translation
# shows the English text. English, the source language, is the Item row itself.
QUESTIONNAIRE_LANGUAGES = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


class _Translation(models.Model):
    """A text of the questionnaire in one shipped language, in both wordings (rater, self)."""

    language = models.CharField(
        max_length=10,
        choices=[(c, n) for c, n in settings.LANGUAGES if c in QUESTIONNAIRE_LANGUAGES],
    )
    rater_text = models.CharField(max_length=300)
    self_text = models.CharField(max_length=300)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.language}: {self.rater_text}"


class ItemTranslation(_Translation):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="translations")

    class Meta:
        ordering = ["item", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "language"], name="item_translation_language_unique"
            )
        ]

    @property
    def framework(self):
        # The version it belongs to: the admin freezes a used version's translations too.
        return self.item.framework


class QuestionTranslation(_Translation):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="translations")

    class Meta:
        ordering = ["question", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "language"], name="question_translation_language_unique"
            )
        ]

    @property
    def framework(self):
        return self.question.framework


class Cycle(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("cycle status", "Draft")
        OPEN = "open", pgettext_lazy("cycle status", "Open")
        CLOSED = "closed", pgettext_lazy("cycle status", "Closed")
        RELEASED = "released", pgettext_lazy("cycle status", "Released")

    name = models.CharField(max_length=200)
    closes_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    min_anonymous_raters = models.PositiveSmallIntegerField(default=3)
    gap_threshold = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("1.00"))
    max_requests_per_rater = models.PositiveSmallIntegerField(default=10)
    # Issue 16: show each group's comments in one shuffled list across the questions (in
    # an order keyed by a secret, stable between readings), so a writer's answers to the
    # several questions are not found side by side. Set while the cycle is a draft.
    shuffle_comments = models.BooleanField(default=False)
    # Issue 16: a coach assigned to a subject reads the report after close, records the
    # debrief and releases it to that subject before (or without) the cycle-wide release.
    debrief_before_release = models.BooleanField(default=False, db_default=False)
    # Pinned when the cycle opens, so editing the questionnaire later never changes a cycle.
    # A draft may name the version HR chose while setting it up; until it opens that
    # version stays editable (nobody has answered it yet).
    framework = models.ForeignKey(
        Framework, null=True, blank=True, on_delete=models.PROTECT, related_name="cycles"
    )
    # Who HR chose while setting up a draft (the set-up pages keep their state here, so a
    # reload or going back loses nothing); opening creates one request for each.
    participants = models.ManyToManyField(Person, blank=True, related_name="+")
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    # Set by the results API on first read; from then on the cycle may not reopen.
    results_read_at = models.DateTimeField(null=True, blank=True)
    # Set when HR purged the raw answers after the retention period; figures stay.
    answers_purged_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_anonymous_raters__gte=2),
                name="cycle_min_anonymous_raters_gte_2",
            ),
            models.CheckConstraint(
                condition=models.Q(max_requests_per_rater__gte=1),
                name="cycle_max_requests_per_rater_gte_1",
            ),
        ]

    def __str__(self):
        return self.name


class FeedbackRequest(models.Model):
    """Feedback about one person (the subject) in one cycle."""

    # Indexed by the (cycle, subject) unique constraint: a second index on cycle alone would
    # only cost writes.
    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="requests", db_index=False
    )
    subject = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="feedback_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    launched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "subject"], name="request_cycle_subject_unique"
            )
        ]

    def __str__(self):
        return f"{self.subject.name} in {self.cycle.name}"


class Rater(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        INVITED = "invited", "Invited"
        STARTED = "started", "Started"
        SUBMITTED = "submitted", "Submitted"
        DECLINED = "declined", "Declined"
        # The rater was deactivated before answering (issue 17): their link answers
        # "withdrawn" (410) and they count nowhere as invited.
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Approval(models.TextChoices):
        """Whether someone other than the requester must agree before a link is sent.

        Kept apart from ``status`` (the contract's survey states): a rater waiting for
        approval is simply ``pending`` and launching passes them by (docs/decisions.md).
        """

        NOT_NEEDED = "not_needed", "Not needed"
        WAITING = "waiting", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    # Indexed by the (request, email) unique constraint, as FeedbackRequest.cycle.
    request = models.ForeignKey(
        FeedbackRequest, on_delete=models.CASCADE, related_name="raters", db_index=False
    )
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    # Null for someone outside the directory (relationship "other").
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="rater_roles"
    )
    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Only the sha256 of the survey token is stored: a database leak gives no working link.
    # NULL until a link is issued: unlike "", any number of NULLs pass the unique constraint.
    # Unique through Meta.constraints, not unique=True, which would add a LIKE index on
    # PostgreSQL that no query uses and every write and fresh connection pays for.
    token_hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 - NULLs never clash
    token_issued_at = models.DateTimeField(null=True, blank=True)
    # The hash of the token whose invitation went out; a retried task compares it to not resend.
    invitation_sent_hash = models.CharField(max_length=64, blank=True, default="")
    invited_at = models.DateTimeField(null=True, blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    # The last email to this rater that finally failed (refused for good, or still failing
    # after every retry): an invitation, a reminder or a resent link. Cleared once a link
    # reaches the rater; a failure older than the current link (Retry issued a new one that
    # is on its way) no longer counts, see ``delivery``.
    delivery_failed_at = models.DateTimeField(null=True, blank=True)
    # Safe to show to the requester and HR (core.mail.delivery_error_text): the kind of
    # failure, never the raw exception, which names addresses and the server's own words.
    delivery_error = models.CharField(max_length=200, blank=True, default="", db_default="")
    # When the survey was first shown to the rater (page or API), for the time-to-answer
    # distribution HR sees in aggregate only (issue 16). Null for surveys opened before
    # it was recorded; they are left out of that figure.
    first_opened_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=1000, blank=True)
    # Nomination approval (issue 11): who added this rater, whether an approver must agree
    # first, and who agreed or refused when. Nobody decides on their own nomination.
    # No index on either user: only deleting a login looks raters up by them, which is
    # rare, while every rater insert would pay for two more indexes.
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    approval = models.CharField(
        max_length=10, choices=Approval.choices, default=Approval.NOT_NEEDED
    )
    approval_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    approval_decided_at = models.DateTimeField(null=True, blank=True)
    # Set once the approvers were emailed about this nomination; a retried task skips it.
    approval_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["request", "relationship", "email"]
        constraints = [
            models.UniqueConstraint(fields=["request", "email"], name="rater_request_email_unique"),
            models.UniqueConstraint(fields=["token_hash"], name="rater_token_hash_unique"),
        ]
        indexes = [
            # Only the few nominations that wait: the approvals list reads them without
            # scanning every rater, and no survey write ever updates this index.
            models.Index(
                fields=["request"],
                condition=models.Q(approval="waiting"),
                name="rater_waiting_approval",
            )
        ]

    def __str__(self):
        return f"{self.email} ({self.relationship})"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    # The delivery rule, once in SQL (counts on the progress pages and the API) and once in
    # Python (one rater); tests/feedback/test_delivery.py holds them to the same answers.
    @staticmethod
    def delivery_failed_condition() -> models.Q:
        return models.Q(
            status__in=(Rater.Status.INVITED, Rater.Status.STARTED),
            delivery_failed_at__isnull=False,
            delivery_failed_at__gte=models.F("token_issued_at"),
        )

    @property
    def delivery(self) -> str:
        """The current link's email: none (no link yet), sending (queued or being retried),
        sent, or failed (a rater waiting to answer whose last email never arrived)."""
        if self.token_hash is None:
            return "none"
        if (
            self.status in (Rater.Status.INVITED, Rater.Status.STARTED)
            and self.delivery_failed_at is not None
            and self.delivery_failed_at >= self.token_issued_at
        ):
            return "failed"
        if self.invitation_sent_hash == self.token_hash:
            return "sent"
        return "sending"


class SupersededToken(models.Model):
    """The sha256 of a survey link that a newer one replaced (reminder, resend, a link
    opened from "Surveys to answer"), so the old link can say that a newer one was sent
    instead of "not found". Never a working credential: the survey only accepts the
    rater's current ``token_hash``."""

    token_hash = models.CharField(max_length=64, unique=True)
    rater = models.ForeignKey(Rater, on_delete=models.CASCADE, related_name="+")
    superseded_at = models.DateTimeField()

    def __str__(self):
        return f"link replaced on {self.superseded_at:%Y-%m-%d %H:%M}"


class Rating(models.Model):
    """One rater's answer to one item: 1..5, or null for "can't say"."""

    # Narrow on purpose: reports aggregate this table by item and by the rater's relationship.
    # No index of its own on rater: the (rater, item) unique index serves lookups by rater,
    # and every saved answer would update a second one.
    rater = models.ForeignKey(
        Rater, on_delete=models.CASCADE, related_name="ratings", db_index=False
    )
    # No database constraint on item: PostgreSQL checks a foreign key by row-locking the
    # parent (FOR KEY SHARE), so every save would lock the same thirty statements that
    # every other rater locks at that moment (a multixact and a WAL record per row). The
    # survey service accepts only the items of the cycle's pinned questionnaire, and a
    # used questionnaire cannot change or lose an item (PROTECT here, the admin refuses).
    # No index either: nothing reads ratings by item alone but that PROTECT check, when
    # an unused draft's statement is deleted, while every saved answer would update it.
    item = models.ForeignKey(
        Item,
        on_delete=models.PROTECT,
        related_name="ratings",
        db_constraint=False,
        db_index=False,
    )
    # 1..5 by the check constraint below (a positive field would add a second, weaker one).
    value = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rater", "item"], name="rating_rater_item_unique"),
            models.CheckConstraint(
                condition=models.Q(value__isnull=True) | models.Q(value__gte=1, value__lte=5),
                name="rating_value_1_to_5",
            ),
        ]

    def __str__(self):
        return f"rating {self.value} of item {self.item_id}"


COMMENT_MAX_LENGTH = 5000


class Comment(models.Model):
    # Indexed by the (rater, question) unique constraint, as Rating.
    rater = models.ForeignKey(
        Rater, on_delete=models.CASCADE, related_name="comments", db_index=False
    )
    # No database constraint or index on question, for the reasons given on Rating.item.
    question = models.ForeignKey(
        Question,
        on_delete=models.PROTECT,
        related_name="comments",
        db_constraint=False,
        db_index=False,
    )
    text = models.CharField(max_length=COMMENT_MAX_LENGTH)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rater", "question"], name="comment_rater_question_unique"
            )
        ]

    def __str__(self):
        return f"comment on question {self.question_id}"

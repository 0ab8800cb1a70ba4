from django.conf import settings
from django.db import models

from accounts.models import Person
from feedback.models import Cycle, FeedbackRequest
from feedback.vocabulary import Behaviour, Pole


class GapAnalysis(models.Model):
    """The computed gap analysis of one feedback request (one subject in one cycle).

    ``data`` caches the contract's section-4 document, rounded as published. The
    ``submitted_count`` / ``last_submitted_at`` pair records which answers it reflects,
    so a stale result is found by comparing them with the raters' current state.
    """

    request = models.OneToOneField(
        FeedbackRequest, on_delete=models.CASCADE, related_name="gap_analysis"
    )
    # What the database computed (reports.sql): {"<item id>:<group>": [n, sum, sum of squares]}
    # for every cell the anonymity rules let through, and {group: submitted surveys}.
    # JSON text rather than a JSON column: the database writes it by plain concatenation.
    cells = models.TextField(null=True, blank=True)  # noqa: DJ001 - null: never computed
    surveys = models.JSONField(null=True, blank=True)
    # The published document rendered from the cells; empty until first needed.
    data = models.JSONField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    # groups.others.counted (CONTRACT.md section 4): raters with at least one rating
    # inside an ``others`` item mean, computed with the cells. Null on rows computed before
    # it existed: an unfrozen one is then stale (recomputed), a frozen one stays as it is.
    others_counted = models.PositiveIntegerField(null=True, blank=True)
    submitted_count = models.PositiveIntegerField(default=0)
    last_submitted_at = models.DateTimeField(null=True, blank=True)
    # Set when the cycle is released: from then on nothing recomputes this row.
    frozen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "gap analyses"

    def __str__(self):
        return f"gap analysis of request {self.request_id}"


class RecomputeMark(models.Model):
    """A subject's result queued for a recompute after a submission (coalescing).

    Written by the first submission of a burst, inside its transaction, and deleted when
    the recompute starts: the rest of the burst finds it and queues nothing more
    (``reports.services.gap_analysis_mark``). Its own narrow table, owned by results:
    one primary-key upsert on the survey's hot path, and feedback's rows stay feedback's.
    """

    request = models.OneToOneField(
        FeedbackRequest, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    queued_at = models.DateTimeField()

    class Meta:
        # Named here because reports.sql writes it with a plain upsert.
        db_table = "reports_recompute_mark"

    def __str__(self):
        return f"recompute of request {self.request_id} queued at {self.queued_at}"


class CycleRecompute(models.Model):
    """The latest close-cycle recompute of a cycle, fanned out in chunks of subjects
    across worker processes (``reports.services.cycle_recompute_fan_out``).

    ``run`` names the latest fan-out: a chunk of an older run (a redelivered task, a
    retried plan) still recomputes its subjects, which is harmless, but no longer counts
    towards this one. ``finished_at`` is set by the chunk that completes the run, in its
    own transaction: only once every chunk has committed.
    """

    cycle = models.OneToOneField(Cycle, on_delete=models.CASCADE, related_name="+")
    run = models.UUIDField()
    chunks = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"recompute of cycle {self.cycle_id}, {self.chunks} chunks"


class CycleRecomputeChunk(models.Model):
    """One committed chunk of a run: recorded once, however often its task runs."""

    recompute = models.ForeignKey(CycleRecompute, on_delete=models.CASCADE, related_name="done")
    run = models.UUIDField()
    index = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="cycle_recompute_chunk_once")
        ]

    def __str__(self):
        return f"chunk {self.index} of run {self.run}"


class SubjectScore(models.Model):
    """One subject's ``others`` pole score per behaviour, kept narrow so team and
    organisation figures (means, percentiles) are computed in SQL."""

    analysis = models.ForeignKey(GapAnalysis, on_delete=models.CASCADE, related_name="scores")
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="+")
    team_name = models.CharField(max_length=120, blank=True)
    behaviour = models.CharField(max_length=20, choices=Behaviour.choices)
    pole = models.CharField(max_length=20, choices=Pole.choices)
    score = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["analysis", "behaviour", "pole"], name="subject_score_unique"
            )
        ]
        # Ordered as the percentile window reads them (``reports.sql.subject_percentiles``):
        # the cycle's scores come presorted per pole, without a sort of the whole cycle,
        # and the analysis id last spares the table (an index-only scan on PostgreSQL).
        indexes = [
            models.Index(
                fields=["cycle", "behaviour", "pole", "score", "analysis"],
                name="subject_score_rank",
            )
        ]

    def __str__(self):
        return f"{self.behaviour}/{self.pole}: {self.score:.2f}"


class ResponseCount(models.Model):
    """A request's survey counts per relationship, frozen when its cycle is released.

    Response rates of a released cycle are read from here, not from the raters: erasing a
    subject deletes the raters about them, and a released figure must never move.
    """

    request = models.ForeignKey(
        FeedbackRequest, on_delete=models.CASCADE, related_name="response_counts"
    )
    relationship = models.CharField(max_length=20)
    # Raters given a link (pending ones are not invited yet), those who answered, declined.
    invited = models.PositiveIntegerField()
    submitted = models.PositiveIntegerField()
    declined = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request", "relationship"], name="response_count_unique"
            )
        ]

    def __str__(self):
        return f"{self.relationship}: {self.submitted}/{self.invited}"


class Debrief(models.Model):
    """A coach's debrief of one subject's report, in a cycle run with
    ``debrief_before_release`` (issue 16).

    HR assigns the coach; once the cycle is closed the coach reads the report, records
    when the debrief was held and releases that one report to its subject, whose figures
    are frozen at that moment (``reports.services.subject_release``).
    """

    request = models.OneToOneField(
        FeedbackRequest, primary_key=True, on_delete=models.CASCADE, related_name="debrief"
    )
    coach = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="debriefs_to_give")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    assigned_at = models.DateTimeField()
    # The day the coach says the debrief took place; no notes are kept.
    debriefed_on = models.DateField(null=True, blank=True)
    debrief_recorded_at = models.DateTimeField(null=True, blank=True)
    # Set when the coach released the report to its subject, ahead of the cycle.
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # Set once the subject was emailed about the release; a retried task sends nothing twice.
    release_email_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"debrief of request {self.request_id}"


class CycleResponseQuality(models.Model):
    """A released cycle's response-quality figures (issue 16), kept as first shown after
    release: erasing a subject later deletes their raters' answers, and comparing the
    figures before and after would describe those few raters."""

    cycle = models.OneToOneField(
        Cycle, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    data = models.JSONField()
    frozen_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "cycle response qualities"

    def __str__(self):
        return f"response quality of cycle {self.cycle_id}"


class CommentFlag(models.Model):
    """A comment the screening found passages in that may give its writer away (issue 16).

    One row per flagged comment, written when its cycle closes (and on each re-run):
    ``matches`` holds each passage's kind and character offsets into the comment's current
    text, never the passage itself. A redaction replaces the passage in the comment in
    place (``reports.services.comment_redact``), so no copy of it stays anywhere.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "To review"
        KEPT = "kept", "Kept as is"
        REDACTED = "redacted", "Redacted"

    comment = models.OneToOneField(
        "feedback.Comment", on_delete=models.CASCADE, related_name="flag"
    )
    # The review list reads a cycle's flags; kept here so it needs no join through raters.
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(FeedbackRequest, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # [{"kind": "team_name", "start": 12, "end": 21}, ...] in reading order.
    matches = models.JSONField(default=list)
    screened_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cycle", "request", "id"]
        indexes = [models.Index(fields=["cycle", "status"], name="comment_flag_cycle_status")]

    def __str__(self):
        return f"flagged comment {self.comment_id} ({self.status})"

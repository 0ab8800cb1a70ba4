from django.db import models

from feedback.models import Behaviour, Cycle, FeedbackRequest, Pole


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
    submitted_count = models.PositiveIntegerField(default=0)
    last_submitted_at = models.DateTimeField(null=True, blank=True)
    # Set when the cycle is released: from then on nothing recomputes this row.
    frozen_at = models.DateTimeField(null=True, blank=True)
    # Set when a recompute is queued; a burst of submissions queues only one.
    recompute_queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "gap analyses"

    def __str__(self):
        return f"gap analysis of request {self.request_id}"


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
        indexes = [models.Index(fields=["cycle", "behaviour", "pole"])]

    def __str__(self):
        return f"{self.behaviour}/{self.pole}: {self.score:.2f}"

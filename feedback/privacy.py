"""Writes about keeping answers no longer than needed.

A released cycle's figures are frozen documents (reports.GapAnalysis.data); the raw
answers behind them can go once the retention period has passed.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.errors import DomainError
from feedback.models import Comment, Cycle, Rater, Rating


def cycle_answers_purge(*, cycle: Cycle, actor=None, now: datetime.datetime | None = None) -> dict:
    """Delete a released cycle's ratings, comments and decline reasons, keeping its figures."""
    from reports.services import cycle_results_freeze

    now = now or timezone.now()
    with transaction.atomic():
        locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
        if locked.status != Cycle.Status.RELEASED:
            raise DomainError(
                "Only a released cycle's answers can be purged: its figures must be final first.",
                code="conflict",
            )
        allowed_from = locked.released_at + datetime.timedelta(days=settings.ANSWER_RETENTION_DAYS)
        if now < allowed_from:
            raise DomainError(
                f"Answers are kept {settings.ANSWER_RETENTION_DAYS} days after release: "
                f"this cycle's can be purged from {allowed_from:%d %B %Y}.",
                code="conflict",
            )
        # Every figure is rendered and frozen before the answers behind it go.
        cycle_results_freeze(cycle_id=locked.id)
        raters = Rater.objects.filter(request__cycle=locked)
        ratings, _ = Rating.objects.filter(rater__in=raters).delete()
        comments, _ = Comment.objects.filter(rater__in=raters).delete()
        raters.exclude(decline_reason="").update(decline_reason="")
        locked.answers_purged_at = now
        locked.save(update_fields=["answers_purged_at"])
        counts = {"ratings": ratings, "comments": comments}
        audit_record(actor=actor, action="cycle.purge_answers", target=locked, detail=counts)
    return counts

"""Writes for reports: computing, storing, scheduling and freezing gap analyses."""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Sequence
from fractions import Fraction

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.errors import DomainError
from feedback.models import Cycle, FeedbackRequest
from reports import selectors, sql
from reports.analysis import Stat, document
from reports.models import GapAnalysis

logger = logging.getLogger(__name__)

# Stale requests recomputed per transaction by the sweep.
CHUNK_SIZE = 500


def _person_doc(person) -> dict:
    return {
        "id": person.id,
        "name": person.name,
        "title": person.title,
        "team": person.team.name if person.team_id else "",
    }


def _cycle_doc(cycle: Cycle) -> dict:
    return {
        "id": cycle.id,
        "name": cycle.name,
        "status": cycle.status,
        "closes_at": cycle.closes_at.isoformat(),
        "min_anonymous_raters": cycle.min_anonymous_raters,
        "gap_threshold": float(cycle.gap_threshold),
    }


def _lock_requests(requests) -> list[int]:
    """Lock the request rows: two recomputes of one request never interleave, so the
    later one always reads the answers the earlier one could not see."""
    return list(
        requests.select_for_update(of=("self",)).order_by("id").values_list("id", flat=True)
    )


@transaction.atomic
def gap_analyses_recompute(*, request_ids: Sequence[int]) -> int:
    """Recompute these requests' cells in the database; frozen ones are left alone.

    One transaction: a worker that dies half-way leaves every previous result intact.
    """
    ids = _lock_requests(FeedbackRequest.objects.filter(id__in=list(request_ids)))
    if ids:
        sql.recompute(now=timezone.now(), request_ids=ids)
    return len(ids)


@transaction.atomic
def cycle_recompute(*, cycle_id: int) -> int:
    """Recompute every request of a cycle in one pass inside the database."""
    ids = _lock_requests(FeedbackRequest.objects.filter(cycle_id=cycle_id))
    if ids:
        sql.recompute(now=timezone.now(), cycle_id=cycle_id)
    return len(ids)


def _cells(raw: dict) -> dict[tuple[int, str], Stat]:
    """The stored cells as (item id, group) -> Stat, for the groups that are shown."""
    cells = {}
    for item_id, numbers in raw.items():
        for index, group in enumerate(sql.GROUPS):
            n, total, squares = numbers[3 * index : 3 * index + 3]
            if n:
                cells[int(item_id), group] = Stat(int(n), int(total), int(squares))
    return cells


def gap_analyses_render(*, analyses: Sequence[GapAnalysis]) -> None:
    """Render (and cache) the published document of analyses whose cells changed.

    A handful of queries for the whole batch: items, questions and comments per batch.
    """
    todo = [a for a in analyses if a.data is None and a.computed_at is not None]
    if not todo:
        return
    requests = {
        r.id: r
        for r in FeedbackRequest.objects.filter(id__in=[a.request_id for a in todo]).select_related(
            "cycle", "subject__team"
        )
    }
    comments = selectors.submitted_comments(request_ids=list(requests))
    frameworks: dict[int, tuple] = {}
    for analysis in todo:
        request = requests[analysis.request_id]
        cycle = request.cycle
        if cycle.framework_id not in frameworks:
            frameworks[cycle.framework_id] = (
                selectors.framework_items(framework_id=cycle.framework_id),
                selectors.framework_question_order(framework_id=cycle.framework_id),
            )
        items, question_order = frameworks[cycle.framework_id]
        figures = document(
            items=items,
            surveys=analysis.surveys or {},
            cells=_cells(json.loads(analysis.cells or "{}")),
            comments=comments.get(request.id, []),
            k=cycle.min_anonymous_raters,
            threshold=Fraction(str(cycle.gap_threshold)),
            question_order=question_order,
        )
        analysis.data = {
            "request": request.id,
            "subject": _person_doc(request.subject),
            "cycle": _cycle_doc(cycle),
            "computed_at": analysis.computed_at.isoformat(),
            **figures,
        }
    # Only rows whose cells are still the ones rendered: a recompute in between wins.
    with transaction.atomic():
        for analysis in todo:
            GapAnalysis.objects.filter(pk=analysis.pk, computed_at=analysis.computed_at).update(
                data=analysis.data
            )


def gap_analysis_documents(*, request_ids: Sequence[int]) -> dict[int, dict]:
    """request id -> published document, rendering the ones not rendered yet."""
    analyses = list(
        GapAnalysis.objects.filter(request_id__in=list(request_ids), computed_at__isnull=False)
    )
    gap_analyses_render(analyses=analyses)
    return {a.request_id: a.data for a in analyses}


def gap_analysis_schedule(*, request_id: int) -> None:
    """Ask for a recompute of one subject after a submission, coalescing bursts.

    Called after the submission committed. The first submission of a burst marks the row
    and queues a task a few seconds later; the others find the mark and queue nothing.
    If the broker is down the answer is already saved: the mark stays and the periodic
    sweep (``gap_analyses_sweep``) recomputes it once the broker is back.
    """
    from reports.tasks import recompute_request

    now = timezone.now()
    GapAnalysis.objects.bulk_create([GapAnalysis(request_id=request_id)], ignore_conflicts=True)
    coalesce = datetime.timedelta(seconds=settings.GAP_ANALYSIS_COALESCE_SECONDS * 4)
    claimed = (
        GapAnalysis.objects.filter(request_id=request_id, frozen_at__isnull=True)
        .filter(Q(recompute_queued_at__isnull=True) | Q(recompute_queued_at__lt=now - coalesce))
        .update(recompute_queued_at=now)
    )
    if not claimed:
        return
    try:
        recompute_request.apply_async(
            args=[request_id], countdown=settings.GAP_ANALYSIS_COALESCE_SECONDS
        )
    except Exception:  # kombu raises many transport errors; the sweep is the safety net
        logger.warning(
            "broker unavailable: request %s left for the sweep", request_id, exc_info=True
        )


def _queue(task, *args) -> bool:
    """Queue a task; if the broker is down, log and let the periodic sweep catch up."""
    try:
        task.delay(*args)
    except Exception:  # kombu raises many transport errors; the sweep is the safety net
        logger.warning(
            "broker unavailable: %s%r left for the sweep", task.name, args, exc_info=True
        )
        return False
    return True


def cycle_recompute_schedule(*, cycle_id: int) -> None:
    from reports.tasks import recompute_cycle

    _queue(recompute_cycle, cycle_id)


def cycle_results_freeze_schedule(*, cycle_id: int) -> None:
    from reports.tasks import freeze_cycle

    _queue(freeze_cycle, cycle_id)


def gap_analyses_sweep() -> int:
    """Recompute every result that no longer reflects its answers (open or closed cycles)."""
    requests = FeedbackRequest.objects.filter(
        cycle__status__in=[Cycle.Status.OPEN, Cycle.Status.CLOSED]
    )
    stale = selectors.stale_request_ids(requests=requests)
    for start in range(0, len(stale), CHUNK_SIZE):
        gap_analyses_recompute(request_ids=stale[start : start + CHUNK_SIZE])
    return len(stale)


def cycle_results_freeze(*, cycle_id: int) -> int:
    """On release: bring every result up to date, then freeze it for good."""
    requests = FeedbackRequest.objects.filter(cycle_id=cycle_id)
    stale = selectors.stale_request_ids(requests=requests)
    for start in range(0, len(stale), CHUNK_SIZE):
        gap_analyses_recompute(request_ids=stale[start : start + CHUNK_SIZE])
    # Render every document now: a frozen row keeps exactly what its readers will see.
    ids = list(
        GapAnalysis.objects.filter(
            request__cycle_id=cycle_id, frozen_at__isnull=True, computed_at__isnull=False
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
    frozen = 0
    for start in range(0, len(ids), CHUNK_SIZE):
        batch = list(GapAnalysis.objects.filter(pk__in=ids[start : start + CHUNK_SIZE]))
        gap_analyses_render(analyses=batch)
        frozen += GapAnalysis.objects.filter(
            pk__in=[a.pk for a in batch], data__isnull=False, frozen_at__isnull=True
        ).update(frozen_at=timezone.now())
    return frozen


def gap_analysis_current(*, request: FeedbackRequest) -> GapAnalysis:
    """The stored result, recomputed first if it is missing or stale (never once frozen)."""
    if selectors.stale_request_ids(requests=FeedbackRequest.objects.filter(pk=request.pk)):
        gap_analyses_recompute(request_ids=[request.pk])
    analysis = GapAnalysis.objects.get(request=request)
    gap_analyses_render(analyses=[analysis])
    return analysis


def results_read(*, request: FeedbackRequest, user) -> dict:
    """The gap analysis as a reader sees it, under the contract's reading rules.

    Nobody reads while the cycle is open or a draft; HR reads once it is closed; the
    subject and their managers once it is released. The first read marks the cycle,
    which then may not reopen: the cycle row is locked so a concurrent reopen either
    happens before this read (and it is refused) or sees the mark.
    """
    from accounts.selectors import user_is_hr

    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=request.cycle_id)
        if cycle.status in (Cycle.Status.DRAFT, Cycle.Status.OPEN):
            raise DomainError(
                "Results cannot be read while the cycle is open: they appear once it closes.",
                code="conflict",
            )
        if cycle.status == Cycle.Status.CLOSED and not user_is_hr(user):
            raise DomainError(
                "These results have not been released yet: HR releases them after the cycle closes.",
                code="conflict",
            )
        if cycle.results_read_at is None:
            cycle.results_read_at = timezone.now()
            cycle.save(update_fields=["results_read_at"])
        analysis = gap_analysis_current(request=request)
        if cycle.status == Cycle.Status.RELEASED and analysis.frozen_at is None:
            # Released before the freezing task ran: what is shown now is what stays.
            GapAnalysis.objects.filter(pk=analysis.pk, data__isnull=False).update(
                frozen_at=timezone.now()
            )
    # The figures are as stored (frozen once released); the cycle header is today's.
    return {**analysis.data, "cycle": _cycle_doc(cycle)}


def request_remind(*, request: FeedbackRequest) -> int:
    """Remind every rater who has a link but has not answered, by sending a fresh link.

    There is no separate reminder email yet: this reuses ``rater_resend``, so each
    reminded rater's previous link stops working (their saved draft is kept). Refused
    unless the cycle is open.
    """
    from feedback.models import Rater
    from feedback.services import rater_resend

    if request.cycle.status != Cycle.Status.OPEN:
        raise DomainError(
            f"The cycle is {request.cycle.status}: reminders need an open cycle.", code="conflict"
        )
    waiting = list(
        request.raters.filter(status__in=[Rater.Status.INVITED, Rater.Status.STARTED]).order_by(
            "id"
        )
    )
    for rater in waiting:
        rater_resend(rater=rater)
    return len(waiting)

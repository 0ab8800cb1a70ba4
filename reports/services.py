"""Writes for results: computing, storing, scheduling and freezing gap analyses, and the
reading rule every reader passes through.

Other apps read results through ``results_read`` (one subject, the API and pages) and
``results_for_export`` (the exports app's one way in); feedback reaches this module only
through its signals (``reports.receivers``).
"""

from __future__ import annotations

import datetime
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from accounts.models import Person
from accounts.selectors import person_for_user, user_is_hr
from core.audit import audit_record
from core.errors import DomainError, not_found
from core.tasks import task_queue
from feedback.models import COMMENT_MAX_LENGTH, Comment, Cycle, FeedbackRequest, Rater
from feedback.selectors import (
    cycle_reminder_outlook,
    raters_to_remind,
    reminder_claimable,
    reminder_outlook,
)
from feedback.services import rater_remind
from feedback.vocabulary import ANONYMOUS
from reports import change, comment_screening, selectors, signals, sql, tasks
from reports.analysis import Stat, r2, round_half_away
from reports.analysis import document as render_document
from reports.models import (
    CommentFlag,
    CycleRecompute,
    CycleRecomputeChunk,
    CycleResponseQuality,
    Debrief,
    GapAnalysis,
    RecomputeMark,
    ResponseCount,
)

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
        "shuffle_comments": cycle.shuffle_comments,
    }


def _shuffle_key(request: FeedbackRequest) -> bytes:
    """The secret a shuffled cycle orders one subject's comments by: derived from
    SECRET_KEY and the request, so each subject's order is its own and nobody without the
    server's secret can recompute it."""
    return salted_hmac("reports.comment-shuffle", str(request.id)).digest()


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
        # Cleared before reading: a submission committed from now on marks and queues again.
        RecomputeMark.objects.filter(request_id__in=ids).delete()
        sql.recompute(now=timezone.now(), request_ids=ids)
    return len(ids)


@transaction.atomic
def cycle_recompute(*, cycle_id: int) -> int:
    """Recompute every request of a cycle in one pass inside the database."""
    ids = _lock_requests(FeedbackRequest.objects.filter(cycle_id=cycle_id))
    if ids:
        RecomputeMark.objects.filter(request__cycle_id=cycle_id).delete()
        sql.recompute(now=timezone.now(), cycle_id=cycle_id)
    return len(ids)


def cycle_recompute_fan_out(*, cycle_id: int, chunk_size: int | None = None) -> int:
    """Plan a close-cycle recompute as chunks of subjects, one task each, so every worker
    process takes a share: the number of chunks queued.

    Each chunk is one transaction (``cycle_chunk_recompute``): a subject's cells, survey
    counts and pole scores change together, so a reader sees each subject's old figures
    or new ones, never half. Starting a new run supersedes an unfinished one; the chunks
    are queued once this plan has committed.
    """
    size = chunk_size or settings.CYCLE_RECOMPUTE_CHUNK
    with transaction.atomic():
        ids = list(
            FeedbackRequest.objects.filter(cycle_id=cycle_id)
            .order_by("id")
            .values_list("id", flat=True)
        )
        chunks = [ids[start : start + size] for start in range(0, len(ids), size)]
        now = timezone.now()
        run = uuid.uuid4()
        # Past runs' chunk records; a late chunk of theirs finds its run gone and counts nowhere.
        CycleRecomputeChunk.objects.filter(recompute__cycle_id=cycle_id).delete()
        CycleRecompute.objects.update_or_create(
            cycle_id=cycle_id,
            defaults={
                "run": run,
                "chunks": len(chunks),
                "started_at": now,
                # No subject to compute: done as soon as planned.
                "finished_at": None if chunks else now,
            },
        )
        for index, chunk in enumerate(chunks):
            transaction.on_commit(
                # Bound per chunk; a chunk travels as its first and last request ids.
                lambda index=index, chunk=chunk: task_queue(
                    tasks.recompute_cycle_chunk, cycle_id, str(run), index, chunk[0], chunk[-1]
                )
            )
    return len(chunks)


@transaction.atomic
def cycle_chunk_recompute(
    *, cycle_id: int, run: str, index: int, first_id: int, last_id: int
) -> bool:
    """One chunk of a fanned-out recompute (the cycle's requests from ``first_id`` to
    ``last_id``), in one transaction; True if it completed the run. Safe to repeat:
    recomputing gives the same figures, and the chunk is counted once per run."""
    chunk = FeedbackRequest.objects.filter(cycle_id=cycle_id, id__gte=first_id, id__lte=last_id)
    if _lock_requests(chunk):
        # Cleared before reading, as for one subject (``gap_analyses_recompute``).
        RecomputeMark.objects.filter(request__in=chunk).delete()
        sql.recompute(now=timezone.now(), cycle_id=cycle_id, id_range=(first_id, last_id))
    recompute = (
        CycleRecompute.objects.select_for_update().filter(cycle_id=cycle_id, run=run).first()
    )
    if recompute is None:  # superseded by a later run, whose own chunks count
        return False
    CycleRecomputeChunk.objects.get_or_create(recompute=recompute, run=recompute.run, index=index)
    # The run row is locked: of two last chunks committing together, the second sees the first.
    if (
        recompute.finished_at is None
        and recompute.done.filter(run=recompute.run).count() == recompute.chunks
    ):
        recompute.finished_at = timezone.now()
        recompute.save(update_fields=["finished_at"])
        return True
    return False


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
        figures = render_document(
            items=items,
            surveys=analysis.surveys or {},
            cells=_cells(json.loads(analysis.cells or "{}")),
            comments=comments.get(request.id, []),
            k=cycle.min_anonymous_raters,
            threshold=Fraction(str(cycle.gap_threshold)),
            question_order=question_order,
            others_counted=analysis.others_counted,
            shuffle_key=_shuffle_key(request) if cycle.shuffle_comments else None,
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


def gap_analysis_mark(*, request_id: int, now: datetime.datetime) -> bool:
    """Mark one subject's result for a recompute; False if a recent mark already stands.

    Called inside the submission's transaction (``reports.receivers``), so the mark and
    the answer commit together; the task is queued (``gap_analysis_queue``) after the
    commit, and only when this returns True: a burst of submissions queues one
    recompute. The recompute clears the mark when it starts; a mark older than a few
    coalescing periods (its task lost with the broker) no longer holds anyone back.
    """
    coalesce = datetime.timedelta(seconds=settings.GAP_ANALYSIS_COALESCE_SECONDS * 4)
    return sql.recompute_mark(request_id=request_id, now=now, older_than=now - coalesce)


def gap_analysis_queue(*, request_id: int) -> None:
    """Queue the recompute of a marked result, a few seconds later to gather a burst.

    If the broker is down the answer is already saved: the mark stays and the periodic
    sweep (``gap_analyses_sweep``) recomputes the stale result once the broker is back.
    """
    # If the broker is down, the periodic sweep catches up.
    task_queue(
        tasks.recompute_request, request_id, countdown=settings.GAP_ANALYSIS_COALESCE_SECONDS
    )


def cycle_recompute_schedule(*, cycle_id: int) -> None:
    task_queue(tasks.fan_out_cycle_recompute, cycle_id)


def cycle_results_freeze_schedule(*, cycle_id: int) -> None:
    task_queue(tasks.freeze_cycle, cycle_id)


def gap_analyses_sweep() -> int:
    """Recompute every result that no longer reflects its answers (open or closed cycles)."""
    requests = FeedbackRequest.objects.filter(
        cycle__status__in=[Cycle.Status.OPEN, Cycle.Status.CLOSED]
    )
    stale = selectors.stale_request_ids(requests=requests)
    for start in range(0, len(stale), CHUNK_SIZE):
        gap_analyses_recompute(request_ids=stale[start : start + CHUNK_SIZE])
    return len(stale)


def response_counts_freeze(*, cycle_id: int, request_ids: Sequence[int] | None = None) -> int:
    """Keep each request's survey counts per relationship as they are now (on release;
    ``request_ids``: only those, a report a coach released to its subject).

    Idempotent: requests already frozen are left alone, and a concurrent freeze (the task
    and an erasure) inserts nothing twice (the unique constraint, conflicts ignored).
    """
    raters = Rater.objects.filter(request__cycle_id=cycle_id)
    if request_ids is not None:
        raters = raters.filter(request_id__in=list(request_ids))
    rows = (
        raters.exclude(request__response_counts__isnull=False)
        .values("request_id", "relationship")
        .annotate(
            # A withdrawn invitation (its rater was deactivated) was never answered and
            # is no longer expected: it counts as not invited, as a pending one.
            invited=Count(
                "id", filter=~Q(status__in=(Rater.Status.PENDING, Rater.Status.WITHDRAWN))
            ),
            submitted=Count("id", filter=Q(status=Rater.Status.SUBMITTED)),
            declined=Count("id", filter=Q(status=Rater.Status.DECLINED)),
        )
        .order_by()
    )
    created = ResponseCount.objects.bulk_create(
        [ResponseCount(**row) for row in rows], batch_size=1000, ignore_conflicts=True
    )
    return len(created)


def cycle_results_freeze(*, cycle_id: int) -> int:
    """On release: bring every result up to date, then freeze it for good, with the
    response counts (``response_counts_freeze``)."""
    response_counts_freeze(cycle_id=cycle_id)
    cycle_response_quality_freeze(cycle_id=cycle_id)
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


# --- Erasure (issue 11) -------------------------------------------------------------------
# Called by privacy.services.person_erase inside its transaction (which also deletes the
# stored export files: exports.services.exports_erase).


def subject_results_erase(*, request_ids: Sequence[int]) -> None:
    """An erased subject's released results: nothing of them is readable any more, but
    their frozen share of the team figures stays, so no released figure of anyone else
    moves. Kept: the ``SubjectScore`` rows (team means, percentiles), the frozen response
    counts, and from the document only each item's ``others`` mean (team item means).
    Gone: every other figure, the survey counts, the comments, the name.

    The requests' cycles must be frozen first (``cycle_results_freeze``).
    """
    # The exact means, read before the cells go: the team's item means are computed from
    # exact values, and must come out the same after the erasure as before.
    exact_means = selectors.others_item_means(request_ids=request_ids)
    for analysis in GapAnalysis.objects.filter(request_id__in=list(request_ids)):
        exact = exact_means.get(analysis.request_id, {})
        items = (analysis.data or {}).get("items", [])
        stub = {
            "request": analysis.request_id,
            "erased": True,
            "items": [
                {
                    **{key: item[key] for key in ("id", "behaviour", "pole", "text")},
                    "scores": {
                        "others": None
                        if item["scores"].get("others") is None
                        else {
                            "mean": item["scores"]["others"]["mean"],
                            "exact": str(exact[item["id"]]) if item["id"] in exact else None,
                        }
                    },
                }
                for item in items
            ],
        }
        GapAnalysis.objects.filter(pk=analysis.pk).update(
            data=stub, cells="{}", surveys={}, frozen_at=analysis.frozen_at or timezone.now()
        )


def comments_erase(*, comments: Sequence[tuple[int, str, str, str]]) -> int:
    """Take deleted comments out of every stored document, one entry per comment.

    ``comments`` are (request id, question text, group, text), as the documents hold them.
    A frozen document loses the matching entry (an identical comment by someone else
    stays); a document not frozen yet is simply rendered again from the remaining
    comments on its next read. Returns the number of entries removed.
    """
    by_request: dict[int, list[tuple[str, str, str]]] = {}
    for request_id, question, group, text in comments:
        by_request.setdefault(request_id, []).append((question, group, text))
    removed = 0
    for analysis in GapAnalysis.objects.select_for_update().filter(
        request_id__in=list(by_request), data__isnull=False
    ):
        if analysis.frozen_at is None:
            GapAnalysis.objects.filter(pk=analysis.pk).update(data=None)
            continue
        entries = list(analysis.data.get("comments", []))
        for question, group, text in by_request[analysis.request_id]:
            wanted = {"question": question, "group": group, "text": text}
            if wanted in entries:
                entries.remove(wanted)
                removed += 1
        GapAnalysis.objects.filter(pk=analysis.pk).update(
            data={**analysis.data, "comments": entries}
        )
    return removed


def gap_analysis_current(*, request: FeedbackRequest) -> GapAnalysis:
    """The stored result, recomputed first if it is missing or stale (never once frozen)."""
    if selectors.stale_request_ids(requests=FeedbackRequest.objects.filter(pk=request.pk)):
        gap_analyses_recompute(request_ids=[request.pk])
    analysis = GapAnalysis.objects.get(request=request)
    gap_analyses_render(analyses=[analysis])
    return analysis


def _results_opened(cycle: Cycle, *, hr: bool, refused: str) -> None:
    """The contract's reading rules for any figure of a cycle, and the mark of a read.

    Nobody reads a draft or open cycle; HR reads a closed one; the subject and their
    managers a released one. The first read marks the cycle, which then may not reopen
    (answers added after a read could be told apart by comparing two readings). Every
    reader (results, team report, heatmap, export) goes through here. ``cycle`` must be
    row-locked, so a concurrent reopen either happens first (and this read is refused)
    or sees the mark. ``refused`` names what is refused while the cycle is open.
    """
    if cycle.status in (Cycle.Status.DRAFT, Cycle.Status.OPEN):
        raise DomainError(
            _("%(refused)s while the cycle is open: they appear once it closes.")
            % {"refused": refused},
            code="conflict",
        )
    if cycle.status == Cycle.Status.CLOSED and not hr:
        raise DomainError(
            _("These results have not been released yet: HR releases them after the cycle closes."),
            code="conflict",
        )
    if cycle.results_read_at is None:
        cycle.results_read_at = timezone.now()
        cycle.save(update_fields=["results_read_at"])


def cycle_results_opened(*, cycle: Cycle, hr: bool, refused: str) -> Cycle:
    """``_results_opened`` for a reader that holds no lock of its own (team report, heatmap).

    A released cycle is final: it never reopens, so there is nothing to lock or mark.
    """
    if cycle.status == Cycle.Status.RELEASED:
        return cycle
    with transaction.atomic():
        locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
        _results_opened(locked, hr=hr, refused=refused)
    return locked


def _as_read(data: dict, cycle: Cycle) -> dict:
    """A stored document as every reader gets it: the figures as stored, today's cycle
    header, and ``groups.others.counted`` present. A document frozen before counted was
    recorded reads it as null (unknown): it is never computed afresh for a frozen
    result, whose answers may have been purged or erased since."""
    groups = data["groups"]
    if "counted" not in groups["others"]:
        groups = {**groups, "others": {**groups["others"], "counted": None}}
    return {**data, "groups": groups, "cycle": _cycle_doc(cycle)}


def _previous_attach(documents: list[dict], cycle: Cycle) -> list[dict]:
    """Each document gains ``previous``: its comparison with every earlier released cycle
    of the same subject, newest first (issue 16; ``reports.change``). Only between
    released results: both sides are then frozen, so a comparison, once shown, never
    changes. Two queries for any number of documents."""
    for document in documents:
        document["previous"] = []
    if cycle.status != Cycle.Status.RELEASED or not documents:
        return documents
    rows = selectors.earlier_released_documents(
        subject_ids=[d["subject"]["id"] for d in documents],
        exclude_request_ids=[d["request"] for d in documents],
    )
    earlier: dict[int, list[dict]] = {}
    for row in rows:
        if row["request__cycle__closes_at"] < cycle.closes_at:
            earlier.setdefault(row["request__subject_id"], []).append(row)
    if not earlier:
        return documents
    item_ids = {item["id"] for d in documents for item in d["items"]}
    item_ids |= {
        item["id"] for rows_ in earlier.values() for r in rows_ for item in r["data"]["items"]
    }
    keys = selectors.item_keys(item_ids=item_ids)
    for document in documents:
        for row in earlier.get(document["subject"]["id"], []):
            compared = change.comparison(
                now=document, before=row["data"], keys_now=keys, keys_before=keys
            )
            document["previous"].append(
                {
                    "request": row["request_id"],
                    "cycle": {
                        "id": row["request__cycle_id"],
                        "name": row["request__cycle__name"],
                        "closes_at": row["request__cycle__closes_at"].isoformat(),
                    },
                    **{key: value for key, value in compared.items() if key != "request"},
                }
            )
    return documents


def _early_reader(request: FeedbackRequest, user) -> str | None:
    """Who reads this report before the cycle-wide release, in a cycle run with a
    debrief: "coach" (the subject's assigned coach, once the cycle is closed), "subject"
    (once their coach released it to them), or None."""
    person = person_for_user(user)
    if person is None:
        return None
    debrief = Debrief.objects.filter(pk=request.pk).only("coach", "released_at").first()
    if debrief is None:
        return None
    if debrief.coach_id == person.pk:
        return "coach"
    if request.subject_id == person.pk and debrief.released_at is not None:
        return "subject"
    return None


def results_read(*, request: FeedbackRequest, user) -> dict:
    """The gap analysis as a reader sees it, under the reading rules (``_results_opened``).

    In a cycle with a debrief before release, the subject's coach reads it from the close
    (each read audited) and the subject once the coach released it (``subject_release``).
    """
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=request.cycle_id)
        hr = user_is_hr(user)
        early = _early_reader(request, user) if cycle.debrief_before_release else None
        _results_opened(cycle, hr=hr or early is not None, refused=_("Results cannot be read"))
        analysis = gap_analysis_current(request=request)
        if (
            cycle.status == Cycle.Status.RELEASED or early == "subject"
        ) and analysis.frozen_at is None:
            # Released before the freezing task ran: what is shown now is what stays.
            GapAnalysis.objects.filter(pk=analysis.pk, data__isnull=False).update(
                frozen_at=timezone.now()
            )
        if early == "coach":
            audit_record(
                actor=user,
                action="report.coach_read",
                target=request,
                detail={"cycle_status": cycle.status},
            )
    # The figures are as stored (frozen once released); the cycle header is today's.
    (document,) = _previous_attach([_as_read(analysis.data, cycle)], cycle)
    return document


NOTHING_TO_REMIND = {"due": 0, "last_reminded_at": None, "next_at": None}


@dataclass
class Reminded:
    sent: int  # raters reminded by this press
    outlook: dict  # feedback.selectors.reminder_outlook for the request, after the press


def request_remind(
    *, request: FeedbackRequest, presser, now: datetime.datetime | None = None
) -> Reminded:
    """Remind the raters who owe an answer, each with a fresh link by email (their old link
    stops working; a saved draft is kept). Refused unless the cycle is open.

    Whoever presses, each rater gets at most one email a day: every rater goes through
    the reminders' one conditional claim (``feedback.services.rater_remind``), so three
    presses, or two at once, or a press and beat's sweep, send one. The presser's own
    rater row is skipped (a manager who is also the boss rater does not need a reminder
    of their own button), as are raters whose last email failed (they need a Retry).
    """
    if request.cycle.status != Cycle.Status.OPEN:
        raise DomainError(
            _("The cycle is %(status)s: reminders need an open cycle.")
            % {"status": request.cycle.get_status_display().lower()},
            code="conflict",
        )
    now = now or timezone.now()
    waiting = list(raters_to_remind(request_ids=[request.pk], presser=presser).order_by("id"))
    sent = sum(rater_remind(rater=rater, now=now) for rater in waiting)
    outlook = reminder_outlook(request_ids=[request.pk], presser=presser, now=now)
    return Reminded(sent=sent, outlook=outlook.get(request.pk, NOTHING_TO_REMIND))


def cycle_remind(*, cycle: Cycle, presser, now: datetime.datetime | None = None) -> Reminded:
    """HR's "Remind all": ``request_remind`` for every request of the cycle at once.

    Each rater goes through the same one-a-day claim (``feedback.services.rater_remind``),
    so a press reminds only those whose last email is a day old, and a manager's Remind
    the same morning counts: nobody gets two emails in a day whoever presses. Someone who
    rates several people in the cycle gets one email per survey they owe.
    """
    if cycle.status != Cycle.Status.OPEN:
        raise DomainError(
            _("The cycle is %(status)s: reminders need an open cycle.")
            % {"status": cycle.get_status_display().lower()},
            code="conflict",
        )
    now = now or timezone.now()
    request_ids = FeedbackRequest.objects.filter(cycle=cycle).values("id")
    # Only the raters a claim can take: each of the others would cost an UPDATE that
    # matches nothing. The claim re-checks the rule, so a race changes nothing.
    waiting = list(
        raters_to_remind(request_ids=request_ids, presser=presser)
        .filter(reminder_claimable(now=now))
        .order_by("id")
    )
    sent = sum(rater_remind(rater=rater, now=now) for rater in waiting)
    outlook = cycle_reminder_outlook(cycle_ids=[cycle.pk], presser=presser, now=now)
    return Reminded(sent=sent, outlook=outlook.get(cycle.pk, NOTHING_TO_REMIND))


# --- Exports' one way in ----------------------------------------------------------------


@dataclass(frozen=True)
class ExportResults:
    """What an export file may show of a cycle's results, as every reader gets them."""

    cycle: dict  # the cycle header, as today (the ``cycle`` of every document)
    documents: list[dict]  # the section-4 document of each requested subject, by name
    # With ``scope``: the figures over every request of it (``_scope_figures``).
    scope: dict | None


def results_for_export(
    *, cycle: Cycle, request_ids: Sequence[int], scope: Sequence[int] | None = None
) -> ExportResults:
    """The results the exports app puts in files: its one way into results.

    ``request_ids``: the subjects whose documents are wanted (the caller's listed ones).
    Stale results are recomputed first (never frozen ones); in a released cycle what is
    exported is frozen, as reading it through the API would freeze it. ``scope``: for team
    files, every request of the file's scope, erased subjects included, whose frozen share
    stays in the team figures.

    The reading rule (who may read a cycle's figures, and the mark of a read) is
    ``cycle_results_opened``'s, checked when the export is asked for.
    """
    stale = selectors.stale_request_ids(requests=FeedbackRequest.objects.filter(id__in=request_ids))
    for start in range(0, len(stale), CHUNK_SIZE):
        gap_analyses_recompute(request_ids=stale[start : start + CHUNK_SIZE])
    rendered = gap_analysis_documents(request_ids=request_ids)
    if cycle.status == Cycle.Status.RELEASED:
        GapAnalysis.objects.filter(
            request_id__in=list(rendered), frozen_at__isnull=True, data__isnull=False
        ).update(frozen_at=timezone.now())
    documents = _previous_attach([_as_read(data, cycle) for data in rendered.values()], cycle)
    documents.sort(key=lambda d: (d["subject"]["name"].lower(), d["request"]))
    return ExportResults(
        cycle=_cycle_doc(cycle),
        documents=documents,
        scope=None
        if scope is None
        else _scope_figures(documents, request_ids=scope, listed=request_ids),
    )


def _scope_figures(
    documents: list[dict], *, request_ids: Sequence[int], listed: Sequence[int]
) -> dict:
    """A team file's figures, from stored results only: the team means per behaviour and
    pole (SQL, each subject weighing the same), the team mean of each item's ``others``
    mean (from exact values, rounded once), survey counts per request and in total."""
    responses = selectors.response_counts(request_ids=request_ids)
    # Erased subjects: no row, but their frozen item means stay in the team's item means.
    erased = list(
        GapAnalysis.objects.filter(
            request_id__in=set(request_ids) - set(listed), data__isnull=False
        ).values_list("data", flat=True)
    )
    exact_means = selectors.others_item_means(request_ids=request_ids)
    item_sums: dict[int, list[Fraction]] = {}
    items_meta: dict[int, dict] = {}
    for document in [*documents, *erased]:
        exact = exact_means.get(document["request"], {})
        for item in document["items"]:
            items_meta.setdefault(item["id"], item)
            others = item["scores"].get("others")
            if others is not None:
                # An erased subject's cells are gone; their stub keeps the exact mean.
                value = exact.get(item["id"])
                if value is None:
                    value = Fraction(others.get("exact") or str(others["mean"]))
                item_sums.setdefault(item["id"], []).append(value)
    items = [
        {
            "id": item_id,
            "behaviour": meta["behaviour"],
            "pole": meta["pole"],
            "text": meta["text"],
            "mean": r2(sum(item_sums[item_id]) / len(item_sums[item_id]))
            if item_sums.get(item_id)
            else None,
            "subjects": len(item_sums.get(item_id, [])),
        }
        for item_id, meta in items_meta.items()
    ]
    invited = sum(counts["invited"] for counts in responses.values())
    submitted = sum(counts["submitted"] for counts in responses.values())
    means = selectors.subject_score_means(requests=request_ids)
    return {
        "responses": responses,
        # Every subject of the scope, erased ones included (their row is gone, not their
        # share of the means): the count the team means are taken over.
        "subject_count": len(request_ids),
        "means": means,
        "items": items,
        "response": {
            "invited": invited,
            "submitted": submitted,
            "rate": round_half_away(Fraction(100 * submitted, invited), 1) if invited else None,
        },
    }


# --- Comments that do not give their writer away (issue 16) -------------------------------
# The rule is reports.comment_screening's; docs/gap-analysis.md explains it to HR.

REMOVED = "[removed]"


def _directory() -> comment_screening.Directory:
    """Everyone in the directory but the erased, loaded once per screening run."""
    rows = Person.objects.filter(erased_at__isnull=True).values_list(
        "id", "name", "team_id", "manager_id"
    )
    return comment_screening.Directory(comment_screening.PersonRow(*row) for row in rows)


def _screened_comments(cycle_id: int):
    """(comment id, text, request id, subject id) of the comments a reader will see that an
    anonymous group wrote: submitted, not empty, of a group with at least k surveys
    (a hidden group's comments are never shown, so nobody should read them here either).
    Self and boss comments are labelled as such: there is no anonymity to protect."""
    k = Cycle.objects.values_list("min_anonymous_raters", flat=True).get(pk=cycle_id)
    shown_groups = (
        Rater.objects.filter(
            request__cycle_id=cycle_id, status=Rater.Status.SUBMITTED, relationship__in=ANONYMOUS
        )
        .values("request_id", "relationship")
        .annotate(n=Count("id"))
        .filter(n__gte=k)
        .order_by()
    )
    shown = {(row["request_id"], row["relationship"]) for row in shown_groups}
    rows = (
        Comment.objects.filter(
            rater__request__cycle_id=cycle_id,
            rater__status=Rater.Status.SUBMITTED,
            rater__relationship__in=ANONYMOUS,
        )
        .exclude(text="")
        .values_list(
            "id", "text", "rater__request_id", "rater__relationship", "rater__request__subject_id"
        )
        .order_by("id")
    )
    return [
        (comment_id, text, request_id, subject_id)
        for comment_id, text, request_id, group, subject_id in rows
        if (request_id, group) in shown
    ]


@transaction.atomic
def cycle_comments_screen(*, cycle_id: int) -> int:
    """Flag the comments of a closed (or released) cycle that may give their writer away.

    Idempotent and safe to re-run: a comment whose passages are the ones already
    reviewed keeps its review; one whose passages changed is to review again; a flag still
    to review whose comment no longer matches goes. Returns how many flags wait for review.
    """
    # The cycle's flags are locked first: a redaction in between (which locks its flag)
    # either finished before, and its text is read here, or waits for this run.
    flags = {
        flag.comment_id: flag
        for flag in CommentFlag.objects.select_for_update().filter(cycle_id=cycle_id)
    }
    directory = _directory()
    now = timezone.now()
    new = []
    for comment_id, text, request_id, subject_id in _screened_comments(cycle_id):
        matches = [
            m.as_dict()
            for m in comment_screening.screen(text, directory=directory, subject_id=subject_id)
        ]
        flag = flags.pop(comment_id, None)
        if flag is None:
            if matches:
                new.append(
                    CommentFlag(
                        comment_id=comment_id,
                        cycle_id=cycle_id,
                        request_id=request_id,
                        matches=matches,
                        screened_at=now,
                    )
                )
        elif not matches and flag.status == CommentFlag.Status.PENDING:
            flag.delete()
        elif matches != flag.matches:
            flag.matches = matches
            flag.status = CommentFlag.Status.PENDING if matches else flag.status
            flag.screened_at = now
            flag.save(update_fields=["matches", "status", "screened_at"])
    CommentFlag.objects.bulk_create(new)
    # Comments no longer screened (their group fell below k, a reopened cycle): a flag
    # still to review has nothing to show; a review done stays as the record of it.
    CommentFlag.objects.filter(
        pk__in=[f.pk for f in flags.values() if f.status == CommentFlag.Status.PENDING]
    ).delete()
    return CommentFlag.objects.filter(cycle_id=cycle_id, status=CommentFlag.Status.PENDING).count()


def cycle_comments_screen_schedule(*, cycle_id: int) -> None:
    task_queue(tasks.screen_cycle_comments, cycle_id)


def cycle_comments_rescreen(*, cycle: Cycle, actor) -> None:
    """HR asks for the screening again (after the directory changed, say): by the worker."""
    if cycle.status not in (Cycle.Status.CLOSED, Cycle.Status.RELEASED):
        raise DomainError(_("Comments are screened once the cycle is closed."), code="conflict")
    audit_record(actor=actor, action="comments.screen", target=cycle)
    transaction.on_commit(lambda: cycle_comments_screen_schedule(cycle_id=cycle.id))


def comment_flag_open(*, flag_id: int, user) -> CommentFlag:
    """A flag HR may act on, its cycle marked as read (``_results_opened``): a reviewed
    comment is a result. Out of reach or missing: the one 404."""
    if not user_is_hr(user):
        raise not_found()
    flag = CommentFlag.objects.select_related("cycle").filter(pk=flag_id).first()
    if flag is None:
        raise not_found()
    cycle_results_opened(cycle=flag.cycle, hr=True, refused=_("Comments cannot be reviewed"))
    return flag


def passage_span(text: str, passage: str) -> tuple[int, int]:
    """Where HR's typed passage is in the comment: the first occurrence, exactly as
    written, else ignoring case. Refused if it is not there."""
    passage = passage.strip()
    if passage:
        index = text.find(passage)
        if index < 0:
            index = text.casefold().find(passage.casefold())
            # casefold can change lengths (ß -> ss): only trust it when it did not.
            if len(text.casefold()) != len(text) or len(passage.casefold()) != len(passage):
                index = -1
        if index >= 0:
            return index, index + len(passage)
    raise DomainError(
        _("That passage is not in the comment: copy it exactly as it is written."),
        errors={"passage": [_("Not found in the comment.")]},
    )


def _document_comment_replace(*, comment: Comment, old: str, new: str) -> None:
    """The stored result of the comment's request shows the redacted text: a document not
    frozen yet is rendered again on its next read; a frozen one has the one matching entry
    replaced (its figures stay as they are), as ``comments_erase`` removes one."""
    request_id = comment.rater.request_id
    wanted = {
        "question": comment.question.rater_text,
        "group": comment.rater.relationship,
        "text": old,
    }
    for analysis in GapAnalysis.objects.select_for_update().filter(
        request_id=request_id, data__isnull=False
    ):
        if analysis.frozen_at is None:
            GapAnalysis.objects.filter(pk=analysis.pk).update(data=None)
            continue
        entries = list(analysis.data.get("comments", []))
        if wanted in entries:
            entries[entries.index(wanted)] = {**wanted, "text": new}
            GapAnalysis.objects.filter(pk=analysis.pk).update(
                data={**analysis.data, "comments": entries}
            )


@transaction.atomic
def comment_redact(
    *, flag: CommentFlag, start: int, end: int, actor, expected: str | None = None
) -> CommentFlag:
    """Replace the passage ``start:end`` of the flagged comment with "[removed]", in place.

    Nothing keeps the passage: not the comment, not the flag, not the audit (which records
    who removed which offsets and how many characters). The stored result, the page, the
    PDF, the API and every export then show "[removed]"; stored export files of the cycle
    are deleted (``comment_redacted``), so a file built before cannot hold it either.
    Flagged passages that remain stay to review; none left: the comment is redacted.
    ``expected``: the passage the caller saw at those offsets (a page's button); if the
    comment no longer holds it there, nothing is changed (409).
    """
    flag = CommentFlag.objects.select_for_update().select_related("cycle").get(pk=flag.pk)
    if flag.cycle.status not in (Cycle.Status.CLOSED, Cycle.Status.RELEASED):
        raise DomainError(_("Comments are reviewed once the cycle is closed."), code="conflict")
    comment = (
        Comment.objects.select_for_update(of=("self",))
        .select_related("rater", "question")
        .get(pk=flag.comment_id)
    )
    old = comment.text
    if not 0 <= start < end <= len(old):
        raise DomainError(
            _(
                "The passage must lie inside the comment (0 to %(length)s characters), "
                "its start before its end."
            )
            % {"length": len(old)},
            errors={"start": [_("Outside the comment.")], "end": [_("Outside the comment.")]},
        )
    if expected is not None and old[start:end] != expected:
        # Offsets read from a page shown before another redaction of the same comment.
        raise DomainError(
            _("The comment changed since this page was shown: look at it again."),
            code="conflict",
        )
    new = old[:start] + REMOVED + old[end:]
    if len(new) > COMMENT_MAX_LENGTH:
        raise DomainError(
            _("The comment would be too long with the mark: remove a longer passage."),
            errors={"end": [_("Choose a longer passage.")]},
        )
    Comment.objects.filter(pk=comment.pk).update(text=new)
    # Flagged passages outside the removed one move by the change in length; any that
    # overlapped it are gone with it.
    shift = len(REMOVED) - (end - start)
    remaining = []
    for match in flag.matches:
        if match["end"] <= start:
            remaining.append(match)
        elif match["start"] >= end:
            remaining.append(
                {**match, "start": match["start"] + shift, "end": match["end"] + shift}
            )
    flag.matches = remaining
    flag.status = CommentFlag.Status.PENDING if remaining else CommentFlag.Status.REDACTED
    flag.reviewed_by = actor if getattr(actor, "is_authenticated", False) else None
    flag.reviewed_at = timezone.now()
    flag.save(update_fields=["matches", "status", "reviewed_by", "reviewed_at"])
    _document_comment_replace(comment=comment, old=old, new=new)
    audit_record(
        actor=actor,
        action="comment.redact",
        target=flag,
        detail={"comment": comment.pk, "start": start, "end": end, "removed": end - start},
    )
    cycle_id, request_id = flag.cycle_id, flag.request_id
    signals.comment_redacted.send(sender=CommentFlag, cycle_id=cycle_id, request_id=request_id)
    return flag


@transaction.atomic
def comment_keep(*, flag: CommentFlag, actor) -> CommentFlag:
    """HR read the flagged passages and keeps the comment as it is."""
    flag = CommentFlag.objects.select_for_update().select_related("cycle").get(pk=flag.pk)
    if flag.cycle.status not in (Cycle.Status.CLOSED, Cycle.Status.RELEASED):
        raise DomainError(_("Comments are reviewed once the cycle is closed."), code="conflict")
    flag.status = CommentFlag.Status.KEPT
    flag.reviewed_by = actor if getattr(actor, "is_authenticated", False) else None
    flag.reviewed_at = timezone.now()
    flag.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    audit_record(actor=actor, action="comment.keep", target=flag)
    return flag


# --- Response quality (issue 16) -------------------------------------------------------


def cycle_response_quality_freeze(*, cycle_id: int) -> CycleResponseQuality:
    """Keep a released cycle's response quality as it is now (idempotent)."""
    existing = CycleResponseQuality.objects.filter(pk=cycle_id).first()
    if existing is not None:
        return existing
    cycle = Cycle.objects.get(pk=cycle_id)
    data = selectors.cycle_response_quality(cycle=cycle)
    CycleResponseQuality.objects.bulk_create(
        [CycleResponseQuality(cycle=cycle, data=data, frozen_at=timezone.now())],
        ignore_conflicts=True,
    )
    return CycleResponseQuality.objects.get(pk=cycle_id)


def cycle_response_quality_read(*, cycle: Cycle) -> dict:
    """HR's response-quality figures of a closed or released cycle, under the reading
    rules of any result (``cycle_results_opened``): refused while open, and reading a
    closed cycle's figures means it can no longer reopen (a second reading after more
    answers would describe the newcomers). A released cycle's figures are frozen."""
    cycle = cycle_results_opened(cycle=cycle, hr=True, refused=_("Response quality cannot be read"))
    if cycle.status == Cycle.Status.RELEASED:
        data = cycle_response_quality_freeze(cycle_id=cycle.pk).data
    else:
        data = selectors.cycle_response_quality(cycle=cycle)
    return {**data, "cycle": {"id": cycle.id, "name": cycle.name, "status": cycle.status}}


# --- A coach who debriefs before the subject reads (issue 16) ---------------------------


def _debrief_cycle_locked(cycle: Cycle) -> Cycle:
    locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if not locked.debrief_before_release:
        raise DomainError(
            _("This cycle was not set up with a debrief before release."), code="conflict"
        )
    return locked


@transaction.atomic
def coaches_assign(*, cycle: Cycle, request_ids: Sequence[int], coach: Person | None, actor) -> int:
    """HR names the coach of these subjects (``coach`` None: no coach any more).

    Refused once the cycle is released, and for a report already released to its
    subject. A new coach starts afresh (no debrief recorded); nobody coaches themself.
    """
    locked = _debrief_cycle_locked(cycle)
    if locked.status == Cycle.Status.RELEASED:
        raise DomainError(
            _("This cycle is released: every report is already readable."), code="conflict"
        )
    wanted = set(request_ids)
    requests = list(
        FeedbackRequest.objects.filter(
            cycle=locked, pk__in=wanted, subject__erased_at__isnull=True
        ).select_related("subject")
    )
    if not wanted or len(requests) != len(wanted):
        raise DomainError(
            _("Choose people who take part in this cycle."),
            errors={"requests": [_("Unknown in this cycle.")]},
        )
    if coach is not None:
        if coach.erased_at is not None:
            raise DomainError(_("Unknown coach."), errors={"coach": [_("Unknown person.")]})
        if any(r.subject_id == coach.pk for r in requests):
            raise DomainError(
                _("%(name)s cannot coach themself.") % {"name": coach.name},
                errors={"coach": [_("A person cannot debrief their own report.")]},
            )
    released = list(
        Debrief.objects.filter(
            pk__in=[r.pk for r in requests], released_at__isnull=False
        ).values_list("request__subject__name", flat=True)
    )
    if released:
        raise DomainError(
            _("Already released to %(names)s: their coach stays.")
            % {"names": ", ".join(sorted(released))},
            code="conflict",
        )
    ids = [r.pk for r in requests]
    if coach is None:
        Debrief.objects.filter(pk__in=ids).delete()
    else:
        Debrief.objects.filter(pk__in=ids).exclude(coach=coach).delete()
        now = timezone.now()
        Debrief.objects.bulk_create(
            [Debrief(request_id=pk, coach=coach, assigned_by=actor, assigned_at=now) for pk in ids],
            ignore_conflicts=True,
        )
    audit_record(
        actor=actor,
        action="debrief.coach_assign",
        target=locked,
        detail={"coach": coach.pk if coach else None, "requests": sorted(ids)},
    )
    return len(ids)


def _coach_debrief(*, request_id: int, user, lock: bool = False) -> Debrief:
    """The debrief this user coaches, or the uniform 404 (anyone else, HR included)."""
    person = person_for_user(user)
    if person is None:
        raise not_found()
    debriefs = Debrief.objects.select_related("request__cycle", "request__subject")
    if lock:
        debriefs = debriefs.select_for_update(of=("self",))
    debrief = (
        selectors.debriefs_for_coach(person=person, debriefs=debriefs).filter(pk=request_id).first()
    )
    if debrief is None:
        raise not_found()
    return debrief


@transaction.atomic
def debrief_record(*, request_id: int, user, held_on: datetime.date | str | None = None) -> Debrief:
    """The coach records that the debrief took place (the day only; no notes are kept).
    ``held_on``: a date or its ISO text (a form's); empty or None: today."""
    debrief = _coach_debrief(request_id=request_id, user=user, lock=True)
    if isinstance(held_on, str):
        try:
            held_on = datetime.date.fromisoformat(held_on) if held_on.strip() else None
        except ValueError:
            raise DomainError(
                _("The debrief date is not a date."),
                errors={"held_on": [_("Choose a day (year-month-day).")]},
            ) from None
    cycle = debrief.request.cycle
    if cycle.status not in (Cycle.Status.CLOSED, Cycle.Status.RELEASED):
        raise DomainError(
            _("The report can be debriefed once the cycle is closed."), code="conflict"
        )
    today = timezone.localdate()
    held_on = held_on or today
    closed_on = timezone.localdate(cycle.closed_at) if cycle.closed_at else None
    if held_on > today or (closed_on is not None and held_on < closed_on):
        raise DomainError(
            _("The debrief date is not possible."),
            errors={
                "held_on": [
                    _("Choose a day from the cycle's closing to today.")
                    if closed_on
                    else _("Choose a day up to today.")
                ]
            },
        )
    debrief.debriefed_on = held_on
    debrief.debrief_recorded_at = timezone.now()
    debrief.save(update_fields=["debriefed_on", "debrief_recorded_at"])
    audit_record(
        actor=user,
        action="debrief.record",
        target=debrief.request,
        detail={"held_on": held_on.isoformat()},
    )
    return debrief


def request_results_freeze(*, request: FeedbackRequest) -> GapAnalysis:
    """Freeze one subject's figures and survey counts as they are now: what its subject
    reads from here on never changes, as for a released cycle."""
    response_counts_freeze(cycle_id=request.cycle_id, request_ids=[request.pk])
    analysis = gap_analysis_current(request=request)
    GapAnalysis.objects.filter(pk=analysis.pk, data__isnull=False, frozen_at__isnull=True).update(
        frozen_at=timezone.now()
    )
    analysis.refresh_from_db()
    return analysis


def subject_release(*, request_id: int, user) -> Debrief:
    """The coach releases one report to its subject, ahead of the cycle-wide release.

    Needs the cycle closed and the debrief recorded. The cycle row is locked, so a
    concurrent reopen or release runs before or after, never across. The release is a
    read of the cycle's results (it can no longer reopen) and freezes that subject's
    figures; the cycle-wide release later freezes the others and leaves this one as it
    is. Releasing again changes nothing and sends no second email.
    """
    found = _coach_debrief(request_id=request_id, user=user)  # 404 before any state check
    with transaction.atomic():
        # The cycle first, then the debrief: the order HR's coach assignment locks them in.
        cycle = Cycle.objects.select_for_update().get(pk=found.request.cycle_id)
        debrief = _coach_debrief(request_id=request_id, user=user, lock=True)
        if debrief.released_at is not None:
            return debrief
        if cycle.status == Cycle.Status.RELEASED:
            raise DomainError(
                _("The whole cycle is released: this report is readable already."),
                code="conflict",
            )
        if cycle.status != Cycle.Status.CLOSED:
            raise DomainError(
                _("A report can be released once the cycle is closed."), code="conflict"
            )
        if debrief.debriefed_on is None:
            raise DomainError(
                _("Record the debrief first: the report is released after it."), code="conflict"
            )
        _results_opened(cycle, hr=True, refused=_("Reports cannot be released"))
        request = debrief.request
        request_results_freeze(request=request)
        debrief.released_at = timezone.now()
        debrief.released_by = user
        debrief.save(update_fields=["released_at", "released_by"])
        audit_record(
            actor=user,
            action="report.release_to_subject",
            target=request,
            detail={"subject": request.subject_id},
        )
        transaction.on_commit(lambda: task_queue(tasks.send_report_released, request_id))
    return debrief


def report_released_mark_sent(*, request_id: int, send) -> bool:
    """Call ``send(debrief)`` once per released report; the row lock is held while
    sending, so a redelivered task cannot send twice."""
    with transaction.atomic():
        debrief = (
            Debrief.objects.select_for_update(of=("self",))
            .select_related("request__cycle", "request__subject")
            .filter(pk=request_id, released_at__isnull=False, release_email_sent_at__isnull=True)
            .first()
        )
        if debrief is None:
            return False
        send(debrief)
        debrief.release_email_sent_at = timezone.now()
        debrief.save(update_fields=["release_email_sent_at"])
    return True

"""Writes for reports: computing, storing, scheduling and freezing gap analyses."""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from core.audit import audit_record
from core.errors import DomainError
from feedback.models import Cycle, FeedbackRequest
from reports import selectors, sql, tasks
from reports.analysis import Stat, r2, round_half_away
from reports.analysis import document as render_document
from reports.models import GapAnalysis, RecomputeMark

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
    _queue(tasks.recompute_request, request_id, countdown=settings.GAP_ANALYSIS_COALESCE_SECONDS)


def _queue(task, *args, countdown: float | None = None) -> bool:
    """Queue a task; if the broker is down, log and let the periodic sweep catch up."""
    try:
        task.apply_async(args=args, countdown=countdown)
    except Exception:  # kombu raises many transport errors; the sweep is the safety net
        logger.warning(
            "broker unavailable: %s%r left for the sweep", task.name, args, exc_info=True
        )
        return False
    return True


def cycle_recompute_schedule(*, cycle_id: int) -> None:
    _queue(tasks.recompute_cycle, cycle_id)


def cycle_results_freeze_schedule(*, cycle_id: int) -> None:
    _queue(tasks.freeze_cycle, cycle_id)


def gap_analyses_sweep() -> int:
    """Recompute every result that no longer reflects its answers (open or closed cycles)."""
    requests = FeedbackRequest.objects.filter(
        cycle__status__in=[Cycle.Status.OPEN, Cycle.Status.CLOSED]
    )
    stale = selectors.stale_request_ids(requests=requests)
    for start in range(0, len(stale), CHUNK_SIZE):
        gap_analyses_recompute(request_ids=stale[start : start + CHUNK_SIZE])
    return len(stale)


def response_counts_freeze(*, cycle_id: int) -> int:
    """Keep each request's survey counts per relationship as they are now (on release).

    Idempotent: requests already frozen are left alone, and a concurrent freeze (the task
    and an erasure) inserts nothing twice (the unique constraint, conflicts ignored).
    """
    from django.db.models import Count

    from feedback.models import Rater
    from reports.models import ResponseCount

    rows = (
        Rater.objects.filter(request__cycle_id=cycle_id)
        .exclude(request__response_counts__isnull=False)
        .values("request_id", "relationship")
        .annotate(
            invited=Count("id", filter=~Q(status=Rater.Status.PENDING)),
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
# Called by privacy.services.person_erase inside its transaction.


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


def exports_erase(*, cycle_ids: Sequence[int], line_of_id: int | None = None) -> int:
    """Delete every stored export of these cycles, and every export of the line of
    ``line_of_id`` (its scope is named after them): built before an erasure, a file may
    hold the erased person's name or words. Whoever needs one asks again. The files go
    once the erasure commits (a rolled-back erasure keeps them)."""
    import shutil

    from django.core.files.storage import default_storage

    from reports.models import Export

    condition = Q(cycle_id__in=list(cycle_ids))
    if line_of_id is not None:  # a null line_of is an HR export, not anyone's line
        condition |= Q(line_of_id=line_of_id)
    exports = list(Export.objects.filter(condition))
    names = [export.file.name for export in exports if export.file]
    folders = [_parts_dir(export.id) for export in exports]
    Export.objects.filter(pk__in=[e.pk for e in exports]).delete()

    def remove_files() -> None:
        for name in names:
            default_storage.delete(name)
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)

    transaction.on_commit(remove_files)
    return len(exports)


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
            f"{refused} while the cycle is open: they appear once it closes.", code="conflict"
        )
    if cycle.status == Cycle.Status.CLOSED and not hr:
        raise DomainError(
            "These results have not been released yet: HR releases them after the cycle closes.",
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


def results_read(*, request: FeedbackRequest, user) -> dict:
    """The gap analysis as a reader sees it, under the reading rules (``_results_opened``)."""
    from accounts.selectors import user_is_hr

    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=request.cycle_id)
        _results_opened(cycle, hr=user_is_hr(user), refused="Results cannot be read")
        analysis = gap_analysis_current(request=request)
        if cycle.status == Cycle.Status.RELEASED and analysis.frozen_at is None:
            # Released before the freezing task ran: what is shown now is what stays.
            GapAnalysis.objects.filter(pk=analysis.pk, data__isnull=False).update(
                frozen_at=timezone.now()
            )
    # The figures are as stored (frozen once released); the cycle header is today's.
    return _as_read(analysis.data, cycle)


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
    from feedback.selectors import raters_to_remind, reminder_outlook
    from feedback.services import rater_remind

    if request.cycle.status != Cycle.Status.OPEN:
        raise DomainError(
            f"The cycle is {request.cycle.status}: reminders need an open cycle.", code="conflict"
        )
    now = now or timezone.now()
    waiting = list(raters_to_remind(request_ids=[request.pk], presser=presser).order_by("id"))
    sent = sum(rater_remind(rater=rater, now=now) for rater in waiting)
    outlook = reminder_outlook(request_ids=[request.pk], presser=presser, now=now)
    return Reminded(sent=sent, outlook=outlook.get(request.pk, NOTHING_TO_REMIND))


# --- Exports (issue 6) ------------------------------------------------------------------


def export_create(
    *,
    user,
    kind: str,
    cycle_id: int,
    team: str | int | None = None,
    request_id: int | None = None,
):
    """Check the reader's reach and the cycle's state, then queue the build.

    HR exports anything of a closed or released cycle. A manager exports only people in
    their line, and only once the cycle is released, exactly as they could read each
    result through the API. An export reads results, so it marks the cycle read (it may
    no longer reopen) under the same row lock as ``results_read``.
    """
    from accounts.models import Team
    from accounts.selectors import person_for_user, person_line, user_is_hr
    from core.errors import not_found
    from feedback.selectors import cycles_in_reach
    from reports.models import Export

    # Out of reach and non-existent give one identical 404 (``not_found``), and every
    # check that could only fail for an object that exists (a missing request, the
    # cycle's state) comes after the reach checks, so a probe learns nothing.
    is_hr = user_is_hr(user)
    person = person_for_user(user)
    if not is_hr and person is None:
        raise not_found()
    if kind not in Export.Kind.values:
        raise DomainError("Unknown kind.", errors={"kind": ["Unknown kind."]})

    team_obj = None
    if team not in (None, ""):
        # A name first (the people API's convention), then an id; a digit string too long
        # for an id is just a name that does not exist, never a database error.
        name = str(team).strip()
        team_obj = Team.objects.filter(name__iexact=name).first()
        if team_obj is None and name.isdigit() and len(name) <= 18:
            team_obj = Team.objects.filter(pk=int(name)).first()
        if team_obj is None:
            raise not_found()
    line_of = None if is_hr else person

    with transaction.atomic():
        cycle = cycles_in_reach(user=user).select_for_update().filter(pk=cycle_id).first()
        if cycle is None:
            raise not_found()
        feedback_request = None
        if kind == Export.Kind.INDIVIDUAL_PDF:
            if request_id is None:
                raise DomainError(
                    "An individual report needs a request.",
                    errors={"request": ["This field is required for individual_pdf."]},
                )
            requests = selectors.requests_listed(
                FeedbackRequest.objects.filter(pk=request_id, cycle=cycle)
            )
            if line_of is not None:
                requests = requests.filter(
                    subject__in=person_line(manager_id=line_of.id).values("id")
                )
            feedback_request = requests.first()
            if feedback_request is None:
                raise not_found()
        else:
            reach = selectors.requests_in_reach(
                cycle_id=cycle.id,
                team_id=team_obj.id if team_obj else None,
                line_of_id=line_of.id if line_of else None,
            )
            if not reach.exists():
                if line_of is not None:
                    raise not_found()
                raise DomainError(
                    "Nothing to export: no feedback request in this cycle for that choice.",
                    errors={"team": ["No feedback request in this cycle."]},
                )
        _results_opened(cycle, hr=is_hr, refused="Reports cannot be exported")
        now = timezone.now()
        export = Export.objects.create(
            kind=kind,
            cycle=cycle,
            team=team_obj,
            request=feedback_request,
            requested_by=user,
            line_of=line_of,
            expires_at=now + datetime.timedelta(days=settings.EXPORT_RETENTION_DAYS),
        )
        audit_record(
            actor=user,
            action="export.create",
            target=cycle,
            detail={
                "export": export.id,
                "kind": kind,
                "team": team_obj.name if team_obj else None,
                "request": feedback_request.id if feedback_request else None,
            },
        )
        transaction.on_commit(lambda: _export_queue(export.id))
    return export


def export_open(*, export, user):
    """The export's file, opened for download; every download is in the audit log."""
    from reports.models import Export

    if export.status != Export.Status.DONE:
        raise DomainError("The file is not ready yet.", code="conflict")
    handle = export.file.open("rb")
    audit_record(
        actor=user,
        action="export.download",
        target=export.cycle,
        detail={"export": export.id, "kind": export.kind},
    )
    return handle


def _export_queue(export_id: int) -> None:
    from reports.models import Export

    if not _queue(tasks.build_export, export_id):
        Export.objects.filter(pk=export_id).update(
            status=Export.Status.FAILED,
            error="The export could not be started (the task queue is down): ask again.",
            finished_at=timezone.now(),
        )


def export_documents(*, cycle: Cycle, request_ids: Sequence[int]) -> list[dict]:
    """The stored gap analyses of these requests as a reader sees them, ordered by subject.

    Stale results are recomputed first (never frozen ones); in a released cycle what is
    exported is frozen, as reading it through the API would freeze it.
    """
    stale = selectors.stale_request_ids(requests=FeedbackRequest.objects.filter(id__in=request_ids))
    for start in range(0, len(stale), CHUNK_SIZE):
        gap_analyses_recompute(request_ids=stale[start : start + CHUNK_SIZE])
    rendered = gap_analysis_documents(request_ids=request_ids)
    if cycle.status == Cycle.Status.RELEASED:
        GapAnalysis.objects.filter(
            request_id__in=list(rendered), frozen_at__isnull=True, data__isnull=False
        ).update(frozen_at=timezone.now())
    documents = [_as_read(data, cycle) for data in rendered.values()]
    documents.sort(key=lambda d: (d["subject"]["name"].lower(), d["request"]))
    return documents


def _export_progress(export_id: int, progress: int) -> None:
    from reports.models import Export

    Export.objects.filter(pk=export_id, status=Export.Status.RUNNING).update(
        progress=max(0, min(99, int(progress)))
    )


def _export_store(export, write, extension: str) -> None:
    """Write the file straight to its final place (no copy of a big ZIP), then mark done.

    ``write(path)`` fills a temporary file that is renamed into place only once complete,
    so a crash never leaves a half file behind a "done" export.
    """
    import os

    from django.core.files.storage import default_storage

    from reports.models import Export, export_file_name

    name = export_file_name(export, f"file.{extension}")
    path = default_storage.path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.part"
    write(temporary)
    os.replace(temporary, path)
    stored = Export.objects.filter(pk=export.pk).update(
        file=name,
        size=os.path.getsize(path),
        download_name=_download_name(export, extension),
        status=Export.Status.DONE,
        progress=100,
        finished_at=timezone.now(),
        error="",
    )
    if not stored:
        # The export was deleted while it was built (an erasure): keep no file behind.
        os.remove(path)


def _download_name(export, extension: str) -> str:
    """A name safe in any browser and file system: ASCII letters, digits and dashes."""
    from django.utils.text import slugify

    if export.request_id:
        about = export.request.subject.name
    elif export.team_id:
        about = export.team.name
    elif export.line_of_id:
        about = f"line of {export.line_of.name}"
    else:
        about = "organisation"
    words = [export.kind.split("_")[0], export.cycle.name, about, timezone.now().date().isoformat()]
    stem = slugify(" ".join(words))[:150].strip("-") or "export"
    return f"{stem}.{extension}"


def _export_fail(export_id: int, message: str) -> None:
    from reports.models import Export

    Export.objects.filter(pk=export_id).exclude(status=Export.Status.DONE).update(
        status=Export.Status.FAILED, error=message[:500], finished_at=timezone.now()
    )


def export_build(*, export_id: int) -> str:
    """Build one export's file. Idempotent: a finished or failed export is left alone, and a
    redelivered task simply builds the file again."""
    from reports import exports
    from reports.models import Export

    export = (
        Export.objects.select_related("cycle", "team", "request__subject", "line_of")
        .filter(pk=export_id)
        .first()
    )
    if export is None or export.status in (Export.Status.DONE, Export.Status.FAILED):
        return "skipped"
    Export.objects.filter(pk=export_id).update(
        status=Export.Status.RUNNING, started_at=timezone.now()
    )
    export.status = Export.Status.RUNNING
    try:
        if export.kind == Export.Kind.BUNDLE_ZIP:
            _bundle_start(export)
            return "bundle started"
        if export.kind == Export.Kind.INDIVIDUAL_PDF:
            (document,) = export_documents(cycle=export.cycle, request_ids=[export.request_id])
            _export_progress(export.id, 30)
            content = exports.individual_pdf(document)
            _export_store(export, lambda path: _write_bytes(path, content), "pdf")
            return "done"
        report = team_report(export=export)
        _export_progress(export.id, 40)
        builder, extension = {
            Export.Kind.TEAM_XLSX: (exports.team_xlsx, "xlsx"),
            Export.Kind.TEAM_CSV: (exports.team_csv, "csv"),
            Export.Kind.TEAM_PDF: (exports.team_pdf, "pdf"),
        }[export.kind]
        content = builder(report)
        _export_store(export, lambda path: _write_bytes(path, content), extension)
        return "done"
    except OperationalError:
        raise  # transient: the task retries with backoff
    except Exception:
        logger.exception("export %s failed", export_id)
        _export_fail(export_id, "The file could not be built. The error has been logged.")
        return "failed"


def _write_bytes(path: str, content: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(content)


def _scope_request_ids(export, *, listed: bool = True) -> list[int]:
    """The scope's requests; ``listed=False`` includes erased subjects, whose frozen share
    of a released cycle's team figures stays in them."""
    requests = selectors.requests_in_reach(
        cycle_id=export.cycle_id, team_id=export.team_id, line_of_id=export.line_of_id
    )
    if listed:
        requests = selectors.requests_listed(requests)
    return list(requests.order_by("subject__name", "id").values_list("id", flat=True))


def team_report(*, export) -> dict:
    """Everything a team file shows, from stored results only: per subject the published
    ``others`` pole scores and survey counts, the team means (SQL, each subject weighing
    the same), the team mean of each item's ``others`` mean, and response rates."""
    request_ids = _scope_request_ids(export, listed=False)
    listed = _scope_request_ids(export)
    documents = export_documents(cycle=export.cycle, request_ids=listed)
    responses = selectors.response_counts(request_ids=request_ids)
    # Erased subjects: no row, but their frozen item means stay in the team's item means.
    erased = list(
        GapAnalysis.objects.filter(
            request_id__in=set(request_ids) - set(listed), data__isnull=False
        ).values_list("data", flat=True)
    )
    exact_means = selectors.others_item_means(request_ids=request_ids)
    subjects = []
    item_sums: dict[int, list[Fraction]] = {}
    items_meta: dict[int, dict] = {}
    for document in documents:
        counts = responses.get(document["request"], {"invited": 0, "submitted": 0})
        subjects.append(
            {
                "request": document["request"],
                "name": document["subject"]["name"],
                "title": document["subject"]["title"],
                "team": document["subject"]["team"],
                "groups": document["groups"],
                "behaviours": document["behaviours"],
                "invited": counts["invited"],
                "submitted": counts["submitted"],
            }
        )
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
    means = {
        (row["behaviour"], row["pole"]): {"mean": r2(row["mean"]), "subjects": row["subjects"]}
        for row in selectors.scope_scores(request_ids=request_ids)
    }
    if export.team_id:
        scope = f"Team {export.team.name}"
    elif export.line_of_id:
        scope = f"Line of {export.line_of.name}"
    else:
        scope = "Whole organisation"
    return {
        "cycle": _cycle_doc(export.cycle),
        "scope": scope,
        "generated_at": timezone.now(),
        "subjects": subjects,
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


def _parts_dir(export_id: int) -> str:
    from django.core.files.storage import default_storage

    return default_storage.path(f"exports/parts/{export_id}")


def _bundle_start(export) -> None:
    """Split the bundle into parts, one task each, so more workers render it faster."""
    import os

    from reports.models import Export

    ids = _scope_request_ids(export)
    size = max(1, settings.EXPORT_BUNDLE_PART_SIZE)
    parts = [ids[start : start + size] for start in range(0, len(ids), size)]
    os.makedirs(_parts_dir(export.id), exist_ok=True)
    Export.objects.filter(pk=export.pk).update(items_total=len(ids), items_done=0, progress=1)
    for index, part in enumerate(parts):
        tasks.build_bundle_part.delay(export.id, index, len(parts), part)


def export_bundle_part(*, export_id: int, part: int, parts: int, request_ids: Sequence[int]) -> str:
    """Render one part of a bundle into its own ZIP, then, under the export's row lock,
    count the finished parts; whoever finishes the last part joins them into the file.

    Idempotent: a part whose file exists is not rendered again, and progress is counted
    from the part files on disk, so a redelivered task never counts twice.
    """
    import glob
    import os
    import zipfile

    from reports import exports
    from reports.models import Export

    export = Export.objects.select_related("cycle").filter(pk=export_id).first()
    if export is None or export.status != Export.Status.RUNNING:
        return "skipped"
    directory = _parts_dir(export_id)
    os.makedirs(directory, exist_ok=True)
    target = os.path.join(directory, f"part-{part:05d}.zip")
    if not os.path.exists(target):
        try:
            documents = export_documents(cycle=export.cycle, request_ids=request_ids)
            temporary = f"{target}.tmp"
            # PDFs are compressed already: storing them is as small and much faster.
            with zipfile.ZipFile(temporary, "w", zipfile.ZIP_STORED) as archive:
                for document in documents:
                    archive.writestr(
                        exports.bundle_entry_name(document), exports.individual_pdf(document)
                    )
            os.replace(temporary, target)
        except OperationalError:
            raise  # transient: the task retries with backoff
        except Exception:
            logger.exception("export %s part %s failed", export_id, part)
            _export_fail(export_id, "The file could not be built. The error has been logged.")
            return "failed"

    with transaction.atomic():
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer joins.
        export = (
            Export.objects.select_for_update(of=("self",))
            .select_related("cycle", "team", "line_of", "request__subject")
            .get(pk=export_id)
        )
        if export.status != Export.Status.RUNNING:
            return "skipped"
        finished = sorted(glob.glob(os.path.join(directory, "part-*.zip")))
        done = 0
        for path in finished:
            with zipfile.ZipFile(path) as archive:
                done += len(archive.namelist())
        total = max(1, export.items_total)
        Export.objects.filter(pk=export_id).update(
            items_done=done, progress=max(1, min(99, 95 * done // total))
        )
        if len(finished) < parts:
            return "part done"

        def join(path: str) -> None:
            with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as bundle:
                for part_path in finished:
                    with zipfile.ZipFile(part_path) as archive:
                        for info in archive.infolist():
                            bundle.writestr(info, archive.read(info))

        _export_store(export, join, "zip")
    for path in finished:
        os.remove(path)
    os.rmdir(directory)
    return "done"


def exports_purge_expired() -> int:
    """Delete expired exports and their files (the beat schedule runs this hourly)."""
    import shutil

    from reports.models import Export

    expired = list(Export.objects.filter(expires_at__lte=timezone.now()))
    for export in expired:
        if export.file:
            export.file.delete(save=False)
        shutil.rmtree(_parts_dir(export.id), ignore_errors=True)
    Export.objects.filter(pk__in=[e.pk for e in expired]).delete()
    return len(expired)

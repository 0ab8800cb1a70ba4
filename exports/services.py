"""Writes for exports: files built in the background from stored results (issue 6).

Asked for (``export_create``: reach, the reading rule, then a task), built by a worker
(``export_build``; bundles in parts, ``export_bundle_part``), downloaded (``export_open``),
purged when they expire and deleted on an erasure. Results are read only through
``reports.services.results_for_export``, and the reading rule is results' own
(``reports.services.cycle_results_opened``).
"""

from __future__ import annotations

import datetime
import glob
import logging
import os
import shutil
import zipfile
from collections.abc import Sequence

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext

from accounts.models import Team
from accounts.selectors import person_for_user, person_line, user_is_hr
from core.audit import audit_record
from core.errors import DomainError, not_found
from core.tasks import task_queue
from exports import files, selectors, tasks
from exports.models import Export, export_file_name
from feedback.models import FeedbackRequest
from feedback.selectors import cycles_in_reach, requests_listed
from reports import services as reports_services

logger = logging.getLogger(__name__)


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
            requests = requests_listed(FeedbackRequest.objects.filter(pk=request_id, cycle=cycle))
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
        # The reading rule every reader passes through; the cycle is already locked here.
        reports_services.cycle_results_opened(
            cycle=cycle, hr=is_hr, refused="Reports cannot be exported"
        )
        now = timezone.now()
        export = Export.objects.create(
            kind=kind,
            cycle=cycle,
            team=team_obj,
            request=feedback_request,
            requested_by=user,
            line_of=line_of,
            language=translation.get_language() or "",
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
    if not task_queue(tasks.build_export, export_id):
        Export.objects.filter(pk=export_id).update(
            status=Export.Status.FAILED,
            error="The export could not be started (the task queue is down): ask again.",
            finished_at=timezone.now(),
        )


def _export_progress(export_id: int, progress: int) -> None:
    Export.objects.filter(pk=export_id, status=Export.Status.RUNNING).update(
        progress=max(0, min(99, int(progress)))
    )


def _export_store(export, write, extension: str) -> None:
    """Write the file straight to its final place (no copy of a big ZIP), then mark done.

    ``write(path)`` fills a temporary file that is renamed into place only once complete,
    so a crash never leaves a half file behind a "done" export.
    """
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
    Export.objects.filter(pk=export_id).exclude(status=Export.Status.DONE).update(
        status=Export.Status.FAILED, error=message[:500], finished_at=timezone.now()
    )


def report_language(person, *, default: str | None = None) -> str:
    """The language a subject's report is written in (issue 18): the subject's own.

    ``Person.language`` arrives with the survey's languages (another branch of issue 18);
    until then, and for a person who chose none, ``default`` (the reader's page language,
    where there is a reader) or the site's LANGUAGE_CODE. getattr keeps this working on
    both sides of that merge."""
    chosen = getattr(person, "language", "") if person is not None else ""
    return chosen or default or settings.LANGUAGE_CODE


def export_build(*, export_id: int) -> str:
    """Build one export's file. Idempotent: a finished or failed export is left alone, and a
    redelivered task simply builds the file again."""
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
            (document,) = reports_services.results_for_export(
                cycle=export.cycle, request_ids=[export.request_id]
            ).documents
            _export_progress(export.id, 30)
            content = files.individual_pdf(
                document, language=report_language(export.request.subject)
            )
            _export_store(export, lambda path: _write_bytes(path, content), "pdf")
            return "done"
        # Team files speak the language of whoever asked for them (the scope's name too).
        with translation.override(export.language or settings.LANGUAGE_CODE):
            report = team_report(export=export)
            _export_progress(export.id, 40)
            builder, extension = {
                Export.Kind.TEAM_XLSX: (files.team_xlsx, "xlsx"),
                Export.Kind.TEAM_CSV: (files.team_csv, "csv"),
                Export.Kind.TEAM_PDF: (files.team_pdf, "pdf"),
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
        requests = requests_listed(requests)
    return list(requests.order_by("subject__name", "id").values_list("id", flat=True))


def team_report(*, export) -> dict:
    """Everything a team file shows, from stored results only: per subject the published
    ``others`` pole scores and survey counts, and the scope's figures (team means, item
    means, response rates: ``reports.services.results_for_export``)."""
    results = reports_services.results_for_export(
        cycle=export.cycle,
        request_ids=_scope_request_ids(export),
        scope=_scope_request_ids(export, listed=False),
    )
    figures = results.scope
    subjects = []
    for document in results.documents:
        counts = figures["responses"].get(document["request"], {"invited": 0, "submitted": 0})
        subjects.append(
            {
                "request": document["request"],
                "name": document["subject"]["name"],
                "title": document["subject"]["title"],
                "team": document["subject"]["team"],
                "groups": document["groups"],
                "behaviours": document["behaviours"],
                # Comparisons with the subject's earlier released cycles (issue 16).
                "previous": document.get("previous", []),
                "invited": counts["invited"],
                "submitted": counts["submitted"],
            }
        )
    if export.team_id:
        scope = gettext("Team %(team)s") % {"team": export.team.name}
    elif export.line_of_id:
        scope = gettext("Line of %(name)s") % {"name": export.line_of.name}
    else:
        scope = gettext("Whole organisation")
    return {
        "cycle": results.cycle,
        "scope": scope,
        "generated_at": timezone.now(),
        "subjects": subjects,
        "subject_count": figures["subject_count"],
        "means": figures["means"],
        "items": figures["items"],
        "response": figures["response"],
    }


def _parts_dir(export_id: int) -> str:
    return default_storage.path(f"exports/parts/{export_id}")


def _bundle_start(export) -> None:
    """Split the bundle into parts, one task each, so more workers render it faster."""
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
    export = Export.objects.select_related("cycle").filter(pk=export_id).first()
    if export is None or export.status != Export.Status.RUNNING:
        return "skipped"
    directory = _parts_dir(export_id)
    os.makedirs(directory, exist_ok=True)
    target = os.path.join(directory, f"part-{part:05d}.zip")
    if not os.path.exists(target):
        try:
            documents = reports_services.results_for_export(
                cycle=export.cycle, request_ids=request_ids
            ).documents
            subjects = {
                r.id: r.subject
                for r in FeedbackRequest.objects.filter(id__in=request_ids).select_related(
                    "subject"
                )
            }
            temporary = f"{target}.tmp"
            # PDFs are compressed already: storing them is as small and much faster.
            with zipfile.ZipFile(temporary, "w", zipfile.ZIP_STORED) as archive:
                for document in documents:
                    language = report_language(subjects.get(document["request"]))
                    archive.writestr(
                        files.bundle_entry_name(document),
                        files.individual_pdf(document, language=language),
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
    expired = list(Export.objects.filter(expires_at__lte=timezone.now()))
    for export in expired:
        if export.file:
            export.file.delete(save=False)
        shutil.rmtree(_parts_dir(export.id), ignore_errors=True)
    Export.objects.filter(pk__in=[e.pk for e in expired]).delete()
    return len(expired)


def exports_erase(*, cycle_ids: Sequence[int], line_of_id: int | None = None) -> int:
    """Delete every stored export of these cycles, and every export of the line of
    ``line_of_id`` (its scope is named after them): built before an erasure, a file may
    hold the erased person's name or words. Whoever needs one asks again. The files go
    once the erasure commits (a rolled-back erasure keeps them)."""
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

"""Benchmark: the exports of issue 6, each beside a baseline timed in the same run.

    createdb -h 127.0.0.1 -U postgres bench_exports
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_exports \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/6 .venv/bin/python bench/bench_exports.py
    BENCH_SUBJECTS=1000 BENCH_BUNDLE=1000 ...   # the issue's sizes (the bundle takes minutes)
    BENCH_SERIAL=0 ...                          # skip the in-process rendering of the bundle

Builds SUBJECTS subjects in one team, each rated by self, boss, 4 peers and 3 direct
reports on the 30 items (generated inside PostgreSQL), closes the cycle and computes
every result (setup, not timed). Then it times:

- one individual PDF (``exports.files.individual_pdf``), warm, wall and CPU time; baseline:
  WeasyPrint rendering a one-page HTML with a table and nothing else;
- the team XLSX for every subject: collecting the figures (``services.team_report``) and
  writing the workbook (``exports.files.team_xlsx``); baseline: openpyxl writing the same grid
  of numbers with no styling, no heatmap, no chart;
- the ZIP of BENCH_BUNDLE individual PDFs built by real Celery workers (a prefork worker
  started as a subprocess) with 1 and then 2 worker processes, from the API's service
  call to ``status == done``; baseline: the same PDFs rendered in this process, one after
  the other.

The database is a scratch one: its feedback tables are emptied first.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    sys.exit("Set DATABASE_URL to a scratch PostgreSQL database.")
if not os.environ.get("CELERY_BROKER_URL"):
    sys.exit("Set CELERY_BROKER_URL to a Redis broker: the bundle is built by real workers.")
MEDIA = tempfile.mkdtemp(prefix="bench-exports-")
os.environ["MEDIA_ROOT"] = MEDIA
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", "bench_exports")
os.environ.setdefault("EXPORT_BUNDLE_PART_SIZE", "10")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Team  # noqa: E402
from bench import org  # noqa: E402
from exports import files as exports  # noqa: E402
from exports import services  # noqa: E402
from exports.models import Export  # noqa: E402
from feedback.models import Cycle, FeedbackRequest  # noqa: E402
from reports import services as reports_services  # noqa: E402

SUBJECTS = int(os.environ.get("BENCH_SUBJECTS", "1000"))
BUNDLE = int(os.environ.get("BENCH_BUNDLE", "100"))
PANEL = [("self", 1), ("boss", 1), ("peer", 4), ("direct_report", 3)]


def build() -> tuple[Cycle, Team]:
    """One team of SUBJECTS people with answered surveys and computed results (not timed)."""
    org.reset()
    team, _ = Team.objects.get_or_create(name="Bench team")
    cycle = org.cycle(status=Cycle.Status.CLOSED)
    org.subjects(cycle, SUBJECTS, team_id=team.id)
    org.answered_panels(cycle, PANEL)
    services.cycle_recompute(cycle_id=cycle.id)
    print(f"built {SUBJECTS} subjects with results", flush=True)
    return cycle, team


def timed(fn, repeat: int = 1):
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def baseline_pdf() -> bytes:
    from weasyprint import HTML

    rows = "".join(f"<tr><td>Row {i}</td><td>{i / 7:.2f}</td></tr>" for i in range(30))
    return HTML(string=f"<h1>Baseline</h1><table>{rows}</table>").write_pdf()


def baseline_xlsx(report: dict) -> bytes:
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for subject in report["subjects"]:
        sheet.append(
            [subject["name"]]
            + [row[pole]["others"] for row in subject["behaviours"] for pole in exports.POLES]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def hr_user():
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username="bench-hr@bench.example.com", defaults={"is_superuser": True}
    )
    return user


def bundle_with_workers(cycle: Cycle, team: Team, request_ids: list[int], processes: int):
    """Start a prefork worker with N processes, ask for the bundle, wait for done."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(processes),
            "--loglevel",
            "WARNING",
            "-Q",
            os.environ["CELERY_TASK_DEFAULT_QUEUE"],
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        time.sleep(6)  # the worker's processes start and import Django and WeasyPrint
        started = time.perf_counter()
        with transaction.atomic():
            export = services.export_create(
                user=hr_user(), kind="bundle_zip", cycle_id=cycle.id, team=str(team.id)
            )
        while True:
            export.refresh_from_db()
            if export.status in (Export.Status.DONE, Export.Status.FAILED):
                break
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        assert export.status == Export.Status.DONE, export.error
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    # Every process of the worker has been waited for now: their CPU time is counted here
    # (start-up included), which the machine's other load does not inflate.
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return elapsed, export.size, cpu


def main():
    call_command("migrate", verbosity=0)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"load average at start: {os.getloadavg()}")
    cycle, team = build()
    request_ids = list(
        FeedbackRequest.objects.filter(cycle=cycle).order_by("id").values_list("id", flat=True)
    )

    (document,) = reports_services.results_for_export(
        cycle=cycle, request_ids=request_ids[:1]
    ).documents
    exports.individual_pdf(document)  # warm: fonts, templates
    baseline_pdf()
    wall, cpu, pdf = timed(lambda: exports.individual_pdf(document), repeat=10)
    b_wall, b_cpu, _ = timed(baseline_pdf, repeat=10)
    print(
        f"individual PDF ({len(pdf) // 1024} KiB): {wall:.3f} s wall, {cpu:.3f} s CPU (median of 10)"
    )
    print(f"  baseline one-page PDF: {b_wall:.3f} s wall, {b_cpu:.3f} s CPU")

    export = Export(kind="team_xlsx", cycle=cycle, team=team, expires_at=timezone.now())
    r_wall, r_cpu, report = timed(lambda: services.team_report(export=export), repeat=3)
    x_wall, x_cpu, xlsx = timed(lambda: exports.team_xlsx(report), repeat=3)
    b_wall, b_cpu, _ = timed(lambda: baseline_xlsx(report), repeat=3)
    print(f"team XLSX, {len(report['subjects'])} people ({len(xlsx) // 1024} KiB):")
    print(f"  figures (team_report): {r_wall:.3f} s wall, {r_cpu:.3f} s CPU")
    print(f"  workbook (team_xlsx): {x_wall:.3f} s wall, {x_cpu:.3f} s CPU")
    print(f"  total: {r_wall + x_wall:.3f} s wall")
    print(f"  baseline bare grid: {b_wall:.3f} s wall")

    bundle_team, _ = Team.objects.get_or_create(name="Bench bundle")
    from accounts.models import Person

    Person.objects.filter(feedback_requests__id__in=request_ids[:BUNDLE]).update(team=bundle_team)
    documents = reports_services.results_for_export(
        cycle=cycle, request_ids=request_ids[:BUNDLE]
    ).documents
    print(f"ZIP of {BUNDLE} PDFs (parts of {os.environ['EXPORT_BUNDLE_PART_SIZE']}):")
    # BENCH_SERIAL=0 skips rendering every PDF once more in this process (minutes at
    # 1,000): the one-worker run is then the baseline of the two-worker run.
    if os.environ.get("BENCH_SERIAL", "1") != "0":
        started, cpu_started = time.perf_counter(), time.process_time()
        for doc in documents:
            exports.individual_pdf(doc)
        sequential = time.perf_counter() - started
        sequential_cpu = time.process_time() - cpu_started
        print(
            f"  baseline, rendered in this process one by one: {sequential:.1f} s wall, "
            f"{sequential_cpu:.1f} s CPU"
        )
    for processes in (1, 2):
        elapsed, size, cpu = bundle_with_workers(cycle, bundle_team, request_ids, processes)
        print(
            f"  Celery, {processes} worker process(es): {elapsed:.1f} s wall "
            f"({BUNDLE / elapsed:.2f} PDFs/s, {size // 1024} KiB), worker CPU {cpu:.1f} s",
            flush=True,
        )
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()

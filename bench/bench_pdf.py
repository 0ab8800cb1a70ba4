"""Benchmark (issue 19): the individual PDF through Typst against WeasyPrint, one run.

    createdb -h 127.0.0.1 -U postgres bench_pdf
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_pdf \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/4 .venv/bin/python bench/bench_pdf.py
    BENCH_BUNDLE=1000 BENCH_BUNDLE_WEASYPRINT=100 ...   # the issue's ZIP; WeasyPrint's smaller

Builds BENCH_SUBJECTS subjects (self, boss, 4 peers, 3 direct reports, 30 items; as
bench_exports, not timed). Then, for the same document, renders the individual PDF
with PDF_RENDERER=weasyprint (the HTML layout) and PDF_RENDERER=typst, warm, N times each
(BENCH_REPEAT, default 20), interleaved so both see the same machine load, and prints the
median wall and CPU time of each. Then the ZIP of BENCH_BUNDLE PDFs is built by a real
Celery prefork worker with 2 processes, from ``export_create`` to ``status == done``,
with Typst; and a ZIP of BENCH_BUNDLE_WEASYPRINT PDFs with WeasyPrint (a 1,000-PDF
WeasyPrint ZIP takes over five minutes: its time is extrapolated, and said so).

The database is a scratch one: its feedback tables are emptied first.
"""

from __future__ import annotations

import importlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# bench_exports checks the environment, sets up Django and a scratch media folder: first.
bench_exports = importlib.import_module("bench.bench_exports")

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from accounts.models import Person, Team  # noqa: E402
from exports import files, typesetting  # noqa: E402
from feedback.models import FeedbackRequest  # noqa: E402
from reports import services as reports_services  # noqa: E402

bundle_with_workers = bench_exports.bundle_with_workers


def build(subjects: int):
    """One team of ``subjects`` people with answered surveys and computed results, as
    bench_exports builds them (not timed)."""
    from bench import org
    from reports.services import cycle_recompute

    org.reset()
    team, _ = Team.objects.get_or_create(name="Bench team")
    cycle = org.cycle(status="closed")
    org.subjects(cycle, subjects, team_id=team.id)
    org.answered_panels(cycle, bench_exports.PANEL)
    cycle_recompute(cycle_id=cycle.id)
    print(f"built {subjects} subjects with results", flush=True)
    return cycle, team


REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))
BUNDLE = int(os.environ.get("BENCH_BUNDLE", "1000"))
BUNDLE_WEASYPRINT = int(os.environ.get("BENCH_BUNDLE_WEASYPRINT", "100"))


def render(document: dict, renderer: str) -> tuple[float, float, bytes]:
    settings.PDF_RENDERER = renderer
    wall, cpu = time.perf_counter(), time.process_time()
    pdf = files.individual_pdf(document)
    return time.perf_counter() - wall, time.process_time() - cpu, pdf


def pages(pdf: bytes) -> str:
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True).stdout
    return next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages")), "?")


def bundle(cycle, request_ids: list[int], count: int, renderer: str, name: str):
    team, _ = Team.objects.get_or_create(name=name)
    Person.objects.filter(feedback_requests__id__in=request_ids[:count]).update(team=team)
    os.environ["PDF_RENDERER"] = renderer  # read by the worker's settings
    elapsed, size, cpu = bundle_with_workers(cycle, team, request_ids, 2)
    print(
        f"  {renderer}: ZIP of {count} PDFs, Celery, 2 worker processes: {elapsed:.1f} s wall "
        f"({count / elapsed:.2f} PDFs/s, {size // 1024} KiB), worker CPU {cpu:.1f} s "
        f"({cpu / count:.3f} s CPU per PDF, start-up included)",
        flush=True,
    )
    return elapsed, cpu


def main():
    call_command("migrate", verbosity=0)
    print(f"load average at start: {os.getloadavg()}", flush=True)
    cycle, _ = build(max(BUNDLE, BUNDLE_WEASYPRINT, 1))
    request_ids = list(
        FeedbackRequest.objects.filter(cycle=cycle).order_by("id").values_list("id", flat=True)
    )
    (document,) = reports_services.results_for_export(
        cycle=cycle, request_ids=request_ids[:1]
    ).documents

    # Warm both: imports, fonts, templates, Typst's compiler.
    first = {r: render(document, r) for r in ("weasyprint", "typst")}
    times = {"weasyprint": [], "typst": []}
    for _ in range(REPEAT):
        for renderer in times:
            wall, cpu, pdf = render(document, renderer)
            times[renderer].append((wall, cpu, len(pdf)))
    print(f"individual PDF, same document, median of {REPEAT} warm (first, cold, in brackets):")
    for renderer, runs in times.items():
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        print(
            f"  {renderer}: {wall * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU, "
            f"{runs[0][2] // 1024} KiB, {pages(first[renderer][2])} pages "
            f"(cold: {first[renderer][0] * 1000:.0f} ms wall)",
            flush=True,
        )
    ratio = statistics.median(r[1] for r in times["weasyprint"]) / statistics.median(
        r[1] for r in times["typst"]
    )
    print(f"  typst is {ratio:.1f}x faster in CPU time")
    # Where Typst's time goes: the words and figures in Python, then the typesetting.
    data_cpu, compile_cpu = [], []
    for _ in range(REPEAT):
        cpu = time.process_time()
        data = files.individual_data(document)
        data_cpu.append(time.process_time() - cpu)
        cpu = time.process_time()
        typesetting.render("individual", data)
        compile_cpu.append(time.process_time() - cpu)
    print(
        f"  typst, of which: words and figures (individual_data) "
        f"{statistics.median(data_cpu) * 1000:.1f} ms CPU, typesetting "
        f"{statistics.median(compile_cpu) * 1000:.1f} ms CPU",
        flush=True,
    )
    settings.PDF_RENDERER = "typst"

    if BUNDLE:
        typst_wall, _ = bundle(cycle, request_ids, BUNDLE, "typst", "Bench bundle typst")
    if BUNDLE_WEASYPRINT:
        wall, _ = bundle(
            cycle, request_ids, BUNDLE_WEASYPRINT, "weasyprint", "Bench bundle weasyprint"
        )
        if BUNDLE and BUNDLE_WEASYPRINT != BUNDLE:
            print(
                f"  weasyprint, extrapolated linearly to {BUNDLE} PDFs: "
                f"{wall * BUNDLE / BUNDLE_WEASYPRINT:.0f} s (not measured)"
            )
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()

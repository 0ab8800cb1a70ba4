"""Benchmark (issue 19): a 10,000-person cycle's close-cycle recompute fanned out across 1
and 2 worker processes, one subject's recompute, and the HR heatmap and team report API,
each beside its baseline in the same run.

    createdb -h 127.0.0.1 -U postgres bench_scale
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scale \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/5 CELERY_TASK_DEFAULT_QUEUE=bench_scale \
    .venv/bin/python bench/bench_scale.py
    BENCH_SUBJECTS=100000 BENCH_PROCESSES=2 BENCH_PAGES=0 BENCH_FLOOR=0 ...   # the 100,000 run

The data is ``bench_gap_analysis``'s (12 submitted raters per subject answering 30 items:
3.6 million ratings at 10,000 subjects), generated in PostgreSQL; a later run of the same
size reuses it. In one run it times:

- the floor: ``bench_gap_analysis``'s hand-written ``GROUP BY`` fetched to the client;
- the one-pass recompute in this process (``cycle_recompute``);
- the fanned-out recompute (``cycle_recompute_fan_out``) with a real Celery prefork
  worker of 1, then 2 processes, started as a subprocess on Redis: from the plan to the
  run's ``finished_at``. Peak memory sampled from /proc every 0.1 s: the worker's
  processes (sum of RSS), and the PostgreSQL backends connected to this database (sum of
  RSS, and of private anonymous memory: RSS also counts shared buffers each touched);
- one subject's recompute (median of 20), with the time per SQL statement;
- the team report API and the HR page with the heatmap (page 1 and a middle page, 50
  people each), in-process (Django's test client), with the percentiles computed the old
  way (every score of the cycle fetched, filtered in Python: "before") and the new way,
  alternating; queries counted.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    sys.exit("Set DATABASE_URL to a scratch PostgreSQL database.")
if not os.environ.get("CELERY_BROKER_URL"):
    sys.exit("Set CELERY_BROKER_URL (a Redis db of your own) and CELERY_TASK_DEFAULT_QUEUE.")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import F, Window  # noqa: E402
from django.db.models.functions import CumeDist  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import bench_gap_analysis as gap  # noqa: E402
from config.celery_app import app as celery_app  # noqa: E402
from feedback.models import Cycle, FeedbackRequest  # noqa: E402
from reports import selectors  # noqa: E402
from reports.analysis import round_half_away  # noqa: E402
from reports.models import CycleRecompute, GapAnalysis, SubjectScore  # noqa: E402
from reports.services import (  # noqa: E402
    cycle_recompute,
    cycle_recompute_fan_out,
    gap_analyses_recompute,
)

SUBJECTS = gap.SUBJECTS
PROCESSES = [int(n) for n in os.environ.get("BENCH_PROCESSES", "1,2").split(",")]
PAGES = os.environ.get("BENCH_PAGES", "1") == "1"
FLOOR = os.environ.get("BENCH_FLOOR", "1") == "1"
REPEAT = int(os.environ.get("BENCH_REPEAT", "2"))
DB_NAME = settings.DATABASES["default"]["NAME"]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- memory, from /proc -------------------------------------------------------------------


def _status(pid: int) -> dict[str, int]:
    fields = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "PPid"):
                fields[key] = int(value.split()[0])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return fields


def _processes() -> list[tuple[int, int, str]]:
    rows = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
            rows.append((int(entry.name), ppid, cmdline))
    return rows


class Sampler(threading.Thread):
    """Peak sums of RSS: the worker's process tree, and this database's backends."""

    def __init__(self, worker_pid: int):
        super().__init__(daemon=True)
        self.worker_pid, self.stop = worker_pid, threading.Event()
        self.worker_peak = self.pg_peak = self.pg_anon_peak = 0
        self.worker_procs = 0

    def run(self):
        marker = f" {DB_NAME} "
        while not self.stop.is_set():
            procs = _processes()
            tree = {self.worker_pid}
            for pid, ppid, _ in procs:  # prefork children are direct children
                if ppid == self.worker_pid:
                    tree.add(pid)
            worker = sum(_status(pid).get("VmRSS", 0) for pid in tree)
            backends = [
                pid for pid, _, cmd in procs if cmd.startswith("postgres:") and marker in cmd
            ]
            statuses = [_status(pid) for pid in backends]
            self.worker_peak = max(self.worker_peak, worker)
            self.worker_procs = max(self.worker_procs, len(tree))
            self.pg_peak = max(self.pg_peak, sum(s.get("VmRSS", 0) for s in statuses))
            self.pg_anon_peak = max(self.pg_anon_peak, sum(s.get("RssAnon", 0) for s in statuses))
            self.stop.wait(0.1)


# --- the fanned-out recompute with a real worker ----------------------------------------


def start_worker(concurrency: int) -> subprocess.Popen:
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config.celery_app",
            "worker",
            "-Q",
            queue,
            "-c",
            str(concurrency),
            "-P",
            "prefork",
            "-l",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"bench_scale_{concurrency}@%h",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # ready once it answers a ping
        if celery_app.control.ping(
            destination=[f"bench_scale_{concurrency}@{os.uname().nodename}"], timeout=1
        ):
            return worker
    worker.terminate()
    sys.exit("the worker did not start")


def fanned_out(cycle_id: int, concurrency: int) -> dict:
    worker = start_worker(concurrency)
    try:
        sampler = Sampler(worker.pid)
        sampler.start()
        started = time.perf_counter()
        chunks = cycle_recompute_fan_out(cycle_id=cycle_id)
        while not CycleRecompute.objects.filter(
            cycle_id=cycle_id, finished_at__isnull=False
        ).exists():
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        sampler.stop.set()
        sampler.join()
    finally:
        worker.terminate()
        worker.wait(60)
    return {
        "seconds": elapsed,
        "chunks": chunks,
        "worker_mb": sampler.worker_peak / 1024,
        "worker_procs": sampler.worker_procs,
        "pg_mb": sampler.pg_peak / 1024,
        "pg_anon_mb": sampler.pg_anon_peak / 1024,
    }


# --- one subject ------------------------------------------------------------------------


def one_subject(request_id: int) -> None:
    seconds, _ = gap.timed(lambda: gap_analyses_recompute(request_ids=[request_id]), repeat=20)
    per_statement: dict[str, list[float]] = {}

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = " ".join(sql.split())[:60]
            per_statement.setdefault(key, []).append(time.perf_counter() - started)

    with connection.execute_wrapper(timer):
        for _ in range(20):
            gap_analyses_recompute(request_ids=[request_id])
    print(
        f"one subject's recompute (median of 20)           {seconds * 1000:8.1f} ms  load {load()}"
    )
    total = sum(sum(v) for v in per_statement.values()) / 20
    print(f"  of which SQL statements, per recompute: {total * 1000:.1f} ms")
    for key, times in sorted(per_statement.items(), key=lambda kv: -sum(kv[1])):
        print(f"    {statistics.median(times) * 1000:6.2f} ms  x{len(times) // 20}  {key}")


# --- pages ------------------------------------------------------------------------------


def old_subject_percentiles(*, cycle_id, request_ids=None) -> dict:
    """The percentiles as computed before issue 19: the whole cycle fetched, filtered here."""
    ranked = (
        SubjectScore.objects.filter(cycle_id=cycle_id)
        .annotate(
            percentile=Window(
                CumeDist(), partition_by=[F("behaviour"), F("pole")], order_by=F("score").asc()
            )
        )
        .values_list("analysis__request_id", "behaviour", "pole", "percentile")
    )
    wanted = set(request_ids) if request_ids is not None else None
    return {
        (request_id, behaviour, pole): round_half_away(percentile * 100, 1)
        for request_id, behaviour, pole, percentile in ranked
        if wanted is None or request_id in wanted
    }


def pages(cycle: Cycle) -> None:
    from django.contrib.auth import get_user_model

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    user, _ = get_user_model().objects.get_or_create(
        username="bench-hr@bench.example.com", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(user)
    middle = SUBJECTS // 100  # page size 50: the middle page
    urls = {
        "team report API, page 1": f"/api/v1/cycles/{cycle.id}/team-report/",
        f"team report API, page {middle}": f"/api/v1/cycles/{cycle.id}/team-report/?page={middle}",
        "HR page with heatmap, page 1": f"/reports/hr/?cycle={cycle.id}",
        f"HR page with heatmap, page {middle}": f"/reports/hr/?cycle={cycle.id}&page={middle}",
        "HR page, heatmap sorted by a score": f"/reports/hr/?cycle={cycle.id}&sort=-vision_leadership",
    }
    new = selectors.subject_percentiles
    for name, url in urls.items():
        results = {}
        for _ in range(3):
            for label, function in (("before", old_subject_percentiles), ("after", new)):
                selectors.subject_percentiles = function
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url)
                    elapsed = time.perf_counter() - started
                assert response.status_code == 200, (url, response.status_code)
                results.setdefault(label, []).append((elapsed, len(queries)))
        selectors.subject_percentiles = new
        before = statistics.median(t for t, _ in results["before"])
        after = statistics.median(t for t, _ in results["after"])
        print(
            f"{name:40s} before {before * 1000:7.0f} ms ({results['before'][0][1]} queries)"
            f"  after {after * 1000:7.0f} ms ({results['after'][0][1]} queries)  load {load()}",
            flush=True,
        )


def main():
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"{os.cpu_count()} cores; load average {load()}")
    existing = Cycle.objects.filter(name="Benchmark cycle").first()
    if existing and existing.requests.count() == SUBJECTS:
        cycle = existing
        print(f"reusing {SUBJECTS:,} subjects")
    else:
        cycle = gap.build()
    gap.warm_up(cycle.id)

    if FLOOR:
        for round_ in range(REPEAT):
            floor_s, rows = gap.timed(lambda: gap.floor(cycle.id))
            print(
                f"[{round_}] floor: GROUP BY fetched, {rows:,} rows          {floor_s:8.2f} s  load {load()}",
                flush=True,
            )
            one_s, done = gap.timed(lambda: cycle_recompute(cycle_id=cycle.id))
            print(
                f"[{round_}] one-pass recompute in this process        {one_s:8.2f} s  load {load()}",
                flush=True,
            )
            for n in PROCESSES:
                r = fanned_out(cycle.id, n)
                print(
                    f"[{round_}] fanned out, {n} worker process(es), {r['chunks']} chunks  {r['seconds']:8.2f} s"
                    f"  = {r['seconds'] / floor_s:.2f}x floor; peak RSS worker {r['worker_mb']:.0f} MB"
                    f" ({r['worker_procs']} processes), PostgreSQL backends {r['pg_mb']:.0f} MB"
                    f" ({r['pg_anon_mb']:.0f} MB private)  load {load()}",
                    flush=True,
                )
    else:
        for n in PROCESSES:
            r = fanned_out(cycle.id, n)
            print(
                f"fanned out, {n} worker process(es), {r['chunks']} chunks  {r['seconds']:8.2f} s;"
                f" peak RSS worker {r['worker_mb']:.0f} MB ({r['worker_procs']} processes),"
                f" PostgreSQL backends {r['pg_mb']:.0f} MB ({r['pg_anon_mb']:.0f} MB private)  load {load()}",
                flush=True,
            )
    assert (
        GapAnalysis.objects.filter(request__cycle=cycle, computed_at__isnull=False).count()
        == SUBJECTS
    )

    one = (
        FeedbackRequest.objects.filter(cycle=cycle)
        .order_by("id")
        .values_list("id", flat=True)[SUBJECTS // 2]
    )
    one_subject(one)
    if PAGES:
        pages(cycle)


if __name__ == "__main__":
    main()

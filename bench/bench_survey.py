"""Benchmark: raters submitting surveys to gunicorn on PostgreSQL, beside a bare insert.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_survey \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/3 CELERY_TASK_DEFAULT_QUEUE=bench_survey \\
    .venv/bin/python bench/bench_survey.py

Builds RATERS raters (10 per subject) with known tokens, then serves the project with
gunicorn (bench/settings.py: the project's settings plus a bench-only URLconf that adds
one bare view) and drives it from a separate load-generator process (bench/load.py) with
CONCURRENCY clients on 127.0.0.1. In the same run and under the same server:

- baseline: ``POST /bench/insert/<token>/``, a bare Django view that inserts one row;
- open: ``GET /api/v1/survey/<token>/``, once per rater (the survey with its 30 statements);
- save: ``PUT /api/v1/survey/<token>/`` with all 30 ratings and a comment, once per rater;
- submit: ``POST /api/v1/survey/<token>/submit/``, once per rater;

in the order baseline, open, baseline, save, baseline, submit, baseline: each survey phase
is compared with the mean of the two baselines just before and just after it, so a
machine whose speed drifts during the run (a shared one does) does not tilt a ratio.
Then:
- paced: the same 50 clients each sending one request a second (PACED_RATE, 50 requests
  per second in total: an open load), for the baseline and for fresh raters' open, save
  and submit, to read latency at a given traffic instead of at saturation, where 50
  clients with no pause make latency simply 50 / throughput.

The database must be a scratch one: its feedback tables are emptied. The broker must be
Redis, as in production: a submission queues a gap-analysis recompute there (nothing
consumes it during the run; the queue is purged at the end). Every phase is bounded in
count (RATERS requests) and time (MAX_SECONDS).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    sys.exit("Set DATABASE_URL to a scratch PostgreSQL database.")
if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
    sys.exit("Set CELERY_BROKER_URL to Redis (and CELERY_TASK_DEFAULT_QUEUE to a scratch queue).")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import org  # noqa: E402
from config.celery_app import app as celery_app  # noqa: E402
from feedback.models import Cycle, Rater  # noqa: E402

RATERS = int(os.environ.get("BENCH_RATERS", "3000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "50"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))  # as the Dockerfile's gunicorn
MAX_SECONDS = float(os.environ.get("BENCH_MAX_SECONDS", "90"))
# The paced phase: the same 50 clients offering this many requests per second in total
# (one a second each: a rater who answers a statement every second, autosave included).
PACED_RATE = float(os.environ.get("BENCH_PACED_RATE", "50"))
PER_SUBJECT = 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build() -> tuple[list[str], list[int], int]:
    """Raters who have opened their survey, with known tokens (setup, not timed)."""
    org.reset()
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_hit")
        cur.execute(
            "CREATE TABLE bench_hit (id bigserial PRIMARY KEY, token varchar(64) NOT NULL,"
            " created_at timestamptz NOT NULL)"
        )
    cycle = org.cycle(status=Cycle.Status.OPEN, closes_in_days=7)
    framework = cycle.framework
    subjects = RATERS // PER_SUBJECT
    request_ids = org.subjects(cycle, subjects)
    tokens = [secrets.token_urlsafe(32) for _ in range(subjects * PER_SUBJECT)]
    now = timezone.now()
    Rater.objects.bulk_create(
        [
            Rater(
                request_id=request_ids[n // PER_SUBJECT],
                relationship="peer",
                email=f"rater{n}@bench.example.com",
                status=Rater.Status.STARTED,
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                token_issued_at=now,
                invited_at=now,
            )
            for n, token in enumerate(tokens)
        ],
        batch_size=2000,
    )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    items = list(framework.items.order_by("position").values_list("id", flat=True))
    question = framework.questions.order_by("position").values_list("id", flat=True).first()
    return tokens, items, question


def serve(port: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not answer /healthz within 30 s")


def load(port: int, spec: list, rate: float = 0.0) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(spec, handle)
    try:
        output = subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "load.py"),
                handle.name,
                str(port),
                str(CONCURRENCY),
                str(MAX_SECONDS),
                str(rate),
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=MAX_SECONDS + 60,
        ).stdout
    finally:
        os.unlink(handle.name)
    result = json.loads(output)
    print(f"  {len(spec)} requests: {json.dumps(result)}", flush=True)
    return result


def row(name: str, result: dict) -> str:
    return (
        f"| {name} | {result['count']} | {result['throughput']:.0f} | {result['p50']:.1f} |"
        f" {result['p95']:.1f} | {result['p99']:.1f} | {result['statuses']} |"
    )


def main():
    call_command("migrate", verbosity=0)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python"
        f" {platform.python_version()}, gunicorn sync workers: {WORKERS},"
        f" CONN_MAX_AGE={settings.DATABASES['default']['CONN_MAX_AGE']},"
        f" pool={settings.DATABASES['default'].get('OPTIONS', {}).get('pool')},"
        f" concurrency: {CONCURRENCY}",
        flush=True,
    )
    tokens, items, question = build()
    tokens, paced_tokens = tokens[: -RATERS // 5], tokens[-RATERS // 5 :]
    print(f"built {len(tokens)} raters with open surveys of {len(items)} items", flush=True)
    answers = {
        "ratings": {str(item): n % 5 + 1 for n, item in enumerate(items)},
        "comments": {str(question): "Sets clear goals; could delegate more."},
    }
    port = free_port()
    server = serve(port)
    try:
        warm = [["POST", f"/bench/insert/warm{n}/", None] for n in range(300)]
        warm += [["GET", f"/api/v1/survey/{token}/", None] for token in tokens[:300]]
        load(port, warm)

        def baseline(tag: str) -> dict:
            return load(
                port, [["POST", f"/bench/insert/{tag}{n}/", None] for n in range(len(tokens))]
            )

        results = {"baseline 1": baseline("a")}
        results["open: GET survey"] = load(
            port, [["GET", f"/api/v1/survey/{t}/", None] for t in tokens]
        )
        results["baseline 2"] = baseline("b")
        results["save: PUT 30 answers"] = load(
            port, [["PUT", f"/api/v1/survey/{t}/", answers] for t in tokens]
        )
        results["baseline 3"] = baseline("c")
        results["submit: POST submit"] = load(
            port, [["POST", f"/api/v1/survey/{t}/submit/", None] for t in tokens]
        )
        results["baseline 4"] = baseline("d")
        paced_rate = f"{PACED_RATE:.0f} req/s"
        results[f"paced baseline, {paced_rate}"] = load(
            port,
            [["POST", f"/bench/insert/p{n}/", None] for n in range(len(paced_tokens))],
            rate=PACED_RATE,
        )
        results[f"paced open, {paced_rate}"] = load(
            port,
            [["GET", f"/api/v1/survey/{t}/", None] for t in paced_tokens],
            rate=PACED_RATE,
        )
        results[f"paced save, {paced_rate}"] = load(
            port,
            [["PUT", f"/api/v1/survey/{t}/", answers] for t in paced_tokens],
            rate=PACED_RATE,
        )
        results[f"paced submit, {paced_rate}"] = load(
            port,
            [["POST", f"/api/v1/survey/{t}/submit/", None] for t in paced_tokens],
            rate=PACED_RATE,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)

    submitted = Rater.objects.filter(status="submitted").count()
    print("\n| request | count | req/s | p50 ms | p95 ms | p99 ms | statuses |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, result in results.items():
        print(row(name, result))
    # Each survey phase against the baselines run just before and just after it.
    for number, (name, paced) in enumerate(
        (
            ("open: GET survey", "open"),
            ("save: PUT 30 answers", "save"),
            ("submit: POST submit", "submit"),
        ),
        start=1,
    ):
        around = (
            results[f"baseline {number}"]["throughput"]
            + results[f"baseline {number + 1}"]["throughput"]
        ) / 2
        result, at_rate = results[name], results[f"paced {paced}, {paced_rate}"]
        print(
            f"\n{name}: {result['throughput']:.0f} req/s, {result['throughput'] / around:.2f}x"
            f" the baselines around it ({around:.0f} req/s; target >= 0.5); p95"
            f" {at_rate['p95']:.1f} ms with 50 raters sending {PACED_RATE:.0f} requests a"
            " second (target < 100 ms)"
        )
    print(f"\nsurveys submitted in the database: {submitted} of {len(tokens) + len(paced_tokens)}")


if __name__ == "__main__":
    main()

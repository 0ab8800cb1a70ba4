"""Benchmark: where the recompute mark lives, measured on the survey's submit, in one process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_mark \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/3 CELERY_TASK_DEFAULT_QUEUE=bench_mark \\
    .venv/bin/python bench/bench_recompute_mark.py

A submission marks its subject for a recompute (issue 13 moved the mark from a column of
feedback's request row to results' own table, ``reports.RecomputeMark``, written by a
signal receiver). This times ``feedback.services.survey_submit`` alternately with

- own table: the receiver as shipped (one upsert into ``reports_recompute_mark``);
- request row: a receiver doing what the code did before (a conditional UPDATE of a
  ``recompute_queued_at`` column this script adds back to the request table);

in the same process, one submission after the other (A, B, A, B ...), each on a fresh
database connection as with ``CONN_MAX_AGE=0`` (a fresh PostgreSQL backend loads each table
a request touches once), each for a different subject so every one marks and queues (the
costlier path: an insert, not a coalesced no-op). Alternating keeps a shared machine's
drift out of the ratio. The database must be a scratch one; the queue is purged at the end.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import secrets
import statistics
import sys
import time
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
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import org  # noqa: E402
from config.celery_app import app as celery_app  # noqa: E402
from feedback import services as feedback_services  # noqa: E402
from feedback import signals  # noqa: E402
from feedback.models import Cycle, Rater, Rating  # noqa: E402
from reports import receivers  # noqa: E402
from reports import services as reports_services  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "300"))  # submissions per variant


def on_request_row(sender, *, request_id: int, submitted_at, **kwargs) -> None:
    """The mark as it was before issue 13: a column of feedback's request row."""
    coalesce = datetime.timedelta(seconds=settings.GAP_ANALYSIS_COALESCE_SECONDS * 4)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE feedback_feedbackrequest SET recompute_queued_at = %s WHERE id = %s"
            " AND (recompute_queued_at IS NULL OR recompute_queued_at < %s)",
            [submitted_at, request_id, submitted_at - coalesce],
        )
        marked = cursor.rowcount == 1
    if marked:
        transaction.on_commit(lambda: reports_services.gap_analysis_queue(request_id=request_id))


def build(count: int) -> list[str]:
    """One rater per subject with every statement answered and saved (setup, not timed)."""
    org.reset()
    cycle = org.cycle(status=Cycle.Status.OPEN, closes_in_days=7)
    request_ids = org.subjects(cycle, count)
    tokens = [secrets.token_urlsafe(32) for _ in request_ids]
    now = timezone.now()
    raters = Rater.objects.bulk_create(
        [
            Rater(
                request_id=request_id,
                relationship="peer",
                email=f"rater{n}@bench.example.com",
                status=Rater.Status.STARTED,
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                token_issued_at=now,
                invited_at=now,
            )
            for n, (request_id, token) in enumerate(zip(request_ids, tokens, strict=True))
        ]
    )
    items = list(cycle.framework.items.values_list("id", flat=True))
    Rating.objects.bulk_create(
        [Rating(rater=rater, item_id=item, value=3) for rater in raters for item in items],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE feedback_feedbackrequest"
            " ADD COLUMN IF NOT EXISTS recompute_queued_at timestamptz NULL"
        )
        cursor.execute("ANALYZE")
    return tokens


def use(variant: str) -> None:
    signals.answers_submitted.disconnect(dispatch_uid="reports.results_mark_stale")
    signals.answers_submitted.disconnect(dispatch_uid="bench.on_request_row")
    if variant == "own table":
        signals.answers_submitted.connect(
            receivers.results_mark_stale, dispatch_uid="reports.results_mark_stale"
        )
    else:
        signals.answers_submitted.connect(on_request_row, dispatch_uid="bench.on_request_row")


def main():
    call_command("migrate", verbosity=0)
    tokens = build(2 * ROUNDS + 20)
    variants = ("own table", "request row")
    times: dict[str, list[float]] = {v: [] for v in variants}
    try:
        for n, token in enumerate(tokens):
            variant = variants[n % 2]
            use(variant)
            connection.close()  # CONN_MAX_AGE=0: every request opens its own connection
            start = time.perf_counter()
            feedback_services.survey_submit(token=token)
            elapsed = (time.perf_counter() - start) * 1000
            if n >= 20:  # the first few warm Python's caches
                times[variant].append(elapsed)
    finally:
        use("own table")
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE feedback_feedbackrequest DROP COLUMN recompute_queued_at")
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)
    print("| mark | submissions | median ms | mean ms | p90 ms |")
    print("|---|---:|---:|---:|---:|")
    for variant in variants:
        values = sorted(times[variant])
        print(
            f"| {variant} | {len(values)} | {statistics.median(values):.2f} |"
            f" {statistics.fmean(values):.2f} | {values[int(len(values) * 0.9)]:.2f} |"
        )
    ratio = statistics.median(times["own table"]) / statistics.median(times["request row"])
    print(f"own table / request row (medians): {ratio:.3f}")


if __name__ == "__main__":
    main()

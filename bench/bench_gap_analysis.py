"""Benchmark: recomputing a whole cycle's gap analyses, side by side with the SQL floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_gap .venv/bin/python bench/bench_gap_analysis.py
    BENCH_SUBJECTS=2500 ...   # a smaller organisation, to see memory stay flat

Builds SUBJECTS subjects with 12 submitted raters each (self, boss, 4 peers, 4 direct
reports, 2 others) answering the 30 items (about 10 % "can't say"): 3.6 million
ratings at 10,000 subjects. The data is generated inside PostgreSQL. Then it times, in
the same run:

- the floor: one hand-written ``GROUP BY`` over the same ratings (request, item, group:
  count, sum, sum of squares), fetched to the client;
- the close-cycle recompute (``reports.services.cycle_recompute``): every subject's
  figures computed and stored;
- one subject's recompute after a submission;

and the process's peak memory. The database is a scratch one: its feedback tables are
emptied first.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    sys.exit("Set DATABASE_URL to a scratch PostgreSQL database.")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from feedback.models import Cycle, FeedbackRequest, Framework  # noqa: E402
from reports.models import GapAnalysis, SubjectScore  # noqa: E402
from reports.services import cycle_recompute, gap_analyses_recompute  # noqa: E402

SUBJECTS = int(os.environ.get("BENCH_SUBJECTS", "10000"))
# relationship, raters per subject
PANEL = [("self", 1), ("boss", 1), ("peer", 4), ("direct_report", 4), ("other", 2)]

FLOOR_SQL = """
SELECT ra.request_id, rt.item_id, ra.relationship,
       count(rt.value), sum(rt.value), sum(rt.value * rt.value)
FROM feedback_rating rt
JOIN feedback_rater ra ON ra.id = rt.rater_id
JOIN feedback_feedbackrequest rq ON rq.id = ra.request_id
WHERE rq.cycle_id = %s AND ra.status = 'submitted' AND rt.value IS NOT NULL
GROUP BY ra.request_id, rt.item_id, ra.relationship
"""


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build() -> Cycle:
    """Generate the organisation and its answers inside PostgreSQL (setup, not timed)."""
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE reports_subjectscore, reports_gapanalysis, feedback_comment, feedback_rating,"
            " feedback_rater, feedback_feedbackrequest, feedback_cycle CASCADE"
        )
        cur.execute("DELETE FROM accounts_person WHERE email LIKE 'bench%%@bench.example.com'")
    cycle = Cycle.objects.create(
        name="Benchmark cycle",
        closes_at=timezone.now(),
        status=Cycle.Status.CLOSED,
        framework=Framework.objects.order_by("version").first(),
    )
    panel_values = ",".join(f"('{rel}', {count})" for rel, count in PANEL)
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(0.42)")
        cur.execute(
            """
            INSERT INTO accounts_person (email, name, title, created_at, updated_at)
            SELECT 'bench' || g || '@bench.example.com', 'Bench ' || g, 'Engineer', now(), now()
            FROM generate_series(1, %s) g
            """,
            [SUBJECTS],
        )
        cur.execute(
            """
            INSERT INTO feedback_feedbackrequest (cycle_id, subject_id, created_at)
            SELECT %s, id, now() FROM accounts_person WHERE email LIKE 'bench%%@bench.example.com'
            """,
            [cycle.id],
        )
        cur.execute(
            f"""
            INSERT INTO feedback_rater (request_id, relationship, email, name, status,
                                        invitation_sent_hash, decline_reason, submitted_at, created_at)
            SELECT rq.id, p.rel, 'r' || rq.id || '-' || p.rel || '-' || s || '@bench.example.com', '',
                   'submitted', '', '', now() - (random() * interval '10 days'), now()
            FROM feedback_feedbackrequest rq
            CROSS JOIN (VALUES {panel_values}) AS p(rel, count)
            CROSS JOIN LATERAL generate_series(1, p.count) s
            WHERE rq.cycle_id = %s
            """,
            [cycle.id],
        )
        cur.execute(
            """
            INSERT INTO feedback_rating (rater_id, item_id, value)
            SELECT ra.id, i.id,
                   CASE WHEN random() < 0.1 THEN NULL ELSE 1 + floor(random() * 5)::int END
            FROM feedback_rater ra
            JOIN feedback_feedbackrequest rq ON rq.id = ra.request_id
            CROSS JOIN feedback_item i
            WHERE rq.cycle_id = %s AND i.framework_id = %s
            """,
            [cycle.id, cycle.framework_id],
        )
        cur.execute("ANALYZE")
        cur.execute("SELECT count(*) FROM feedback_rating")
        ratings = cur.fetchone()[0]
    print(f"built {SUBJECTS} subjects, {ratings:,} ratings", flush=True)
    return cycle


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def floor(cycle_id: int) -> int:
    with connection.cursor() as cur:
        cur.execute(FLOOR_SQL, [cycle_id])
        return len(cur.fetchall())


def main():
    call_command("migrate", verbosity=0)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        print(f"PostgreSQL {cur.fetchone()[0]}")
    cycle = build()
    rss_before = peak_rss_mb()

    floor_s, rows = timed(lambda: floor(cycle.id), repeat=3)
    print(f"floor: hand-written GROUP BY, {rows:,} rows   {floor_s:8.2f} s", flush=True)
    GapAnalysis.objects.all().delete()
    close_s, done = timed(lambda: cycle_recompute(cycle_id=cycle.id))
    print(f"close-cycle recompute, {done:,} subjects         {close_s:8.2f} s", flush=True)
    assert GapAnalysis.objects.filter(request__cycle=cycle).count() == SUBJECTS
    assert SubjectScore.objects.filter(cycle=cycle).count() == SUBJECTS * 10

    one = (
        FeedbackRequest.objects.filter(cycle=cycle)
        .order_by("id")
        .values_list("id", flat=True)[SUBJECTS // 2]
    )
    single_s, _ = timed(lambda: gap_analyses_recompute(request_ids=[one]), repeat=20)
    print(f"one subject's recompute (median of 20)           {single_s * 1000:8.1f} ms")
    print(
        f"peak memory: {rss_before:.0f} MB after setup, {peak_rss_mb():.0f} MB after the recompute"
    )
    print(f"\nclose-cycle recompute / floor: {close_s / floor_s:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()

"""The benchmarks' generated organisation, written inside PostgreSQL (setup, never timed).

Shared by bench_gap_analysis, bench_exports and bench_survey, which import it after
``django.setup()``. Everything generated has an email ending in @bench.example.com, and
``reset`` empties the feedback and report tables: run the benchmarks on a scratch database.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from feedback.models import Cycle, Framework, Rater

BENCH_EMAILS = "bench%@bench.example.com"  # a LIKE pattern, passed as a parameter


def reset() -> None:
    """Empty every cycle, request, answer, result and export; drop the generated people."""
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE reports_export, reports_subjectscore, reports_gapanalysis, feedback_comment,"
            " feedback_rating, feedback_rater, feedback_feedbackrequest, feedback_cycle CASCADE"
        )
        cur.execute("DELETE FROM accounts_person WHERE email LIKE %s", [BENCH_EMAILS])


def cycle(*, status: str, closes_in_days: float = 0) -> Cycle:
    """A cycle on the oldest questionnaire version (the one the migrations load)."""
    return Cycle.objects.create(
        name="Benchmark cycle",
        closes_at=timezone.now() + timezone.timedelta(days=closes_in_days),
        status=status,
        opened_at=timezone.now(),
        framework=Framework.objects.order_by("version").first(),
    )


def subjects(cycle: Cycle, count: int, *, team_id: int | None = None) -> list[int]:
    """``count`` people, each the subject of one request in ``cycle``: the request ids."""
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(0.42)")  # the answers below are the same on every run
        cur.execute(
            """
            INSERT INTO accounts_person (email, name, title, team_id, created_at, updated_at)
            SELECT 'bench' || g || '@bench.example.com', 'Bench Person ' || g, 'Engineer', %s,
                   now(), now()
            FROM generate_series(1, %s) g
            """,
            [team_id, count],
        )
        cur.execute(
            """
            INSERT INTO feedback_feedbackrequest (cycle_id, subject_id, created_at, launched_at)
            SELECT %s, id, now(), now() FROM accounts_person WHERE email LIKE %s
            ORDER BY id
            """,
            [cycle.id, BENCH_EMAILS],
        )
        cur.execute(
            "SELECT id FROM feedback_feedbackrequest WHERE cycle_id = %s ORDER BY id", [cycle.id]
        )
        return [row[0] for row in cur.fetchall()]


def answered_panels(
    cycle: Cycle, panel: list[tuple[str, int]], *, submitted_over_days: float = 0
) -> int:
    """For every request of ``cycle``, a submitted survey per rater of ``panel`` (pairs of
    relationship and count) with every statement rated 1-5, one in ten "can't say".
    ``submitted_over_days`` spreads the submission times over that many past days.
    Returns the number of ratings written."""
    # The panel's pairs as parameters: only placeholders are written into the statement.
    panel_values = ", ".join(["(%s, CAST(%s AS integer))"] * len(panel))
    with connection.cursor() as cur:
        cur.execute(
            f"""
            INSERT INTO feedback_rater (request_id, relationship, email, name, status,
                                        invitation_sent_hash, decline_reason, submitted_at, created_at,
                                        approval)
            SELECT rq.id, p.rel, 'r' || rq.id || '-' || p.rel || '-' || s || '@bench.example.com', '',
                   'submitted', '', '', now() - (random() * %s * interval '1 day'), now(), %s
            FROM feedback_feedbackrequest rq
            CROSS JOIN (VALUES {panel_values}) AS p(rel, count)
            CROSS JOIN LATERAL generate_series(1, p.count) s
            WHERE rq.cycle_id = %s
            """,  # noqa: S608 - placeholders only
            [
                submitted_over_days,
                Rater.Approval.NOT_NEEDED,
                *(part for pair in panel for part in pair),
                cycle.id,
            ],
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
        ratings = cur.rowcount
        cur.execute("ANALYZE")
    return ratings

"""The gap analysis's heavy part, in SQL: aggregation and the anonymity rules.

One pass over a cycle's ratings (or one request's) inside the database, writing:

- ``gap_cells`` (a temporary table): per request and item, for each group, the count,
  sum and sum of squares of the ratings the rules let through (all zero when the group
  is not shown), ``others`` included; frozen requests are computed too, then left out
  of every write;
- ``reports_gapanalysis``: those cells as JSON, ``{"<item id>": [self n, sum, sum of
  squares, boss ..., peer ..., direct_report ..., other ..., others ...]}``, the
  survey counts per group, how many raters have a rating inside an ``others`` item
  mean (``others_counted``), with
  what answers they reflect (upserted; frozen rows are never touched);
- ``reports_subjectscore``: each subject's ``others`` pole scores, for team figures.

The rules, from CONTRACT.md section 4 (k = the cycle's min_anonymous_raters):
self and boss cells are shown when they have a rating; an anonymous group's ratings of
an item are shown when the group has at least k of them; the rest of the anonymous
ratings of the item form a pool, counted inside ``others`` when it holds at least k;
``others`` = boss + shown anonymous groups + the pool if reportable.

The statements are written once for PostgreSQL and SQLite: only the JSON functions
differ. Python never loops over ratings, and holds nothing per subject, so a worker's
memory does not grow with the size of the cycle.
"""

from __future__ import annotations

import datetime

from django.db import connection

SUBMITTED = "submitted"
WORK_MEM = "64MB"

_DIALECT = {
    "postgresql": {"object_agg": "jsonb_object_agg", "string_agg": "string_agg"},
    "sqlite": {"object_agg": "json_group_object", "string_agg": "group_concat"},
}

# Rater groups in the order the cells list them, ``others`` last.
GROUPS = ("self", "boss", "peer", "direct_report", "other", "others")
ANONYMOUS = ("peer", "direct_report", "other")


def _per_group(group: str) -> str:
    value = f"CASE WHEN ra.relationship = '{group}' THEN rt.value END"
    return (
        f"COUNT({value}) AS {group}_n, COALESCE(SUM({value}), 0) AS {group}_s, "
        f"COALESCE(SUM({value} * {value}), 0) AS {group}_ss"
    )


def _shown(group: str, column: str) -> str:
    # An anonymous group's ratings of an item are shown when it has at least k of them.
    return f"CASE WHEN {group}_n >= k THEN {group}_{column} ELSE 0 END"


def _pooled(column: str) -> str:
    return " + ".join(f"CASE WHEN {g}_n < k THEN {g}_{column} ELSE 0 END" for g in ANONYMOUS)


def _others(column: str) -> str:
    # others = boss + every shown anonymous group + the pool when it holds k ratings.
    shown = " + ".join(_shown(g, column) for g in ANONYMOUS)
    return f"boss_{column} + {shown} + CASE WHEN pool_n >= k THEN pool_{column} ELSE 0 END"


# One row per request and item: one pass over the ratings, pivoted by group, then the
# rules as plain arithmetic on each row.
_CELLS = f"""
CREATE TEMP TABLE gap_cells AS
WITH req AS (
    SELECT rq.id AS request_id, c.min_anonymous_raters AS k
    FROM feedback_feedbackrequest rq
    JOIN feedback_cycle c ON c.id = rq.cycle_id
    WHERE {{where}}
),
agg AS (
    SELECT ra.request_id, rt.item_id, req.k,
           {", ".join(_per_group(g) for g in GROUPS[:-1])}
    FROM feedback_rating rt
    JOIN feedback_rater ra ON ra.id = rt.rater_id
    JOIN req ON req.request_id = ra.request_id
    WHERE ra.status = 'submitted' AND rt.value IS NOT NULL
    GROUP BY ra.request_id, rt.item_id, req.k
),
pooled AS (
    SELECT agg.*, {_pooled("n")} AS pool_n, {_pooled("s")} AS pool_s, {_pooled("ss")} AS pool_ss
    FROM agg
)
SELECT request_id, item_id,
       self_n, self_s, self_ss, boss_n, boss_s, boss_ss,
       {", ".join(f"{_shown(g, c)} AS {g}_{c}" for g in ANONYMOUS for c in ("n", "s", "ss"))},
       {", ".join(f"{_others(c)} AS others_{c}" for c in ("n", "s", "ss"))},
       CASE WHEN pool_n >= k THEN 1 ELSE 0 END AS pool_counted
FROM pooled
"""

# A rating is inside the item's ``others`` mean when its rater is the boss, when its
# group is shown for the item, or when it is in the item's pool and the pool counts.
_INSIDE_OTHERS = """(ra.relationship = 'boss'
    OR (ra.relationship = 'peer' AND c.peer_n > 0)
    OR (ra.relationship = 'direct_report' AND c.direct_report_n > 0)
    OR (ra.relationship = 'other' AND c.other_n > 0)
    OR (ra.relationship IN ('peer', 'direct_report', 'other') AND c.pool_counted = 1))"""

_UPSERT = """
INSERT INTO reports_gapanalysis
    (request_id, cells, surveys, data, computed_at, submitted_count, last_submitted_at,
     frozen_at, others_counted)
SELECT rq.id,
       COALESCE(cell_docs.cells, '{{}}'),
       COALESCE(survey_docs.surveys, {empty}),
       NULL, %s, COALESCE(survey_docs.submitted, 0), survey_docs.last_submitted_at, NULL,
       COALESCE(counted_docs.counted, 0)
FROM feedback_feedbackrequest rq
LEFT JOIN (
    -- Plain text concatenation: building jsonb here cost more than the aggregation itself.
    SELECT request_id, '{{' || {string_agg}(CELL_JSON, ',') || '}}' AS cells
    FROM gap_cells GROUP BY request_id
) AS cell_docs ON cell_docs.request_id = rq.id
LEFT JOIN (
    SELECT request_id, {object_agg}(relationship, surveys) AS surveys,
           SUM(surveys) AS submitted, MAX(last_at) AS last_submitted_at
    FROM (
        SELECT request_id, relationship, COUNT(*) AS surveys, MAX(submitted_at) AS last_at
        FROM feedback_rater
        WHERE status = 'submitted' AND request_id IN (
            SELECT rq2.id FROM feedback_feedbackrequest rq2 WHERE {where2})
        GROUP BY request_id, relationship
    ) AS per_group
    GROUP BY request_id
) AS survey_docs ON survey_docs.request_id = rq.id
LEFT JOIN (
    -- groups.others.counted: raters with at least one rating inside an others item mean.
    -- Per rater, the first such rating ends the search (index probes, not a second pass
    -- over every rating: that doubled a close-cycle recompute).
    SELECT ra.request_id, COUNT(*) AS counted
    FROM feedback_rater ra
    JOIN feedback_feedbackrequest rq3 ON rq3.id = ra.request_id
    WHERE {where3} AND ra.status = 'submitted' AND ra.relationship <> 'self'
      AND EXISTS (
        SELECT 1 FROM gap_cells c
        JOIN feedback_rating rt ON rt.rater_id = ra.id AND rt.item_id = c.item_id
        WHERE c.request_id = ra.request_id AND rt.value IS NOT NULL AND INSIDE_OTHERS)
    GROUP BY ra.request_id
) AS counted_docs ON counted_docs.request_id = rq.id
WHERE {where}
ON CONFLICT (request_id) DO UPDATE SET
    cells = excluded.cells,
    surveys = excluded.surveys,
    data = NULL,
    computed_at = excluded.computed_at,
    submitted_count = excluded.submitted_count,
    last_submitted_at = excluded.last_submitted_at,
    others_counted = excluded.others_counted
WHERE reports_gapanalysis.frozen_at IS NULL
""".replace("INSIDE_OTHERS", _INSIDE_OTHERS).replace(
    "CELL_JSON",
    "'\"' || item_id || '\":[' || "
    + " || ',' || ".join(f"{g}_{c}" for g in GROUPS for c in ("n", "s", "ss"))
    + " || ']'",
)

_SCORES_DELETE = """
DELETE FROM reports_subjectscore WHERE analysis_id IN (
    SELECT g.id FROM reports_gapanalysis g
    JOIN feedback_feedbackrequest rq ON rq.id = g.request_id
    WHERE {where} AND g.frozen_at IS NULL)
"""

# A pole score is the mean of the item means (each item weighs the same).
_SCORES_INSERT = """
INSERT INTO reports_subjectscore (analysis_id, cycle_id, team_name, behaviour, pole, score)
SELECT g.id, rq.cycle_id, COALESCE(t.name, ''), i.behaviour, i.pole,
       AVG(CAST(c.others_s AS FLOAT) / c.others_n)
FROM gap_cells c
JOIN feedback_item i ON i.id = c.item_id
JOIN feedback_feedbackrequest rq ON rq.id = c.request_id
JOIN reports_gapanalysis g ON g.request_id = rq.id
JOIN accounts_person p ON p.id = rq.subject_id
LEFT JOIN accounts_team t ON t.id = p.team_id
WHERE c.others_n > 0 AND g.frozen_at IS NULL
GROUP BY g.id, rq.cycle_id, t.name, i.behaviour, i.pole
"""


def _where(*, cycle_id: int | None, request_ids: list[int] | None, alias: str) -> tuple[str, list]:
    if cycle_id is not None:
        return f"{alias}.cycle_id = %s", [cycle_id]
    placeholders = ", ".join(["%s"] * len(request_ids))
    return f"{alias}.id IN ({placeholders})", list(request_ids)


def recompute(
    *, now: datetime.datetime, cycle_id: int | None = None, request_ids: list[int] | None = None
) -> None:
    """Recompute the cells of a whole cycle, or of some requests. Call inside a transaction."""
    dialect = _DIALECT[connection.vendor]
    where, params = _where(cycle_id=cycle_id, request_ids=request_ids, alias="rq")
    where2, params2 = _where(cycle_id=cycle_id, request_ids=request_ids, alias="rq2")
    where3, params3 = _where(cycle_id=cycle_id, request_ids=request_ids, alias="rq3")
    empty = "'{}'::jsonb" if connection.vendor == "postgresql" else "'{}'"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Enough memory for the aggregates to stay off disk; this transaction only.
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
            # The counted subquery's per-rater probes are estimated dear enough to make
            # PostgreSQL compile the statements (JIT): that took longer than running them.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute("DROP TABLE IF EXISTS gap_cells")
        cursor.execute(_CELLS.format(where=where), params)
        # The counted subquery looks up one request's cells per rater.
        cursor.execute("CREATE INDEX gap_cells_key ON gap_cells (request_id, item_id)")
        if connection.vendor == "postgresql":
            # A fresh temporary table has no statistics: without them the joins below
            # are planned for an empty table.
            cursor.execute("ANALYZE gap_cells")
        cursor.execute(
            _UPSERT.format(where=where, where2=where2, where3=where3, empty=empty, **dialect),
            # Adapted as the ORM would store it: on SQLite a datetime is text, and the
            # render step matches rows by computed_at.
            [connection.ops.adapt_datetimefield_value(now), *params2, *params3, *params],
        )
        cursor.execute(_SCORES_DELETE.format(where=where), params)
        cursor.execute(_SCORES_INSERT)
        cursor.execute("DROP TABLE gap_cells")


# The recompute mark (``reports.RecomputeMark``): set it unless a recent one stands, in one
# statement. The ORM's upsert cannot make its update conditional, and a read-then-write
# would take two round trips on the survey's hot path and race between concurrent
# submissions; here PostgreSQL serialises them on the row. Static text, values bound.
_MARK = """
INSERT INTO reports_recompute_mark (request_id, queued_at) VALUES (%s, %s)
ON CONFLICT (request_id) DO UPDATE SET queued_at = excluded.queued_at
WHERE reports_recompute_mark.queued_at < %s
"""


def recompute_mark(
    *, request_id: int, now: datetime.datetime, older_than: datetime.datetime
) -> bool:
    """Mark one request for a recompute; False if it holds a mark from ``older_than`` on."""
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(_MARK, [request_id, adapt(now), adapt(older_than)])
        return cursor.rowcount == 1

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

How the SQL is built: each statement is composed once per database and scope (a cycle,
or a list of requests) from fixed text. The only words put into it are the vocabulary's
group slugs (``feedback.vocabulary``: column prefixes and literals, checked to be plain
identifiers below) and a dialect's function names; every value (the cycle, the requests,
the time) is a query parameter, the list of requests as one JSON array.
"""

from __future__ import annotations

import datetime
import functools
import json
from typing import NamedTuple

from django.db import connection

from feedback.vocabulary import ANONYMOUS, BOSS, GROUPS, IDENTIFIED, OTHERS, SELF

WORK_MEM = "64MB"
# The only word of the data put into the statements: a rater's status.
SUBMITTED = "submitted"

# Every word formatted into the SQL below is one of these; each is a plain identifier, so
# none can carry a quote or a comment into a statement.
for _word in (*GROUPS, SUBMITTED):
    if not _word.isidentifier():
        raise ValueError(f"{_word!r} cannot be written into SQL")

_DIALECT = {
    "postgresql": {
        # Dropped by the commit: one statement less per recompute.
        "on_commit": "ON COMMIT DROP ",
        "object_agg": "jsonb_object_agg",
        "string_agg": "string_agg",
        "empty": "'{}'::jsonb",
        # The requests to compute arrive as one parameter, a JSON array of ids.
        "request_ids": "SELECT CAST(value AS bigint) FROM jsonb_array_elements_text(CAST(%s AS jsonb))",
    },
    "sqlite": {
        "on_commit": "",
        "object_agg": "json_group_object",
        "string_agg": "group_concat",
        "empty": "'{}'",
        "request_ids": "SELECT value FROM json_each(%s)",
    },
}

COLUMNS = ("n", "s", "ss")  # count, sum and sum of squares of a group's ratings
# Up to this many requests, the temporary table gets neither an index nor statistics.
SMALL_SCOPE = 20


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
    return f"{BOSS}_{column} + {shown} + CASE WHEN pool_n >= k THEN pool_{column} ELSE 0 END"


def _inside_others() -> str:
    """A rating is inside the item's ``others`` mean when its rater is the boss, when its
    group is shown for the item, or when it is in the item's pool and the pool counts."""
    shown = " OR ".join(f"(ra.relationship = '{g}' AND c.{g}_n > 0)" for g in ANONYMOUS)
    anonymous = ", ".join(f"'{g}'" for g in ANONYMOUS)
    return (
        f"(ra.relationship = '{BOSS}' OR {shown}"
        f" OR (ra.relationship IN ({anonymous}) AND c.pool_counted = 1))"
    )


def _cell_json() -> str:
    """One item's cell as JSON text: ``"<item id>":[self n, sum, sum of squares, ...]``,
    the groups in the vocabulary's order (``reports.services._cells`` reads them so, and
    frozen results keep it: never reorder ``GROUPS``)."""
    numbers = " || ',' || ".join(f"{g}_{c}" for g in GROUPS for c in COLUMNS)
    return f"'\"' || item_id || '\":[' || {numbers} || ']'"


# One row per request and item: one pass over the ratings, pivoted by group, then the
# rules as plain arithmetic on each row.
_CELLS = """
CREATE TEMP TABLE gap_cells {on_commit}AS
WITH req AS (
    SELECT rq.id AS request_id, c.min_anonymous_raters AS k
    FROM feedback_feedbackrequest rq
    JOIN feedback_cycle c ON c.id = rq.cycle_id
    WHERE {scope_rq}
),
agg AS (
    SELECT ra.request_id, rt.item_id, req.k,
           {per_group}
    FROM feedback_rating rt
    JOIN feedback_rater ra ON ra.id = rt.rater_id
    JOIN req ON req.request_id = ra.request_id
    WHERE ra.status = '{submitted}' AND rt.value IS NOT NULL
    GROUP BY ra.request_id, rt.item_id, req.k
),
pooled AS (
    SELECT agg.*, {pool_n} AS pool_n, {pool_s} AS pool_s, {pool_ss} AS pool_ss
    FROM agg
)
SELECT request_id, item_id,
       {identified},
       {anonymous_shown},
       {others},
       CASE WHEN pool_n >= k THEN 1 ELSE 0 END AS pool_counted
FROM pooled
"""

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
    SELECT request_id, '{{' || {string_agg}({cell_json}, ',') || '}}' AS cells
    FROM gap_cells GROUP BY request_id
) AS cell_docs ON cell_docs.request_id = rq.id
LEFT JOIN (
    SELECT request_id, {object_agg}(relationship, surveys) AS surveys,
           SUM(surveys) AS submitted, MAX(last_at) AS last_submitted_at
    FROM (
        SELECT request_id, relationship, COUNT(*) AS surveys, MAX(submitted_at) AS last_at
        FROM feedback_rater
        WHERE status = '{submitted}' AND request_id IN (
            SELECT rq2.id FROM feedback_feedbackrequest rq2 WHERE {scope_rq2})
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
    WHERE {scope_rq3} AND ra.status = '{submitted}' AND ra.relationship <> '{self}'
      AND EXISTS (
        SELECT 1 FROM gap_cells c
        JOIN feedback_rating rt ON rt.rater_id = ra.id AND rt.item_id = c.item_id
        WHERE c.request_id = ra.request_id AND rt.value IS NOT NULL AND {inside_others})
    GROUP BY ra.request_id
) AS counted_docs ON counted_docs.request_id = rq.id
WHERE {scope_rq}
ON CONFLICT (request_id) DO UPDATE SET
    cells = excluded.cells,
    surveys = excluded.surveys,
    data = NULL,
    computed_at = excluded.computed_at,
    submitted_count = excluded.submitted_count,
    last_submitted_at = excluded.last_submitted_at,
    others_counted = excluded.others_counted
WHERE reports_gapanalysis.frozen_at IS NULL
"""

_SCORES_DELETE = """
DELETE FROM reports_subjectscore WHERE analysis_id IN (
    SELECT g.id FROM reports_gapanalysis g
    JOIN feedback_feedbackrequest rq ON rq.id = g.request_id
    WHERE {scope_rq} AND g.frozen_at IS NULL)
"""

# A pole score is the mean of the item means (each item weighs the same).
SCORES_INSERT = """
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


class Statements(NamedTuple):
    cells: str
    upsert: str
    scores_delete: str


@functools.cache
def statements(vendor: str, *, by_cycle: bool, by_range: bool = False) -> Statements:
    """The statements for one database and one kind of scope, composed once per process.

    ``by_range``: the requests of a cycle from one id to another (a chunk of a fanned-out
    close-cycle recompute): three placeholders, planned from the table's statistics, where
    a JSON array of 1,000 ids was planned as if it held 100 and took twice as long.

    Each ``{scope_*}`` holds exactly one placeholder: the cycle's id, or the JSON array
    of the requests' ids.
    """
    dialect = _DIALECT[vendor]

    def scope(alias: str) -> str:
        if by_range:
            return f"({alias}.cycle_id = %s AND {alias}.id BETWEEN %s AND %s)"
        if by_cycle:
            return f"{alias}.cycle_id = %s"
        return f"{alias}.id IN ({dialect['request_ids']})"

    words = {
        "submitted": SUBMITTED,
        "self": SELF,
        "scope_rq": scope("rq"),
        "scope_rq2": scope("rq2"),
        "scope_rq3": scope("rq3"),
    }
    # Formatted only with the vocabulary, the dialect's names and placeholders (see above).
    cells = _CELLS.format(
        **words,
        on_commit=dialect["on_commit"],
        per_group=", ".join(_per_group(g) for g in GROUPS if g != OTHERS),
        pool_n=_pooled("n"),
        pool_s=_pooled("s"),
        pool_ss=_pooled("ss"),
        identified=", ".join(f"{g}_{c}" for g in IDENTIFIED for c in COLUMNS),
        anonymous_shown=", ".join(f"{_shown(g, c)} AS {g}_{c}" for g in ANONYMOUS for c in COLUMNS),
        others=", ".join(f"{_others(c)} AS {OTHERS}_{c}" for c in COLUMNS),
    )
    upsert = _UPSERT.format(
        **words,
        **dialect,
        cell_json=_cell_json(),
        inside_others=_inside_others(),
    )
    scores_delete = _SCORES_DELETE.format(**words)
    return Statements(cells, upsert, scores_delete)


def recompute(
    *,
    now: datetime.datetime,
    cycle_id: int | None = None,
    request_ids: list[int] | None = None,
    id_range: tuple[int, int] | None = None,
) -> None:
    """Recompute the cells of a whole cycle, of its requests with ids in ``id_range``
    (both ends included), or of some requests. Call inside a transaction."""
    by_cycle = cycle_id is not None
    by_range = by_cycle and id_range is not None
    sql = statements(connection.vendor, by_cycle=by_cycle, by_range=by_range)
    if by_range:
        scope = [cycle_id, int(id_range[0]), int(id_range[1])]
    elif by_cycle:
        scope = [cycle_id]
    else:
        scope = [json.dumps([int(i) for i in request_ids])]
    postgresql = connection.vendor == "postgresql"
    # Index and statistics pay for themselves on a chunk or a cycle; on a handful of
    # requests (a submission's recompute: about 30 rows) they cost more than they save.
    large = by_cycle or len(request_ids) > SMALL_SCOPE
    with connection.cursor() as cursor:
        if postgresql:
            # One round trip: enough memory for the aggregates to stay off disk (this
            # transaction only); no JIT (the counted subquery's per-rater probes are
            # estimated dear enough to make PostgreSQL compile the statements, which took
            # longer than running them); no table left by an earlier call in this
            # transaction. Constants: SET takes no parameter.
            cursor.execute(
                f"SET LOCAL work_mem = '{WORK_MEM}'; SET LOCAL jit = off;"
                " DROP TABLE IF EXISTS gap_cells"
            )
        else:
            cursor.execute("DROP TABLE IF EXISTS gap_cells")
        cursor.execute(sql.cells, scope)
        if large:
            # The counted subquery looks up one request's cells per rater.
            cursor.execute("CREATE INDEX gap_cells_key ON gap_cells (request_id, item_id)")
            if postgresql:
                # A fresh temporary table has no statistics: without them the joins below
                # are planned for an empty table.
                cursor.execute("ANALYZE gap_cells")
        cursor.execute(
            sql.upsert,
            # Adapted as the ORM would store it: on SQLite a datetime is text, and the
            # render step matches rows by computed_at.
            [connection.ops.adapt_datetimefield_value(now), *scope, *scope, *scope],
        )
        cursor.execute(sql.scores_delete, scope)
        cursor.execute(SCORES_INSERT)
        if not postgresql:
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


# Each subject's organisation percentile (CONTRACT: the share of the cycle's subjects
# scoring at or below them, CUME_DIST), ranked over the whole cycle in the database and
# returned for one page of requests only: the window runs in the inner query over every
# score of the cycle, the page's filter in the outer one (filtering first would rank the
# page against itself). Written once for PostgreSQL and SQLite (3.25+ has window
# functions); the page's requests are one JSON array parameter. Static text.
_PERCENTILES = """
SELECT g.request_id, ranked.behaviour, ranked.pole, ranked.percentile
FROM (
    SELECT s.analysis_id, s.behaviour, s.pole,
           CUME_DIST() OVER (PARTITION BY s.behaviour, s.pole ORDER BY s.score) AS percentile
    FROM reports_subjectscore s
    WHERE s.cycle_id = %s
) AS ranked
JOIN reports_gapanalysis g ON g.id = ranked.analysis_id
{page}
"""


def subject_percentiles(*, cycle_id: int, request_ids: list[int] | None) -> list[tuple]:
    """(request id, behaviour, pole, cume_dist in (0, 1]) for these requests of the cycle
    (None: every request of the cycle)."""
    page = ""
    params: list = [cycle_id]
    if request_ids is not None:
        page = f"WHERE g.request_id IN ({_DIALECT[connection.vendor]['request_ids']})"
        params.append(json.dumps([int(i) for i in request_ids]))
    with connection.cursor() as cursor:
        cursor.execute(_PERCENTILES.format(page=page), params)
        return cursor.fetchall()

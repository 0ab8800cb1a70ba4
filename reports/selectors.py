"""Reads for reports: what rendering a gap analysis needs, staleness, team figures.

Each function answers for a batch of requests in one query. The aggregation of the
ratings themselves is in reports.sql.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Sequence
from fractions import Fraction

from django.conf import settings
from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce, Round

from accounts.models import Team
from accounts.selectors import person_for_user, person_line, user_is_hr
from core.errors import DomainError, not_found
from feedback.models import Comment, Cycle, FeedbackRequest, Item, Question, Rater, Rating
from feedback.selectors import cycles_in_reach
from feedback.vocabulary import BEHAVIOURS, GROUPS, OTHERS, POLES, RELATIONSHIPS, Relationship
from reports import sql
from reports.analysis import CommentRow, ItemInfo, r2, round_half_away
from reports.models import CommentFlag, Debrief, GapAnalysis, ResponseCount, SubjectScore

SUBMITTED = Rater.Status.SUBMITTED


def framework_items(*, framework_id: int) -> list[ItemInfo]:
    return [
        ItemInfo(id=i.id, behaviour=i.behaviour, pole=i.pole, text=i.rater_text)
        for i in Item.objects.filter(framework_id=framework_id).order_by("position")
    ]


def framework_question_order(*, framework_id: int) -> dict[int, int]:
    return dict(Question.objects.filter(framework_id=framework_id).values_list("id", "position"))


def submitted_comments(*, request_ids: Sequence[int]) -> dict[int, list[CommentRow]]:
    rows = (
        Comment.objects.filter(rater__request_id__in=request_ids, rater__status=SUBMITTED)
        .exclude(text="")
        .values_list(
            "rater__request_id",
            "question_id",
            "question__rater_text",
            "rater__relationship",
            "text",
        )
    )
    comments: dict[int, list[CommentRow]] = defaultdict(list)
    for request_id, question_id, question, group, text in rows:
        comments[request_id].append(CommentRow(question_id, question, group, text))
    return comments


def stale_request_ids(*, requests: QuerySet[FeedbackRequest]) -> list[int]:
    """Requests whose stored result is missing, reflects other answers than today's, or
    lacks a figure added since it was computed (never a frozen one)."""
    submitted = (
        Rater.objects.filter(request=OuterRef("pk"), status=SUBMITTED).order_by().values("request")
    )
    annotated = requests.annotate(
        current_count=Coalesce(Subquery(submitted.annotate(c=Count("id")).values("c")[:1]), 0),
        current_last=Subquery(submitted.annotate(m=Max("submitted_at")).values("m")[:1]),
    )
    stale = annotated.filter(
        Q(gap_analysis__isnull=True)
        | Q(gap_analysis__computed_at__isnull=True)
        | (
            Q(gap_analysis__frozen_at__isnull=True)
            & (
                ~Q(gap_analysis__submitted_count=F("current_count"))
                | ~Q(gap_analysis__last_submitted_at=F("current_last"))
                | Q(gap_analysis__last_submitted_at__isnull=True, current_last__isnull=False)
                # Computed before ``others_counted`` existed: recomputed to gain it.
                | Q(gap_analysis__others_counted__isnull=True)
            )
        )
    ).exclude(gap_analysis__frozen_at__isnull=False)
    return list(stale.values_list("id", flat=True))


def requests_with_results_visible_to(*, user) -> QuerySet[FeedbackRequest]:
    """Whose results the user may ask for: HR all; a person their own and their line's.

    Whether the cycle's state lets them read it yet is the results service's rule.
    """
    # An erased subject's report is gone for everyone; only their anonymous share of
    # released team figures remains (privacy.services.person_erase).
    requests = FeedbackRequest.objects.select_related("cycle", "subject").filter(
        subject__erased_at__isnull=True
    )
    if user_is_hr(user):
        return requests.all()
    person = person_for_user(user)
    if person is None:
        return requests.none()
    return requests.filter(
        Q(subject=person)
        | Q(subject__in=person_line(manager_id=person.id).values("id"))
        # A coach, for the subjects HR assigned them in a cycle with a debrief (issue 16).
        | Q(debrief__coach=person, cycle__debrief_before_release=True)
    )


def subject_percentiles(*, cycle_id: int, request_ids: Sequence[int] | None = None) -> dict:
    """(request id, behaviour, pole) -> percentile of the subject's ``others`` score within
    the organisation: the share of subjects scoring at or below it (CUME_DIST), in percent.

    Ranked in the database over the whole cycle; only the asked requests' rows come back
    (a page of the heatmap reads 500 rows, not the cycle's 100,000 at 10,000 subjects).
    """
    rows = sql.subject_percentiles(
        cycle_id=cycle_id, request_ids=None if request_ids is None else list(request_ids)
    )
    return {
        (request_id, behaviour, pole): round_half_away(percentile * 100, 1)
        for request_id, behaviour, pole, percentile in rows
    }


# --- team report -------------------------------------------------------------------------


def team_report_cycle_in_reach(*, user, cycle_id: int):
    """The cycle a team report is asked about, if it is in the reader's reach
    (``feedback.selectors.cycles_in_reach``); not found otherwise. The reading rules
    themselves (closed, released) are ``reports.services.cycle_results_opened``'s."""
    cycle = cycles_in_reach(user=user).filter(pk=cycle_id).first()
    if cycle is None:
        raise not_found()
    return cycle


def team_report_requests(*, user, cycle_id: int, team: str | None) -> QuerySet[FeedbackRequest]:
    """The requests a team report covers: the cycle's, within the user's line unless HR,
    within the team when one is named. An unknown team name is a 400, not an empty
    report, so a typo is not mistaken for a team without results."""
    requests = FeedbackRequest.objects.filter(cycle_id=cycle_id)
    if not user_is_hr(user):
        person = person_for_user(user)
        requests = requests.filter(subject__in=person_line(manager_id=person.id).values("id"))
    if team:
        if not Team.objects.filter(name__iexact=team).exists():
            raise DomainError(
                "No such team.", errors={"team": [f"Unknown team {team!r}."]}, code="invalid"
            )
        requests = requests.filter(subject__team__name__iexact=team)
    return requests.order_by("subject__name", "id")


# Heatmap columns a reader may sort by: the person's name, or one pole's others score.
HEATMAP_SORT_KEYS = ("name", *(f"{b}_{p}" for b in BEHAVIOURS for p in POLES))


def heatmap_order(
    requests: QuerySet[FeedbackRequest], *, key: str, descending: bool
) -> QuerySet[FeedbackRequest]:
    """The heatmap's rows in the reader's chosen order, in the database so the order
    holds across pages. A score sorts by its published value (two decimals), then by
    name: the order says nothing the figures shown do not. No score comes last."""
    if key not in HEATMAP_SORT_KEYS or key == "name":
        name = F("subject__name")
        return requests.order_by(name.desc() if descending else name.asc(), "id")
    behaviour, pole = key.split("_", 1)
    score = SubjectScore.objects.filter(
        analysis__request_id=OuterRef("pk"), behaviour=behaviour, pole=pole
    ).values("score")[:1]
    sort_score = F("sort_score")
    return requests.annotate(sort_score=Round(Subquery(score), 2)).order_by(
        sort_score.desc(nulls_last=True) if descending else sort_score.asc(nulls_last=True),
        "subject__name",
        "id",
    )


def _empty_behaviours() -> dict[str, dict[str, None]]:
    return {b: dict.fromkeys(POLES) for b in BEHAVIOURS}


def team_report_subjects(*, cycle_id: int, requests: Sequence[int]) -> list[dict]:
    """Per subject of one page: others' pole scores with their organisation percentile,
    the number of others' surveys and of the people counted in those scores. Three queries, whatever the page."""
    rows = list(
        FeedbackRequest.objects.filter(id__in=requests)
        .order_by("subject__name", "id")
        .values(
            "id",
            "subject_id",
            "subject__name",
            "subject__team__name",
            "gap_analysis__submitted_count",
            "gap_analysis__surveys",
            "gap_analysis__others_counted",
        )
    )
    scores: dict[int, dict] = defaultdict(_empty_behaviours)
    for request_id, behaviour, pole, score in SubjectScore.objects.filter(
        analysis__request_id__in=requests
    ).values_list("analysis__request_id", "behaviour", "pole", "score"):
        scores[request_id][behaviour][pole] = score
    percentiles = subject_percentiles(cycle_id=cycle_id, request_ids=requests)
    subjects = []
    for row in rows:
        figures = scores[row["id"]]
        subjects.append(
            {
                "request": row["id"],
                "subject": {
                    "id": row["subject_id"],
                    "name": row["subject__name"],
                    "team": row["subject__team__name"] or "",
                },
                # Surveys of everyone but self; kept for existing clients. The label of
                # the others' scores is others_counted: the people inside them (null for
                # a result frozen before it was recorded).
                "others_n": (row["gap_analysis__submitted_count"] or 0)
                - (row["gap_analysis__surveys"] or {}).get("self", 0),
                "others_counted": row["gap_analysis__others_counted"],
                "behaviours": [
                    {
                        "behaviour": behaviour,
                        **{
                            pole: None
                            if figures[behaviour][pole] is None
                            else {
                                "score": r2(figures[behaviour][pole]),
                                "percentile": percentiles.get((row["id"], behaviour, pole)),
                            }
                            for pole in POLES
                        },
                    }
                    for behaviour in BEHAVIOURS
                ],
            }
        )
    return subjects


def subject_score_means(
    *, requests: QuerySet[FeedbackRequest] | Sequence[int]
) -> dict[tuple[str, str], dict]:
    """(behaviour, pole) -> the mean of the subjects' ``others`` pole scores (each subject
    weighs the same, rounded once) and the number of subjects with a score, in one GROUP BY.

    The one team mean, for the team report, its pages and its files. Always over exactly
    the subjects the reader may see: a team mean that mixed in subjects outside a
    manager's line could be unpicked into their scores.
    """
    if isinstance(requests, QuerySet):
        requests = requests.values("id")
    rows = (
        SubjectScore.objects.filter(analysis__request_id__in=requests)
        .values("behaviour", "pole")
        .annotate(mean=Avg("score"), subjects=Count("id"))
        .order_by()
    )
    return {
        (row["behaviour"], row["pole"]): {"mean": r2(row["mean"]), "subjects": row["subjects"]}
        for row in rows
    }


def team_figures(*, requests: QuerySet[FeedbackRequest]) -> dict:
    """The team report's means (``subject_score_means``) per behaviour, every pole listed,
    with the number of subjects in the scope."""
    figures = _empty_behaviours()
    for (behaviour, pole), mean in subject_score_means(requests=requests).items():
        figures[behaviour][pole] = mean
    return {
        "subjects": requests.count(),
        "behaviours": [{"behaviour": b, **figures[b]} for b in BEHAVIOURS],
    }


def survey_counts(*, by: Sequence[str], **where) -> list[dict]:
    """Invited (given a link), submitted and declined surveys grouped by ``by``, one query.

    A request of a released cycle counts as frozen at release (``ResponseCount``); any other
    request (and a released one whose freezing task has not run yet: after close nothing
    changes a rater's status) counts live from its raters. ``where`` filters by request,
    with the same lookups on both (``request__in``, ``request_id__in``, ``request__cycle_id__in``).
    """
    frozen = ResponseCount.objects.filter(request_id=OuterRef("request_id"))
    live = (
        Rater.objects.filter(**where)
        .filter(~Exists(frozen))
        .values(*by)
        .annotate(
            # A withdrawn invitation (its rater was deactivated) was never answered and
            # is no longer expected: it counts as not invited, as a pending one.
            invited=Count(
                "id", filter=~Q(status__in=(Rater.Status.PENDING, Rater.Status.WITHDRAWN))
            ),
            submitted=Count("id", filter=Q(status=SUBMITTED)),
            declined=Count("id", filter=Q(status=Rater.Status.DECLINED)),
        )
        .order_by()
    )
    kept = (
        ResponseCount.objects.filter(**where)
        .values(*by)
        .annotate(invited=Sum("invited"), submitted=Sum("submitted"), declined=Sum("declined"))
        .order_by()
    )
    merged: dict[tuple, dict] = {}
    for row in live.union(kept, all=True):
        key = tuple(row[name] for name in by)
        if key in merged:
            for count in ("invited", "submitted", "declined"):
                merged[key][count] += row[count]
        else:
            merged[key] = dict(row)
    return list(merged.values())


def response_rates(*, requests: QuerySet[FeedbackRequest]) -> dict:
    """Invited (given a link), submitted and declined surveys per relationship.
    Raters never sent a link (pending) are not counted as invited."""
    rows = survey_counts(by=["relationship"], request__in=requests.values("id"))
    rates = {r: {"invited": 0, "submitted": 0, "declined": 0, "rate": None} for r in RELATIONSHIPS}
    for row in rows:
        rates[row["relationship"]].update(
            invited=row["invited"], submitted=row["submitted"], declined=row["declined"]
        )
    total = {
        key: sum(rates[r][key] for r in RELATIONSHIPS)
        for key in ("invited", "submitted", "declined")
    }
    total["rate"] = None
    for counts in (*rates.values(), total):
        if counts["invited"]:
            counts["rate"] = round_half_away(
                Fraction(100 * counts["submitted"], counts["invited"]), 1
            )
    return {"relationships": rates, "total": total}


# --- dashboards --------------------------------------------------------------------------


def requests_followed_by(*, user) -> QuerySet[FeedbackRequest]:
    """The requests on a manager's page: those they made, and those about their line."""
    if not user.is_authenticated:
        return FeedbackRequest.objects.none()
    condition = Q(requested_by=user)
    person = person_for_user(user)
    if person is not None:
        condition |= Q(subject__in=person_line(manager_id=person.id).values("id"))
    return (
        FeedbackRequest.objects.filter(condition)
        .select_related("cycle", "subject__team")
        .order_by("-cycle__created_at", "subject__name", "id")
    )


def response_rates_by_team(*, cycle_ids: Sequence[int]) -> dict[int, list[dict]]:
    """cycle id -> [{team, invited, submitted, declined, rate}] by team name, one query.
    Counted live from the raters, so HR watches a cycle fill while it is open; frozen at
    release (``survey_counts``)."""
    team = "request__subject__team__name"
    rows = survey_counts(by=["request__cycle_id", team], request__cycle_id__in=list(cycle_ids))
    rows = sorted(
        (row for row in rows if row["invited"]),
        key=lambda row: (row["request__cycle_id"], row[team] is None, row[team] or ""),
    )
    rates: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        rates[row["request__cycle_id"]].append(
            {
                "team": row["request__subject__team__name"] or "No team",
                "invited": row["invited"],
                "submitted": row["submitted"],
                "declined": row["declined"],
                "rate": round_half_away(Fraction(100 * row["submitted"], row["invited"]), 0)
                if row["invited"]
                else 0,
            }
        )
    return rates


def response_counts(*, request_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """request id -> {"invited", "submitted"}: raters asked (beyond pending) and answered,
    frozen at release (``survey_counts``). Counts of surveys, never of ratings, so they are
    published whatever their size."""
    rows = survey_counts(by=["request_id"], request_id__in=list(request_ids))
    return {
        row["request_id"]: {"invited": row["invited"], "submitted": row["submitted"]}
        for row in rows
    }


def others_item_means(*, request_ids: Sequence[int]) -> dict[int, dict[int, Fraction]]:
    """request id -> item id -> the exact ``others`` mean, from the stored cells (frozen
    with the document once released), so a team mean of items is computed from exact
    values and rounded once, not averaged from rounded figures."""
    # Each cell lists count, sum and sum of squares per group, in the vocabulary's order.
    start = 3 * GROUPS.index(OTHERS)
    means: dict[int, dict[int, Fraction]] = {}
    for request_id, raw in GapAnalysis.objects.filter(
        request_id__in=request_ids, cells__isnull=False
    ).values_list("request_id", "cells"):
        means[request_id] = {
            int(item_id): Fraction(int(numbers[start + 1]), int(numbers[start]))
            for item_id, numbers in json.loads(raw).items()
            if numbers[start]
        }
    return means


def earlier_released_documents(
    *, subject_ids: Sequence[int], exclude_request_ids: Sequence[int]
) -> list[dict]:
    """Every frozen, released result of these subjects (one query): the earlier cycles a
    report may be compared with (issue 16). Each row: request, subject id, the cycle's
    id, name and closing date, and the stored document as published. Erased results are
    left out (their document is a stub)."""
    rows = (
        GapAnalysis.objects.filter(
            request__subject_id__in=list(subject_ids),
            request__cycle__status=Cycle.Status.RELEASED,
            request__subject__erased_at__isnull=True,
            frozen_at__isnull=False,
            data__isnull=False,
        )
        .exclude(request_id__in=list(exclude_request_ids))
        .values(
            "request_id",
            "request__subject_id",
            "request__cycle_id",
            "request__cycle__name",
            "request__cycle__closes_at",
            "request__cycle__released_at",
            "data",
        )
        .order_by("-request__cycle__closes_at", "-request__cycle_id")
    )
    return [row for row in rows if not row["data"].get("erased")]


def item_keys(*, item_ids: Sequence[int]) -> dict[int, str]:
    """item id -> stable key (``Item.key``), in one query."""
    return dict(Item.objects.filter(id__in=list(item_ids)).values_list("id", "key"))


# --- Comments to review (issue 16) ---------------------------------------------------------


def comment_flags(*, cycle_id: int, status: str | None = None) -> QuerySet[CommentFlag]:
    """A cycle's flagged comments, those to review first, then by subject. The rater row
    is joined for the group only: nothing shown of a flag names its writer."""
    flags = CommentFlag.objects.filter(cycle_id=cycle_id)
    if status:
        flags = flags.filter(status=status)
    return flags.select_related("comment__question", "comment__rater", "request__subject").order_by(
        Case(When(status=CommentFlag.Status.PENDING, then=0), default=1),
        "request__subject__name",
        "id",
    )


def comment_flags_pending_counts(*, cycle_ids: Sequence[int]) -> dict[int, int]:
    """cycle id -> flagged comments still to review, in one query."""
    rows = (
        CommentFlag.objects.filter(cycle_id__in=list(cycle_ids), status=CommentFlag.Status.PENDING)
        .values("cycle_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["cycle_id"]: row["n"] for row in rows}


# --- Response quality, for HR, per cycle and in aggregate only (issue 16) ----------------
# Never per rater, never per subject: every figure below is a count over the whole cycle,
# shown only when it covers at least k surveys (docs/gap-analysis.md, "Response quality").

# Upper bounds (minutes) of the time-to-answer buckets; the last bucket is open-ended.
TIME_TO_ANSWER_BUCKETS = (5, 10, 20, 60, 24 * 60)
PERCENTILES = (("p25", 25), ("median", 50), ("p75", 75))


def _percent(part: int, whole: int) -> float | None:
    return round_half_away(Fraction(100 * part, whole), 1) if whole else None


def _minutes(duration) -> float:
    return round_half_away(Fraction(int(duration.total_seconds() * 1_000_000), 60_000_000), 1)


def _bucket_label(low: int | None, high: int | None) -> str:
    def words(minutes: int) -> str:
        if minutes >= 60 and minutes % 60 == 0:
            hours = minutes // 60
            return f"{hours} hour{'s' if hours != 1 else ''}"
        return f"{minutes} minutes"

    if low is None:
        return f"under {words(high)}"
    if high is None:
        return f"{words(low)} or more"
    return f"{words(low)} to {words(high)}"


def cycle_response_quality(*, cycle) -> dict:
    """The cycle's response quality: each statement's share of "can't say", how many
    surveys gave the same rating to every statement (straight-lining), and how long
    surveys took from first opening to submitting. Submitted surveys only; five queries
    (plus three for the percentiles), whatever the cycle's size.

    Each figure carries its ``n`` and is hidden (``shown`` false, figures null) below k
    surveys: see docs/gap-analysis.md for why none can single out a rater.
    """
    k = cycle.min_anonymous_raters
    threshold = settings.QUESTIONNAIRE_REVIEW_CANT_SAY_PERCENT
    submitted = Rater.objects.filter(request__cycle_id=cycle.id, status=SUBMITTED)
    ratings = Rating.objects.filter(rater__request__cycle_id=cycle.id, rater__status=SUBMITTED)

    # "Can't say" per statement, over every submitted answer (self-assessments included:
    # a statement people cannot rate about themselves needs rewording as much).
    totals = submitted.aggregate(
        surveys=Count("id"), rater_surveys=Count("id", filter=~Q(relationship=Relationship.SELF))
    )
    surveys = totals["surveys"]
    cant_say_shown = surveys >= k
    items = []
    if cant_say_shown and cycle.framework_id is not None:
        counts = {
            row["item_id"]: row
            for row in ratings.values("item_id")
            .annotate(answers=Count("id"), cant_say=Count("id", filter=Q(value__isnull=True)))
            .order_by()
        }
        for item in framework_items(framework_id=cycle.framework_id):
            row = counts.get(item.id, {"answers": 0, "cant_say": 0})
            share = _percent(row["cant_say"], row["answers"])
            items.append(
                {
                    "id": item.id,
                    "behaviour": item.behaviour,
                    "pole": item.pole,
                    "text": item.text,
                    "answers": row["answers"],
                    "cant_say": row["cant_say"],
                    "share": share,
                    # Compared exactly, not on the rounded share.
                    "review": bool(row["answers"])
                    and 100 * row["cant_say"] >= threshold * row["answers"],
                }
            )

    # Straight-lining: a rater's survey (self-assessments excluded: the subject's view of
    # themself is not a rater's care in answering) whose statements all got a rating, the
    # same one. "Can't say" is not a rating, so a survey with one is never counted.
    rater_surveys = totals["rater_surveys"]
    straight_shown = rater_surveys >= k
    straight = None
    if straight_shown:
        straight = (
            ratings.exclude(rater__relationship=Relationship.SELF)
            .values("rater_id")
            .annotate(
                answers=Count("id"), rated=Count("value"), low=Min("value"), high=Max("value")
            )
            .filter(answers__gte=2, rated=F("answers"), low=F("high"))
            .order_by()
            .count()
        )

    # Time to answer: first opening to submitting, for the surveys whose opening was
    # recorded (every relationship).
    timed = submitted.filter(first_opened_at__isnull=False, submitted_at__isnull=False).annotate(
        duration=ExpressionWrapper(
            F("submitted_at") - F("first_opened_at"), output_field=DurationField()
        )
    )
    bounds = [None, *TIME_TO_ANSWER_BUCKETS, None]
    aggregates = {"n": Count("id")}
    for index in range(len(bounds) - 1):
        low, high = bounds[index], bounds[index + 1]
        condition = Q()
        if low is not None:
            condition &= Q(duration__gte=datetime.timedelta(minutes=low))
        if high is not None:
            condition &= Q(duration__lt=datetime.timedelta(minutes=high))
        aggregates[f"bucket_{index}"] = Count("id", filter=condition)
    timing = timed.aggregate(**aggregates)
    timed_n = timing["n"]
    time_shown = timed_n >= k
    buckets = percentiles = None
    if time_shown:
        buckets = [
            {
                "label": _bucket_label(bounds[index], bounds[index + 1]),
                "from_minutes": bounds[index] or 0,
                "to_minutes": bounds[index + 1],
                "count": timing[f"bucket_{index}"],
            }
            for index in range(len(bounds) - 1)
        ]
        # Nearest-rank percentiles, each one row read by the database at its offset.
        ordered = timed.order_by("duration", "id").values_list("duration", flat=True)
        percentiles = {
            name: _minutes(ordered[max(0, -(-rank * timed_n // 100) - 1)])
            for name, rank in PERCENTILES
        }

    return {
        "cycle": {"id": cycle.id, "name": cycle.name, "status": cycle.status},
        "min_anonymous_raters": k,
        "surveys": surveys,
        "cant_say": {
            "shown": cant_say_shown,
            "n": surveys,
            "review_threshold_percent": threshold,
            "items": items if cant_say_shown else None,
            "review": [item["id"] for item in items if item["review"]] if cant_say_shown else None,
        },
        "straight_lining": {
            "shown": straight_shown,
            "n": rater_surveys,
            "count": straight,
            "share": _percent(straight, rater_surveys) if straight_shown else None,
        },
        "time_to_answer": {
            "shown": time_shown,
            "n": timed_n,
            "buckets": buckets,
            "percentiles_minutes": percentiles,
        },
    }


# --- Coaches' debriefs (issue 16) ---------------------------------------------------------


def debriefs_for_coach(*, person, debriefs: QuerySet[Debrief] | None = None) -> QuerySet[Debrief]:
    """The reports this person was asked to debrief: cycles run with a debrief, subjects
    not erased, cycles past their draft."""
    if debriefs is None:
        debriefs = Debrief.objects.select_related("request__cycle", "request__subject")
    return debriefs.filter(
        coach=person,
        request__cycle__debrief_before_release=True,
        request__subject__erased_at__isnull=True,
    ).exclude(request__cycle__status=Cycle.Status.DRAFT)


def debrief_rows(*, cycle) -> QuerySet[FeedbackRequest]:
    """HR's coach assignment page: every subject of the cycle with their coach, if any."""
    return (
        FeedbackRequest.objects.filter(cycle=cycle, subject__erased_at__isnull=True)
        .select_related("subject", "debrief__coach")
        .order_by("subject__name", "id")
    )


def requests_released_early(*, request_ids: Sequence[int]) -> set[int]:
    """Of these requests, those a coach released to their subject."""
    return set(
        Debrief.objects.filter(pk__in=list(request_ids), released_at__isnull=False).values_list(
            "pk", flat=True
        )
    )

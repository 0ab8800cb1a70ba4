"""Reads for reports: the per-group aggregates the gap analysis is computed from.

Each function answers for a batch of requests in one query, so recomputing a whole
cycle costs a handful of queries per chunk, whatever the number of ratings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Avg, Count, F, Max, OuterRef, Q, QuerySet, Subquery, Sum, Window
from django.db.models.functions import Coalesce, CumeDist

from feedback.models import Comment, FeedbackRequest, Item, Question, Rater, Rating
from reports.analysis import CommentRow, ItemInfo, Stat
from reports.models import GapAnalysis, SubjectScore

SUBMITTED = Rater.Status.SUBMITTED


def framework_items(*, framework_id: int) -> list[ItemInfo]:
    return [
        ItemInfo(id=i.id, behaviour=i.behaviour, pole=i.pole, text=i.rater_text)
        for i in Item.objects.filter(framework_id=framework_id).order_by("position")
    ]


def framework_question_order(*, framework_id: int) -> dict[int, int]:
    return dict(Question.objects.filter(framework_id=framework_id).values_list("id", "position"))


def rating_stats(*, request_ids: Sequence[int]) -> dict[int, dict[tuple[int, str], Stat]]:
    """request id -> (item id, group) -> Stat of the submitted, non-null ratings. One GROUP BY."""
    rows = (
        Rating.objects.filter(
            rater__request_id__in=request_ids, rater__status=SUBMITTED, value__isnull=False
        )
        .values("rater__request_id", "item_id", "rater__relationship")
        .annotate(n=Count("value"), total=Sum("value"), squares=Sum(F("value") * F("value")))
        .order_by()
    )
    stats: dict[int, dict[tuple[int, str], Stat]] = defaultdict(dict)
    for row in rows:
        stats[row["rater__request_id"]][row["item_id"], row["rater__relationship"]] = Stat(
            row["n"], row["total"], row["squares"]
        )
    return stats


def survey_counts(*, request_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """request id -> group -> submitted surveys."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        Rater.objects.filter(request_id__in=request_ids, status=SUBMITTED)
        .values("request_id", "relationship")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["request_id"]][row["relationship"]] = row["n"]
    return counts


def answers_reflected(*, request_ids: Sequence[int]) -> dict[int, tuple[int, object]]:
    """request id -> (submitted surveys, latest submission time): what a result reflects."""
    rows = (
        FeedbackRequest.objects.filter(id__in=request_ids)
        .annotate(
            submitted=Count("raters", filter=Q(raters__status=SUBMITTED)),
            last=Max("raters__submitted_at", filter=Q(raters__status=SUBMITTED)),
        )
        .values_list("id", "submitted", "last")
    )
    return {request_id: (submitted, last) for request_id, submitted, last in rows}


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
    """Requests whose stored result is missing or reflects other answers than today's."""
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
            )
        )
    ).exclude(gap_analysis__frozen_at__isnull=False)
    return list(stale.values_list("id", flat=True))


def gap_analysis_for(*, request: FeedbackRequest) -> GapAnalysis | None:
    return GapAnalysis.objects.filter(request=request, computed_at__isnull=False).first()


def requests_with_results_visible_to(*, user) -> QuerySet[FeedbackRequest]:
    """Whose results the user may ask for: HR all; a person their own and their line's.

    Whether the cycle's state lets them read it yet is the results service's rule.
    """
    from accounts.selectors import person_for_user, person_line, user_is_hr

    requests = FeedbackRequest.objects.select_related("cycle", "subject")
    if user_is_hr(user):
        return requests.all()
    person = person_for_user(user)
    if person is None:
        return requests.none()
    return requests.filter(
        Q(subject=person) | Q(subject__in=person_line(manager_id=person.id).values("id"))
    )


def team_scores(*, cycle_id: int, team: str | None = None) -> list[dict]:
    """Per behaviour and pole: the mean of subjects' ``others`` scores, each subject
    weighing the same, with the number of subjects. The whole organisation when team is None."""
    scores = SubjectScore.objects.filter(cycle_id=cycle_id)
    if team is not None:
        scores = scores.filter(team_name__iexact=team)
    return list(
        scores.values("behaviour", "pole")
        .annotate(mean=Avg("score"), subjects=Count("id"))
        .order_by("behaviour", "pole")
    )


def subject_percentiles(*, cycle_id: int, request_ids: Sequence[int] | None = None) -> dict:
    """(request id, behaviour, pole) -> percentile of the subject's ``others`` score within
    the organisation: the share of subjects scoring at or below it (CUME_DIST), in percent."""
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
        (request_id, behaviour, pole): round(percentile * 100, 1)
        for request_id, behaviour, pole, percentile in ranked
        if wanted is None or request_id in wanted
    }


# --- Exports ------------------------------------------------------------------------


def exports_visible_to(*, user) -> QuerySet:
    """HR sees every export still kept; anyone else the exports they started."""
    from django.utils import timezone

    from accounts.selectors import user_is_hr
    from reports.models import Export

    exports = Export.objects.filter(expires_at__gt=timezone.now()).select_related(
        "cycle", "team", "request__subject"
    )
    if user_is_hr(user):
        return exports
    if not user.is_authenticated:
        return exports.none()
    return exports.filter(requested_by=user)


def requests_in_reach(
    *, cycle_id: int, team_id: int | None = None, line_of_id: int | None = None
) -> QuerySet[FeedbackRequest]:
    """The requests a team or bundle export covers: a cycle, optionally one team, and for a
    manager only the people in their line (at any depth)."""
    from accounts.selectors import person_line

    requests = FeedbackRequest.objects.filter(cycle_id=cycle_id)
    if team_id is not None:
        requests = requests.filter(subject__team_id=team_id)
    if line_of_id is not None:
        requests = requests.filter(subject__in=person_line(manager_id=line_of_id).values("id"))
    return requests


def response_counts(*, request_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """request id -> {"invited", "submitted"}: raters asked (beyond pending) and answered.
    Counts of surveys, never of ratings, so they are published whatever their size."""
    rows = (
        Rater.objects.filter(request_id__in=request_ids)
        .values("request_id")
        .annotate(
            invited=Count("id", filter=~Q(status=Rater.Status.PENDING)),
            submitted=Count("id", filter=Q(status=SUBMITTED)),
        )
        .order_by()
    )
    return {
        row["request_id"]: {"invited": row["invited"], "submitted": row["submitted"]}
        for row in rows
    }


def scope_scores(*, request_ids: Sequence[int]) -> list[dict]:
    """Like ``team_scores`` for any set of subjects: the mean of the subjects' ``others``
    pole scores per behaviour and pole, each subject weighing the same, in one GROUP BY."""
    return list(
        SubjectScore.objects.filter(analysis__request_id__in=request_ids)
        .values("behaviour", "pole")
        .annotate(mean=Avg("score"), subjects=Count("id"))
        .order_by("behaviour", "pole")
    )

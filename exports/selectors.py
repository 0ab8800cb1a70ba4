"""Reads for exports: who sees which export, and which requests a file covers."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Team
from accounts.selectors import person_for_user, person_line, user_is_hr
from exports.models import Export
from feedback.models import Cycle, FeedbackRequest
from feedback.selectors import cycles_in_reach, requests_listed


def exports_visible_to(*, user) -> QuerySet:
    """HR sees every export still kept; anyone else the exports they started."""
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
    requests = FeedbackRequest.objects.filter(cycle_id=cycle_id)
    if team_id is not None:
        requests = requests.filter(subject__team_id=team_id)
    if line_of_id is not None:
        requests = requests.filter(subject__in=person_line(manager_id=line_of_id).values("id"))
    return requests


def export_choices(*, user) -> tuple[QuerySet[FeedbackRequest], QuerySet[Team]]:
    """The people (one row per request: a person in a cycle) and the teams the exports
    page offers, by ``export_create``'s reach rules: requests of the cycles the reader may
    export (HR's closed and released ones, a manager's released ones), a manager only
    their line's; erased subjects are not listed. The teams are those with such a request."""
    cycles = cycles_in_reach(user=user).filter(
        status__in=[Cycle.Status.CLOSED, Cycle.Status.RELEASED]
    )
    requests = requests_listed(FeedbackRequest.objects.filter(cycle__in=cycles))
    if not user_is_hr(user):
        person = person_for_user(user)
        if person is None:
            return FeedbackRequest.objects.none(), Team.objects.none()
        requests = requests.filter(subject__in=person_line(manager_id=person.id).values("id"))
    teams = Team.objects.filter(members__feedback_requests__in=requests.values("id")).distinct()
    return requests.select_related("subject", "cycle").order_by("subject__name", "-cycle_id"), teams

"""Reads for exports: who sees which export, and which requests a file covers."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from accounts.selectors import person_line, user_is_hr
from exports.models import Export
from feedback.models import FeedbackRequest


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

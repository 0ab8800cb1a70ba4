"""Two released cycles of one subject, for the change-since-last-cycle tests (issue 16)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from feedback.models import Cycle
from reports.services import cycle_recompute, cycle_results_freeze
from tests.reports.builders import items_of, new_request, open_cycle, respond


def release_frozen(cycle: Cycle, *, closes_days_ago: int) -> Cycle:
    """Close, release and freeze a cycle as the release task does, closing it
    ``closes_days_ago`` days ago (which orders the cycles)."""
    cycle_recompute(cycle_id=cycle.id)
    Cycle.objects.filter(pk=cycle.pk).update(
        status=Cycle.Status.RELEASED,
        closes_at=timezone.now() - datetime.timedelta(days=closes_days_ago),
        released_at=timezone.now(),
    )
    cycle_results_freeze(cycle_id=cycle.id)
    cycle.refresh_from_db()
    return cycle


def answered(cycle: Cycle, subject, groups: dict[str, list]) -> object:
    """A request of ``subject`` answered by ``groups``: relationship -> list of raters,
    each rater a function (item) -> rating (or a plain value for every item)."""
    request = new_request(cycle, subject=subject)
    items = items_of(cycle)
    for relationship, raters in groups.items():
        for rate in raters:
            ratings = {item.id: rate(item) if callable(rate) else rate for item in items}
            respond(request, relationship, ratings)
    return request


def vision_leadership(value, otherwise):
    """A rater who gives ``value`` to the vision leadership statements, ``otherwise`` else."""

    def rate(item):
        if item.behaviour == "vision" and item.pole == "leadership":
            return value
        return otherwise

    return rate


def two_cycles(subject, *, k: int = 3, earlier: dict, later: dict, later_cycle=None):
    """The earlier cycle (closed 200 days ago) and the later one (10 days ago), both
    released and frozen; returns (earlier request, later request)."""
    first = open_cycle(k=k)
    before = answered(first, subject, earlier)
    release_frozen(first, closes_days_ago=200)
    second = later_cycle or open_cycle(k=k)
    now = answered(second, subject, later)
    release_frozen(second, closes_days_ago=10)
    return before, now

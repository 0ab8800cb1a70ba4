"""Response counts are frozen at release, so a released response rate never moves."""

import pytest

from feedback.models import Cycle, Rater
from reports import selectors
from reports.models import ResponseCount
from reports.services import cycle_recompute, cycle_results_freeze, response_counts_freeze
from tests.reports.builders import items_of, new_request, open_cycle, respond

pytestmark = pytest.mark.django_db


@pytest.fixture
def released():
    cycle = open_cycle(k=2)
    request = new_request(cycle)
    everything = {item.id: 3 for item in items_of(cycle)}
    respond(request, "boss", everything)
    respond(request, "peer", everything)
    respond(request, "peer", {}, status=Rater.Status.DECLINED)
    respond(request, "peer", {}, status=Rater.Status.INVITED)
    respond(request, "other", {}, status=Rater.Status.PENDING)
    cycle_recompute(cycle_id=cycle.id)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.RELEASED)
    return cycle, request


def test_it_freezes_each_relationship_once_and_reads_the_frozen_counts(released):
    cycle, request = released
    live = selectors.response_rates(requests=cycle.requests.all())
    cycle_results_freeze(cycle_id=cycle.id)
    assert response_counts_freeze(cycle_id=cycle.id) == 0  # idempotent
    frozen = {
        r.relationship: (r.invited, r.submitted, r.declined)
        for r in ResponseCount.objects.filter(request=request)
    }
    # Worked by hand: boss 1 of 1; peers 1 answered, 1 declined, 1 waiting; the pending
    # "other" was never sent a link, so it is not invited.
    assert frozen == {"boss": (1, 1, 0), "peer": (3, 1, 1), "other": (0, 0, 0)}

    # The raters go (as erasure deletes them): the released rates do not move.
    Rater.objects.filter(request=request).delete()
    assert selectors.response_rates(requests=cycle.requests.all()) == live
    assert live["relationships"]["peer"] == {
        "invited": 3,
        "submitted": 1,
        "declined": 1,
        "rate": 33.3,
    }
    assert selectors.response_counts(request_ids=[request.id]) == {
        request.id: {"invited": 4, "submitted": 2}
    }
    assert selectors.response_rates_by_team(cycle_ids=[cycle.id])[cycle.id][0]["invited"] == 4

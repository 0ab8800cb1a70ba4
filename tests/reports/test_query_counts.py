"""Every list and read endpoint costs the same number of queries at two data sizes."""

import pytest
from rest_framework.test import APIClient

from feedback.models import Cycle
from reports.services import cycle_recompute
from tests.factories import PersonFactory, TeamFactory, person_with_login
from tests.reports.builders import invited, items_of, new_request, open_cycle, respond

pytestmark = pytest.mark.django_db


def build():
    team = TeamFactory(name="Product")
    hr = person_with_login(email="hr@example.com", hr=True)
    boss = person_with_login(email="boss@example.com", team=team)
    released, current = open_cycle(k=2), open_cycle(k=2)
    big = new_request(current, subject=boss)
    big.requested_by = boss.user
    big.save()
    return {
        "hr": hr,
        "boss": boss,
        "team": team,
        "released": released,
        "current": current,
        "big": big,
    }


def grow(world, size: int):
    """``size`` more people under the manager, each answered in the released cycle and
    asked about in the open one, and ``size`` more raters of each kind on one request."""
    released, current = world["released"], world["current"]
    for _ in range(size):
        person = PersonFactory(team=world["team"], manager=world["boss"])
        request = new_request(released, subject=person)
        respond(request, "boss", {item.id: 3 for item in items_of(released)})
        new_request(current, subject=person)
        respond(world["big"], "peer", {item.id: 4 for item in items_of(current)})
        invited(world["big"], "direct_report")
    cycle_recompute(cycle_id=released.id)
    Cycle.objects.filter(pk=released.pk).update(status=Cycle.Status.RELEASED)


def urls(world):
    first = world["released"].requests.order_by("id").first()
    return [
        ("hr", "/api/v1/people/"),
        ("boss", "/api/v1/people/"),
        ("hr", "/api/v1/cycles/"),
        ("hr", f"/api/v1/requests/{world['big'].id}/"),
        ("hr", f"/api/v1/requests/{world['big'].id}/raters/"),
        ("hr", f"/api/v1/requests/{world['big'].id}/progress/"),
        ("boss", f"/api/v1/requests/{first.id}/results/"),
        ("boss", f"/api/v1/cycles/{world['released'].id}/team-report/"),
    ]


def measure(world) -> dict[str, int]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = {}
    for role, url in urls(world):
        client = APIClient()
        # A fresh user each time: the HR check is cached on the user object.
        client.force_authenticate(get_user_model().objects.get(pk=world[role].user.pk))
        # The first results read also marks the cycle read: warm up, then count.
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        result[f"{role} GET {url}"] = len(queries)
    return result


def test_it_runs_the_same_queries_for_3_and_for_25_of_everything():
    world = build()
    grow(world, 3)
    small = measure(world)
    grow(world, 22)
    large = measure(world)
    assert large == small
    assert max(small.values()) <= 15, small

"""Hostile query parameters on the dashboards (issue 12): a 400 page that says which
parameter is wrong, never a 500."""

import pytest
from django.test import Client

from tests.factories import TeamFactory, person_with_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    team = TeamFactory(name="Product")
    boss = person_with_login(email="boss@example.com", name="Bo", team=team)
    person_with_login(email="sam@example.com", name="Sam", manager=boss, team=team)
    hr = person_with_login(email="hr@example.com", name="Hana", hr=True, team=None)
    return {"boss": boss, "hr": hr}


def get_as(person, url, params):
    client = Client(raise_request_exception=False)
    client.force_login(person.user)
    return client.get(url, params)


@pytest.mark.parametrize("value", ["abc", "3.5", "9" * 5000, "\x00", "-1", "١"])
@pytest.mark.parametrize(
    "who, url", [("boss", "/reports/manager/"), ("hr", "/reports/hr/")], ids=["manager", "hr"]
)
def test_the_dashboards_refuse_a_cycle_that_is_not_an_id(people, who, url, value):
    response = get_as(people[who], url, {"cycle": value})
    assert response.status_code == 400
    assert "cycle" in response.content.decode()


@pytest.mark.parametrize(
    "who, url", [("boss", "/reports/manager/"), ("hr", "/reports/hr/")], ids=["manager", "hr"]
)
def test_the_dashboards_still_take_no_cycle_or_an_unknown_one(people, who, url):
    assert get_as(people[who], url, {}).status_code == 200
    assert get_as(people[who], url, {"cycle": ""}).status_code == 200
    assert get_as(people[who], url, {"cycle": "123456"}).status_code == 200

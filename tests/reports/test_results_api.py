"""GET /requests/{id}/results/: who reads, when, and what reading locks."""

import pytest
from rest_framework.test import APIClient

from feedback.models import Cycle
from reports.services import cycle_results_freeze
from tests.factories import PersonFactory, person_with_login
from tests.reports.builders import items_of, new_request, open_cycle, respond

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    ceo = person_with_login(email="ceo@example.com", name="Cleo", team=None)
    boss = person_with_login(email="boss@example.com", name="Bo", manager=ceo)
    subject = person_with_login(email="sub@example.com", name="Sam", manager=boss)
    peer = person_with_login(email="peer@example.com", name="Pat", manager=boss)
    hr = person_with_login(email="hr@example.com", name="Hana", hr=True)
    outsider = person_with_login(email="out@example.com", name="Otto")
    PersonFactory(email="nologin@example.com")
    return {
        "ceo": ceo,
        "boss": boss,
        "subject": subject,
        "peer": peer,
        "hr": hr,
        "outsider": outsider,
    }


@pytest.fixture
def answered(people):
    cycle = open_cycle(k=3)
    item = items_of(cycle)[0]
    request = new_request(cycle, subject=people["subject"])
    respond(request, "self", {item.id: 4})
    respond(request, "boss", {item.id: 2})
    return cycle, request


def get(person, request):
    client = APIClient()
    if person is not None:
        client.force_authenticate(person.user)
    return client.get(f"/api/v1/requests/{request.id}/results/")


def set_status(cycle, status):
    Cycle.objects.filter(pk=cycle.pk).update(status=status)
    cycle.refresh_from_db()


def test_it_refuses_everyone_while_the_cycle_is_open(people, answered):
    cycle, request = answered
    for who in ("hr", "subject", "boss"):
        response = get(people[who], request)
        assert response.status_code == 409, who
        assert "while the cycle is open" in response.json()["detail"]
    cycle.refresh_from_db()
    assert cycle.results_read_at is None


def test_it_lets_only_hr_read_a_closed_cycle_and_marks_it_read(people, answered):
    cycle, request = answered
    set_status(cycle, Cycle.Status.CLOSED)
    assert get(people["subject"], request).status_code == 409
    assert get(people["boss"], request).status_code == 409
    cycle.refresh_from_db()
    assert cycle.results_read_at is None
    response = get(people["hr"], request)
    assert response.status_code == 200
    body = response.json()
    assert body["request"] == request.id and body["subject"]["name"] == "Sam"
    assert body["items"][0]["scores"]["boss"] == {"mean": 2.0, "n": 1, "sd": None}
    assert body["blind_spots"] == [body["items"][0]["id"]]
    cycle.refresh_from_db()
    assert cycle.results_read_at is not None


def test_it_lets_the_subject_and_every_manager_above_read_once_released(people, answered):
    cycle, request = answered
    set_status(cycle, Cycle.Status.RELEASED)
    for who in ("subject", "boss", "ceo", "hr"):
        assert get(people[who], request).status_code == 200, who


def test_it_hides_results_from_peers_outsiders_and_anonymous_clients(people, answered):
    cycle, request = answered
    set_status(cycle, Cycle.Status.RELEASED)
    assert get(people["peer"], request).status_code == 404
    assert get(people["outsider"], request).status_code == 404
    assert get(None, request).status_code == 401


def test_it_never_changes_released_figures(people, answered):
    cycle, request = answered
    set_status(cycle, Cycle.Status.CLOSED)
    cycle_results_freeze(cycle_id=cycle.id)
    set_status(cycle, Cycle.Status.RELEASED)
    before = get(people["subject"], request).json()
    # A late answer slipping in (an admin edit, say) must not move a released figure.
    respond(request, "boss", {items_of(cycle)[0].id: 5})
    after = get(people["subject"], request).json()
    assert after == before

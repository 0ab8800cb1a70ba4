"""GET /cycles/{id}/team-report/: who reads it, its figures worked by hand, its cost."""

import pytest
from rest_framework.test import APIClient

from feedback.models import Cycle, Rater
from reports.services import cycle_recompute
from tests.factories import PersonFactory, TeamFactory, person_with_login
from tests.reports.builders import items_of, new_request, open_cycle, respond

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(db):
    product, sales = TeamFactory(name="Product"), TeamFactory(name="Sales")
    ceo = person_with_login(email="ceo@example.com", name="Cleo", team=None)
    bo = person_with_login(email="bo@example.com", name="Bo", manager=ceo, team=product)
    sue = person_with_login(email="sue@example.com", name="Sue", manager=ceo, team=sales)
    ann = person_with_login(email="ann@example.com", name="Ann", manager=bo, team=product)
    ben = person_with_login(email="ben@example.com", name="Ben", manager=bo, team=product)
    cal = person_with_login(email="cal@example.com", name="Cal", manager=sue, team=sales)
    hr = person_with_login(email="hr@example.com", name="Hana", hr=True, team=None)
    return {"ceo": ceo, "bo": bo, "sue": sue, "ann": ann, "ben": ben, "cal": cal, "hr": hr}


def everything(cycle, value):
    return {item.id: value for item in items_of(cycle)}


@pytest.fixture
def cycle(org):
    """Ann's boss rates every item 4, Ben's 2, Cal's 5: others' pole scores are those values.

    Product (Ann, Ben) means 3.0; the organisation (with Cal, Sales) 11/3 = 3.67: a mean
    that let Cal in where he is out of scope would show, not only in the subject count.
    """
    cycle = open_cycle(k=2)
    for name, value in (("ann", 4), ("ben", 2), ("cal", 5)):
        request = new_request(cycle, subject=org[name])
        respond(request, "boss", everything(cycle, value))
        respond(request, "self", everything(cycle, 5))
    ann_request = cycle.requests.get(subject=org["ann"])
    respond(ann_request, "peer", {}, status=Rater.Status.DECLINED)
    respond(ann_request, "peer", {}, status=Rater.Status.INVITED)
    respond(ann_request, "peer", {}, status=Rater.Status.PENDING)
    cycle_recompute(cycle_id=cycle.id)
    return cycle


def set_status(cycle, status):
    Cycle.objects.filter(pk=cycle.pk).update(status=status)


def get(person, cycle, **params):
    client = APIClient()
    if person is not None:
        client.force_authenticate(person.user)
    return client.get(f"/api/v1/cycles/{cycle.id}/team-report/", params)


def pole(subject, behaviour, which):
    return next(b for b in subject["behaviours"] if b["behaviour"] == behaviour)[which]


def test_it_gives_hr_every_subject_with_scores_percentiles_and_n(org, cycle):
    set_status(cycle, Cycle.Status.CLOSED)
    body = get(org["hr"], cycle).json()
    assert body["count"] == 3
    by_name = {s["subject"]["name"]: s for s in body["results"]}
    assert list(by_name) == ["Ann", "Ben", "Cal"]
    # Three subjects: the highest is at or above all three (100%), the lowest one third.
    assert pole(by_name["Cal"], "vision", "leadership") == {"score": 5.0, "percentile": 100.0}
    assert pole(by_name["Ben"], "risk", "management") == {"score": 2.0, "percentile": 33.3}
    assert pole(by_name["Ann"], "people", "leadership") == {"score": 4.0, "percentile": 66.7}
    assert by_name["Ann"]["others_n"] == 1
    assert by_name["Cal"]["subject"]["team"] == "Sales"


def test_it_gives_team_means_over_subjects_and_response_rates(org, cycle):
    set_status(cycle, Cycle.Status.CLOSED)
    body = get(org["hr"], cycle).json()
    vision = body["team_figures"]["behaviours"][0]
    assert vision["behaviour"] == "vision"
    # (4 + 2 + 5) / 3 = 3.666..., each subject weighing the same.
    assert vision["leadership"] == {"mean": 3.67, "subjects": 3}
    assert body["team_figures"]["subjects"] == 3
    rates = body["response_rates"]
    assert rates["relationships"]["boss"] == {
        "invited": 3,
        "submitted": 3,
        "declined": 0,
        "rate": 100.0,
    }
    # The pending peer never got a link, so it is not invited; the declined one is.
    assert rates["relationships"]["peer"] == {
        "invited": 2,
        "submitted": 0,
        "declined": 1,
        "rate": 0.0,
    }
    assert rates["relationships"]["other"]["rate"] is None
    assert rates["total"]["invited"] == 8 and rates["total"]["submitted"] == 6


def test_it_filters_by_team_case_insensitively(org, cycle):
    set_status(cycle, Cycle.Status.CLOSED)
    body = get(org["hr"], cycle, team="product").json()
    assert [s["subject"]["name"] for s in body["results"]] == ["Ann", "Ben"]
    assert body["team_figures"]["behaviours"][0]["leadership"] == {"mean": 3.0, "subjects": 2}


def test_it_refuses_an_unknown_team_with_400(org, cycle):
    set_status(cycle, Cycle.Status.CLOSED)
    response = get(org["hr"], cycle, team="Nowhere")
    assert response.status_code == 400
    assert response.json()["errors"] == {"team": ["Unknown team 'Nowhere'."]}


def test_it_limits_a_manager_to_their_line_and_their_figures(org, cycle):
    set_status(cycle, Cycle.Status.RELEASED)
    body = get(org["bo"], cycle).json()
    assert [s["subject"]["name"] for s in body["results"]] == ["Ann", "Ben"]
    # The mean is over Ann and Ben only: Cal is not Bo's to see, not even inside a mean.
    assert body["team_figures"]["behaviours"][0]["leadership"] == {"mean": 3.0, "subjects": 2}
    assert body["response_rates"]["total"]["invited"] == 6
    assert get(org["bo"], cycle, team="Sales").json()["count"] == 0
    assert get(org["ceo"], cycle).json()["count"] == 3


def test_it_refuses_everyone_while_open_and_managers_until_released(org, cycle):
    assert get(org["hr"], cycle).status_code == 409
    assert get(org["bo"], cycle).status_code == 409
    set_status(cycle, Cycle.Status.CLOSED)
    # Until released a closed cycle is HR's alone: a manager is told it does not exist.
    assert get(org["bo"], cycle).status_code == 404
    assert get(org["hr"], cycle).status_code == 200


def test_it_hides_the_cycle_from_people_without_a_line(org, cycle):
    set_status(cycle, Cycle.Status.RELEASED)
    assert get(org["ann"], cycle).status_code == 404
    assert get(None, cycle).status_code == 401
    missing = Cycle(pk=cycle.pk + 1000)
    assert get(org["hr"], missing).status_code == 404


def test_it_paginates_subjects(org, cycle):
    set_status(cycle, Cycle.Status.CLOSED)
    body = get(org["hr"], cycle, page_size=2).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    # Team figures cover every page, not only this one.
    assert body["team_figures"]["subjects"] == 3


# 60: more than a page (50), so the second size pages too (issue 19).
@pytest.mark.parametrize("subjects", [3, 60])
def test_it_runs_a_fixed_number_of_queries(org, django_assert_max_num_queries, subjects):
    cycle = open_cycle(k=2)
    team = TeamFactory(name="Product")
    for _ in range(subjects):
        request = new_request(cycle, subject=PersonFactory(team=team, manager=org["bo"]))
        respond(request, "boss", everything(cycle, 3))
        respond(request, "peer", {}, status=Rater.Status.INVITED)
    cycle_recompute(cycle_id=cycle.id)
    set_status(cycle, Cycle.Status.RELEASED)
    client = APIClient()
    client.force_authenticate(org["bo"].user)
    with django_assert_max_num_queries(12):
        response = client.get(f"/api/v1/cycles/{cycle.id}/team-report/?team=product")
    body = response.json()
    assert body["count"] == subjects
    assert len(body["results"]) == min(subjects, 50)
    assert all(p["leadership"]["percentile"] == 100.0 for p in body["results"][0]["behaviours"])


def test_reading_a_closed_cycle_team_report_marks_it_so_it_cannot_reopen(org, cycle):
    from core.errors import DomainError
    from feedback.services import cycle_reopen

    set_status(cycle, Cycle.Status.CLOSED)
    assert get(org["hr"], cycle).status_code == 200
    cycle.refresh_from_db()
    assert cycle.results_read_at is not None
    # Per-subject figures were seen: new answers could be told apart by comparing.
    with pytest.raises(DomainError) as refused:
        cycle_reopen(cycle=cycle)
    assert refused.value.code == "conflict"

"""Privacy: purge a released cycle's raw answers after retention; export or erase a person."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Person
from core.models import AuditEvent
from feedback.models import Comment, Cycle, FeedbackRequest, Rater, Rating
from reports.models import GapAnalysis
from tests.factories import PersonFactory, person_with_login
from tests.reports.builders import items_of, new_request, open_cycle, questions_of, respond

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr():
    return person_with_login(email="hr@example.com", hr=True)


def api(person):
    client = APIClient()
    client.force_authenticate(person.user)
    return client


@pytest.fixture
def released(settings):
    """A released cycle with one answered request, released 400 days ago."""
    settings.ANSWER_RETENTION_DAYS = 365
    cycle = open_cycle()
    item, question = items_of(cycle)[0], questions_of(cycle)[0]
    subject = person_with_login(email="sam@example.com", name="Sam Subject")
    request = new_request(cycle, subject=subject)
    respond(request, "self", {item.id: 4}, {question.id: "Me"})
    respond(request, "boss", {item.id: 2}, {question.id: "Boss words"})
    Cycle.objects.filter(pk=cycle.pk).update(
        status=Cycle.Status.RELEASED, released_at=timezone.now() - datetime.timedelta(days=400)
    )
    cycle.refresh_from_db()
    return cycle, request


def test_it_purges_raw_answers_and_keeps_the_released_figures(hr, released):
    cycle, request = released
    subject = request.subject
    before = api(subject).get(f"/api/v1/requests/{request.id}/results/").json()
    response = api(hr).post(f"/api/v1/cycles/{cycle.id}/purge-answers/")
    assert response.status_code == 200
    assert response.json() == {"ratings": 2, "comments": 2}
    assert not Rating.objects.filter(rater__request=request).exists()
    assert not Comment.objects.filter(rater__request=request).exists()
    after = api(subject).get(f"/api/v1/requests/{request.id}/results/").json()
    assert after == before
    assert after["items"][0]["scores"]["boss"]["mean"] == 2.0
    assert AuditEvent.objects.filter(action="cycle.purge_answers", actor=hr.user).exists()


def test_it_keeps_answers_until_the_retention_period_has_passed(hr, released):
    cycle, _ = released
    Cycle.objects.filter(pk=cycle.pk).update(
        released_at=timezone.now() - datetime.timedelta(days=10)
    )
    response = api(hr).post(f"/api/v1/cycles/{cycle.id}/purge-answers/")
    assert response.status_code == 409
    assert "kept 365 days after release" in response.json()["detail"]
    assert Rating.objects.count() == 2


def test_it_refuses_to_purge_a_cycle_not_released(hr):
    cycle = open_cycle()
    response = api(hr).post(f"/api/v1/cycles/{cycle.id}/purge-answers/")
    assert response.status_code == 409


def test_it_exports_everything_about_a_person_to_that_person_only(
    hr, released, django_capture_on_commit_callbacks
):
    import re

    from django.core import mail
    from django.test import Client

    _, request = released
    subject = request.subject
    # Sam also answered a survey about a colleague.
    colleague_request = new_request(open_cycle())
    rater = respond(colleague_request, "peer", {items_of(colleague_request.cycle)[0].id: 5})
    Rater.objects.filter(pk=rater.pk).update(person=subject)

    # HR asks; the file goes to Sam by a personal link (tests/privacy/test_data_export.py).
    with django_capture_on_commit_callbacks(execute=True):
        response = api(hr).get(f"/api/v1/people/{subject.id}/export/")
    assert response.status_code == 202
    [message] = mail.outbox
    assert message.to == ["sam@example.com"]
    token = re.search(r"/my-data/([A-Za-z0-9_-]+)/", message.body).group(1)
    data = Client().get(f"/my-data/{token}/").json()
    assert data["person"]["email"] == "sam@example.com"
    assert data["login"]["username"] == "sam@example.com"
    [about] = data["feedback_about_them"]
    assert about["results"]["items"][0]["scores"]["self"]["mean"] == 4.0
    [answered] = data["surveys_they_were_asked_to_answer"]
    assert answered["relationship"] == "peer" and list(answered["ratings"].values()) == [5]

    manager = person_with_login(email="boss@example.com")
    Person.objects.filter(pk=subject.pk).update(manager=manager)
    assert api(manager).get(f"/api/v1/people/{subject.id}/export/").status_code == 403
    outsider = person_with_login(email="out@example.com")
    assert api(outsider).get(f"/api/v1/people/{subject.id}/export/").status_code == 404


def test_it_erases_a_person_and_everything_about_them(hr, released):
    _, request = released
    subject = request.subject
    colleague_request = new_request(open_cycle())
    question = questions_of(colleague_request.cycle)[0]
    rater = respond(
        colleague_request,
        "peer",
        {items_of(colleague_request.cycle)[0].id: 5},
        {question.id: "Mine"},
    )
    Rater.objects.filter(pk=rater.pk).update(person=subject, email="sam@example.com", name="Sam")

    assert api(hr).post(f"/api/v1/people/{subject.id}/erase/").status_code == 204

    # A released cycle: the request stays as an anonymous share of the team figures
    # (tests/privacy/test_erasure.py); the report, its raters and answers are gone.
    assert api(hr).get(f"/api/v1/requests/{request.id}/results/").status_code == 404
    assert not Rater.objects.filter(request=request).exists()
    assert "comments" not in GapAnalysis.objects.get(request=request.id).data
    # The open cycle's request about them is simply deleted.
    assert FeedbackRequest.objects.filter(subject=subject).count() == 1
    rater.refresh_from_db()
    assert (rater.person, rater.name) == (None, "")
    assert "sam" not in rater.email
    assert Rating.objects.filter(rater=rater).count() == 1  # anonymous now: others' figures hold
    assert not Comment.objects.filter(rater=rater).exists()
    subject.refresh_from_db()
    assert "sam" not in subject.email and "Sam" not in subject.name
    assert not get_user_model().objects.filter(username="sam@example.com").exists()
    assert AuditEvent.objects.filter(action="person.erase", actor=hr.user).exists()


def test_it_refuses_erasure_to_anyone_but_hr_and_to_hr_of_themself(hr):
    manager = person_with_login(email="boss@example.com")
    report = PersonFactory(email="rep@example.com", manager=manager)
    assert api(manager).post(f"/api/v1/people/{report.id}/erase/").status_code == 403
    assert api(hr).post(f"/api/v1/people/{hr.id}/erase/").status_code == 409
    assert Person.objects.filter(email="rep@example.com").exists()

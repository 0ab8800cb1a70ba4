"""A person's own data export reaches only that person (issue 11, finding 1).

HR (or the person) asks; the platform emails the person a personal link; only that link
downloads the file; HR's answer, the audit log and the admin hold none of the answers.
The person's answers below are unique strings, so finding one anywhere is a leak.
"""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Person, PersonExportLink
from core.models import AuditEvent
from feedback.models import Rater
from tests.factories import PersonFactory, person_with_login
from tests.reports.builders import items_of, new_request, open_cycle, questions_of, respond

pytestmark = pytest.mark.django_db

SECRET_COMMENT = "Sam's words about Pat, never for HR"
LINK = re.compile(r"https?://[^\s\"<]+/my-data/([A-Za-z0-9_-]+)/")


@pytest.fixture
def hr():
    return person_with_login(email="hr@example.com", name="Hana HR", hr=True)


@pytest.fixture
def sam():
    """Sam, who keeps a draft about a colleague in an open cycle: a peer rating of 1 on the
    first statement and a comment (the subject's report hides peers below k)."""
    sam = person_with_login(email="sam@example.com", name="Sam Rater")
    cycle = open_cycle()
    colleague = new_request(cycle, subject=PersonFactory(email="pat@example.com", name="Pat"))
    rater = respond(
        colleague,
        "peer",
        {items_of(cycle)[0].id: 1},
        {questions_of(cycle)[0].id: SECRET_COMMENT},
        status=Rater.Status.STARTED,
    )
    Rater.objects.filter(pk=rater.pk).update(person=sam, email=sam.email, name=sam.name)
    return sam


def api(person=None):
    client = APIClient()
    if person is not None:
        client.force_authenticate(person.user)
    return client


def link_token(message) -> str:
    bodies = [message.body] + [content for content, _ in message.alternatives]
    tokens = {m.group(1) for body in bodies for m in LINK.finditer(body)}
    assert len(tokens) == 1, bodies
    return tokens.pop()


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_answers_hr_with_a_statement_and_emails_the_person_a_link(
    hr, sam, method, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(api(hr), method)(f"/api/v1/people/{sam.id}/export/")

    assert response.status_code == 202
    body = response.content.decode()
    assert "emailed" in response.json()["detail"]
    # None of Sam's answers, not even the rating: HR's answer is a statement, not data.
    assert SECRET_COMMENT not in body
    assert "surveys_they_were_asked_to_answer" not in body and "ratings" not in body
    assert "Content-Disposition" not in response
    [message] = mail.outbox
    assert message.to == ["sam@example.com"]
    assert "hr@example.com" not in message.to + message.cc + message.bcc
    assert SECRET_COMMENT not in message.body  # the link, never the data, goes by email
    token = link_token(message)
    assert PersonExportLink.objects.get(person=sam).token_hash != token  # only its hash


def test_only_the_link_downloads_the_file(hr, sam, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api(hr).post(f"/api/v1/people/{sam.id}/export/")
    token = link_token(mail.outbox[0])

    anonymous = Client()
    response = anonymous.get(f"/my-data/{token}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"].startswith("application/json")
    data = json.loads(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    assert data["person"]["email"] == "sam@example.com"
    [answered] = data["surveys_they_were_asked_to_answer"]
    assert answered["status"] == "started"
    assert list(answered["ratings"].values()) == [1]
    assert list(answered["comments"].values()) == [SECRET_COMMENT]

    # A wrong token, a token with one character changed, and HR's own session: 404.
    assert anonymous.get(f"/my-data/{'x' * 43}/").status_code == 404
    flipped = ("A" if token[0] != "A" else "B") + token[1:]
    assert anonymous.get(f"/my-data/{flipped}/").status_code == 404
    as_hr = Client()
    as_hr.force_login(hr.user)
    assert as_hr.get(f"/api/v1/people/{sam.id}/export/").status_code == 202
    assert SECRET_COMMENT not in as_hr.get(f"/api/v1/people/{sam.id}/export/").content.decode()


def test_an_expired_link_is_not_found(hr, sam, django_capture_on_commit_callbacks, settings):
    settings.PERSON_EXPORT_LINK_DAYS = 3
    with django_capture_on_commit_callbacks(execute=True):
        api(hr).post(f"/api/v1/people/{sam.id}/export/")
    token = link_token(mail.outbox[0])
    link = PersonExportLink.objects.get(person=sam)
    lifetime = link.expires_at - link.created_at
    assert abs(lifetime - datetime.timedelta(days=3)) < datetime.timedelta(seconds=5)
    PersonExportLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert Client().get(f"/my-data/{token}/").status_code == 404


def test_a_new_request_replaces_the_previous_link(hr, sam, django_capture_on_commit_callbacks):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            api(hr).post(f"/api/v1/people/{sam.id}/export/")
    first, second = (link_token(m) for m in mail.outbox)
    assert Client().get(f"/my-data/{first}/").status_code == 404
    assert Client().get(f"/my-data/{second}/").status_code == 200


def test_every_request_and_download_is_audited_without_the_answers(
    hr, sam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api(hr).post(f"/api/v1/people/{sam.id}/export/")
    token = link_token(mail.outbox[0])
    Client().get(f"/my-data/{token}/")
    Client().get(f"/my-data/{token}/")

    requested = AuditEvent.objects.get(action="person.export_request")
    assert (requested.actor, requested.target_id) == (hr.user, sam.id)
    downloads = AuditEvent.objects.filter(action="person.export_download", target_id=sam.id)
    assert downloads.count() == 2
    every_detail = json.dumps(list(AuditEvent.objects.values("detail", "target_label")))
    assert SECRET_COMMENT not in every_detail and token not in every_detail


def test_a_person_asks_for_their_own_copy_from_the_api_and_the_home_page(
    sam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(sam).post("/api/v1/me/export/")
    assert response.status_code == 202
    assert SECRET_COMMENT not in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["sam@example.com"]
    status = api(sam).get("/api/v1/me/export/").json()
    assert status["expires_at"] and status["emailed_at"]

    page = Client()
    page.force_login(sam.user)
    assert "Email me a copy of my data" in page.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = page.post("/my-data/", follow=True)
    assert response.status_code == 200
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["sam@example.com"]
    assert SECRET_COMMENT not in response.content.decode()
    assert AuditEvent.objects.filter(action="person.export_request", actor=sam.user).count() == 2


def test_nobody_else_may_ask_and_an_anonymous_caller_may_not_ask_for_themself(sam):
    manager = person_with_login(email="boss@example.com")
    Person.objects.filter(pk=sam.pk).update(manager=manager)
    assert api(manager).post(f"/api/v1/people/{sam.id}/export/").status_code == 403
    outsider = person_with_login(email="out@example.com")
    assert api(outsider).post(f"/api/v1/people/{sam.id}/export/").status_code == 404
    assert api().post("/api/v1/me/export/").status_code in (401, 403)
    assert Client().post("/my-data/").status_code == 302  # to the login page
    assert not mail.outbox and not PersonExportLink.objects.exists()


def test_the_admin_shows_hr_no_answer(hr, sam, client):
    """HR has every permission on the platform's models: the admin must still hold no
    rater's answers (no Rating or Comment admin; the request page lists raters only)."""
    from django.contrib import admin

    from feedback.models import Comment, Rating

    assert Rating not in admin.site._registry and Comment not in admin.site._registry
    hr.user.is_staff = True
    hr.user.save()
    client.force_login(hr.user)
    request = Rater.objects.get(person=sam).request
    page = client.get(f"/admin/feedback/feedbackrequest/{request.id}/change/")
    assert page.status_code == 200
    assert SECRET_COMMENT not in page.content.decode()
    assert client.get("/admin/feedback/comment/").status_code == 404
    assert client.get("/admin/feedback/rating/").status_code == 404


@pytest.mark.services
def test_a_real_worker_emails_the_link_after_commit_and_it_downloads(celery_worker, wait_for):
    """Through the broker: the token travels to the worker, the email goes to the person."""
    from privacy.services import person_export_request

    hr = person_with_login(email="hr@example.com", name="Hana HR", hr=True)
    sam = person_with_login(email="sam@example.com", name="Sam Rater")
    person_export_request(person=sam, actor=hr.user)
    wait_for(lambda: len(mail.outbox) == 1)
    assert mail.outbox[0].to == ["sam@example.com"]
    token = link_token(mail.outbox[0])
    wait_for(lambda: PersonExportLink.objects.filter(emailed_at__isnull=False).exists())
    response = Client().get(f"/my-data/{token}/")
    assert response.status_code == 200
    assert json.loads(response.content)["person"]["email"] == "sam@example.com"


def test_it_runs_link_emails_queued_under_the_task_name_they_had_in_accounts():
    # A message queued before the move to the privacy app names the old task path.
    from config.celery_app import app

    app.loader.import_default_modules()  # what a worker does when it starts
    task = app.tasks["accounts.tasks.send_person_export_link"]
    assert task.run.__module__ == "privacy.tasks"

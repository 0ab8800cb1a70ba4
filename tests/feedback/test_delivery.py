"""Emails that fail: never a crash on stored data, always shown as failed, retried by a person.

A real SMTP server (aiosmtpd, the ``smtp`` fixture) answers each recipient as a mail server
would: 550 (refused for good), 451 (try later) or 250. The unit tests run the tasks
in-process; the worker tests run them in a real Celery worker fed through Redis.
"""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from config.celery_app import app as celery_app
from core.mail import header_text
from feedback import selectors, services, tasks
from feedback.models import Rater
from tests.factories import PersonFactory
from tests.feedback.conftest import in_days

DAY = datetime.timedelta(days=1)
LINK = re.compile(r"/s/([A-Za-z0-9_-]{43,})/")
EVIL = "Evil\r\nBcc: x@y.test"
# The Failed column of the progress table (issue 14 added the column).
FAILED_BADGE = '<td><span class="badge status-failed">1</span></td>'


@pytest.fixture
def failures_stay_in_the_task():
    """In-process tasks report a final failure as a worker does (``on_failure``, then the
    task is failed) instead of raising it into the code that queued them."""
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = previous


def launch(request, capture):
    with capture(execute=True):
        services.request_launch(request=request)


def progress(client, request):
    return client.get(f"/api/v1/requests/{request.pk}/progress/").json()


def rater_row(progress_json, email):
    return next(r for r in progress_json["raters"] if r["email"] == email)


# --- headers built from stored data -------------------------------------------------------


def test_it_makes_any_stored_text_one_header_line():
    assert header_text(EVIL) == "Evil Bcc: x@y.test"
    assert header_text("A\u2028B\x00C\u200bD\tE  F") == "A B C D E F"
    assert header_text("Zoë Ørsted") == "Zoë Ørsted"


@pytest.mark.django_db
def test_it_invites_about_a_person_whose_stored_name_holds_a_line_break(
    org, open_cycle, django_capture_on_commit_callbacks
):
    # Stored as a legacy row or an admin edit would be: past any form's validation.
    PersonFactory._meta.model.objects.filter(pk=org["dev"].pk).update(name=EVIL)
    org["dev"].refresh_from_db()
    request = services.request_create(
        cycle=open_cycle, subject=org["dev"], requested_by=org["lead"].user
    ).request
    launch(request, django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "dev@example.com",
        "lead@example.com",
        "peer@example.com",
    ]
    peer = next(m for m in mail.outbox if m.to == ["peer@example.com"])
    headers = peer.message()
    assert headers["Subject"] == "Feedback for Evil Bcc: x@y.test: your view is requested"
    assert headers["Bcc"] is None and peer.bcc == []
    assert not Rater.objects.filter(delivery_failed_at__isnull=False).exists()


# --- failures recorded, shown and retried (tasks in-process) ------------------------------


@pytest.mark.django_db
def test_it_marks_a_rater_failed_when_the_server_refuses_for_good_without_retrying(
    smtp, failures_stay_in_the_task, org, dev_request, api_as, django_capture_on_commit_callbacks
):
    smtp.refuse.add("peer@example.com")
    launch(dev_request, django_capture_on_commit_callbacks)
    assert smtp.attempts["peer@example.com"] == 1  # a 5xx is final: no retry
    peer = Rater.objects.get(request=dev_request, email="peer@example.com")
    assert peer.delivery == "failed" and peer.status == "invited"
    assert peer.delivery_error == "The mail server refused the email for good (SMTP 550)."
    hr_view = progress(api_as(org["hr"]), dev_request)
    assert hr_view["relationships"]["peer"]["failed"] == 1
    assert hr_view["relationships"]["boss"]["failed"] == 0
    assert rater_row(hr_view, "peer@example.com")["delivery"] == "failed"
    assert rater_row(hr_view, "lead@example.com")["delivery"] == "sent"
    # The requester's own view of the raters says so too, in words safe to show.
    raters = api_as(org["lead"]).get(f"/api/v1/requests/{dev_request.pk}/raters/").json()
    shown = next(r for r in raters if r["email"] == "peer@example.com")
    assert (shown["status"], shown["delivery"]) == ("invited", "failed")
    assert "peer@example.com" not in shown["delivery_error"]


@pytest.mark.django_db
def test_a_retry_sends_a_fresh_link_and_clears_the_failure_once_delivered(
    smtp, failures_stay_in_the_task, org, dev_request, api_as, django_capture_on_commit_callbacks
):
    smtp.refuse.add("peer@example.com")
    launch(dev_request, django_capture_on_commit_callbacks)
    peer = Rater.objects.get(request=dev_request, email="peer@example.com")
    failed_hash = peer.token_hash
    smtp.refuse.clear()  # the mailbox exists again
    client = api_as(org["lead"])
    url = f"/api/v1/requests/{dev_request.pk}/raters/{peer.pk}/resend/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    # Answered before the worker ran: the new link is on its way, no longer "failed".
    assert (response.status_code, response.json()["delivery"]) == (200, "sending")
    (received,) = smtp.received_by("peer@example.com")
    token = LINK.search(received.replace("=\n", "")).group(1)
    assert selectors.rater_for_token(token=token).pk == peer.pk
    peer.refresh_from_db()
    assert peer.token_hash != failed_hash
    assert (peer.delivery, peer.delivery_failed_at, peer.delivery_error) == ("sent", None, "")
    assert progress(api_as(org["hr"]), dev_request)["relationships"]["peer"]["failed"] == 0


@pytest.mark.django_db
def test_a_fault_that_clears_up_within_the_retries_is_not_marked(
    smtp, failures_stay_in_the_task, dev_request, django_capture_on_commit_callbacks
):
    smtp.defer["peer@example.com"] = 2
    launch(dev_request, django_capture_on_commit_callbacks)
    assert smtp.attempts["peer@example.com"] == 3
    assert len(smtp.received_by("peer@example.com")) == 1
    peer = Rater.objects.get(request=dev_request, email="peer@example.com")
    assert (peer.delivery, peer.delivery_failed_at) == ("sent", None)


@pytest.mark.django_db
def test_it_marks_a_rater_failed_once_the_retries_are_spent(
    smtp, failures_stay_in_the_task, dev_request, django_capture_on_commit_callbacks
):
    smtp.defer["peer@example.com"] = -1  # always "try later"
    launch(dev_request, django_capture_on_commit_callbacks)
    attempts = tasks.send_invitation.max_retries + 1
    assert smtp.attempts["peer@example.com"] == attempts
    peer = Rater.objects.get(request=dev_request, email="peer@example.com")
    assert peer.delivery == "failed"
    assert peer.delivery_error == (
        f"The mail server kept deferring the email (SMTP 451, {attempts} attempts)."
    )


@pytest.mark.django_db
def test_a_failed_reminder_marks_the_rater_and_stops_further_reminders(
    launched, settings, smtp, failures_stay_in_the_task
):
    # ``launched`` first: its invitations go to the in-memory outbox it reads the links from.
    settings.REMINDER_DAYS_BEFORE_CLOSE = [14]  # the cycle closes in 14 days: due today
    Rater.objects.update(invited_at=timezone.now() - 3 * DAY)
    peer = Rater.objects.get(relationship="peer")
    smtp.refuse.add("peer@example.com")
    tasks.send_reminder.apply(args=(peer.pk,))  # beat's reminder task, run in-process
    peer.refresh_from_db()
    assert (peer.delivery, peer.last_reminded_at) == ("failed", None)
    assert peer.delivery_error == "The mail server refused the email for good (SMTP 550)."
    # The claim and its new link rolled back: the invitation's link still works.
    assert selectors.rater_for_token(token=launched["peer"]).pk == peer.pk
    # Beat leaves the rater to a person's Retry instead of failing every hour.
    due = selectors.raters_due_reminder(now=timezone.now(), days=[14])
    assert sorted(due.values_list("email", flat=True)) == ["dev@example.com", "lead@example.com"]


@pytest.mark.django_db
def test_the_failure_of_a_replaced_link_is_not_recorded(launched):
    peer = Rater.objects.get(relationship="peer")
    Rater.objects.filter(pk=peer.pk).update(invited_at=timezone.now() - 2 * DAY)
    services.rater_resend(rater=peer)  # a new link; the old one's task may still fail
    assert not services.delivery_mark_failed(rater_id=peer.pk, token=launched["peer"], error="x")
    assert Rater.objects.get(pk=peer.pk).delivery_failed_at is None


@pytest.mark.django_db
def test_the_delivery_rule_gives_the_same_answer_in_sql_and_in_python(launched):
    now = timezone.now()
    rows = {
        "self": {"delivery_failed_at": now},  # failed on the current link
        "boss": {"delivery_failed_at": now - 3 * DAY},  # before the current link: sending
        "peer": {"delivery_failed_at": now, "status": "submitted"},  # answered anyway
    }
    Rater.objects.update(token_issued_at=now - DAY)
    for relationship, values in rows.items():
        Rater.objects.filter(relationship=relationship).update(**values)
    Rater.objects.filter(relationship="boss").update(invitation_sent_hash="")
    in_sql = set(
        Rater.objects.filter(Rater.delivery_failed_condition()).values_list(
            "relationship", flat=True
        )
    )
    in_python = {r.relationship for r in Rater.objects.all() if r.delivery == "failed"}
    assert in_sql == in_python == {"self"}
    assert Rater.objects.get(relationship="boss").delivery == "sending"


# --- pages --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_manager_and_hr_pages_show_the_failure_with_a_retry(
    client, smtp, failures_stay_in_the_task, org, dev_request, django_capture_on_commit_callbacks
):
    smtp.refuse.add("peer@example.com")
    launch(dev_request, django_capture_on_commit_callbacks)
    peer = Rater.objects.get(request=dev_request, email="peer@example.com")
    retry_url = f"/reports/requests/{dev_request.pk}/raters/{peer.pk}/resend/"
    client.force_login(org["lead"].user)
    html = client.get("/reports/manager/").content.decode()
    assert "Emails that never arrived" in html and FAILED_BADGE in html
    assert "The mail server refused the email for good (SMTP 550)." in html
    assert retry_url in html
    client.force_login(org["hr"].user)
    html = client.get("/reports/hr/").content.decode()
    assert "Emails that never arrived" in html and retry_url in html and "Dev Eloper" in html

    smtp.refuse.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry_url, {"next": "/reports/hr/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/reports/hr/"
    assert "A fresh link is on its way" in response.content.decode()
    assert len(smtp.received_by("peer@example.com")) == 1
    assert "Emails that never arrived" not in client.get("/reports/hr/").content.decode()
    client.force_login(org["lead"].user)
    assert FAILED_BADGE not in client.get("/reports/manager/").content.decode()


# --- with a real worker -------------------------------------------------------------------


def worker_request(org):
    cycle = services.cycle_open(cycle=services.cycle_create(name="Mail", closes_at=in_days(7)))
    return services.request_create(
        cycle=cycle, subject=org["dev"], requested_by=org["lead"].user
    ).request


def delivered(request):
    return Rater.objects.filter(request=request, invited_at__isnull=False).count()


@pytest.mark.services
def test_a_worker_marks_a_refused_invitation_failed_and_a_retry_clears_it(
    celery_worker, smtp, questionnaire, org, api_as, client, wait_for
):
    smtp.refuse.add("peer@example.com")
    request = worker_request(org)
    services.request_launch(request=request)
    peer = Rater.objects.get(request=request, email="peer@example.com")
    wait_for(lambda: Rater.objects.get(pk=peer.pk).delivery_failed_at is not None)
    wait_for(lambda: delivered(request) == 2)
    assert smtp.attempts["peer@example.com"] == 1
    hr_view = progress(api_as(org["hr"]), request)
    assert hr_view["relationships"]["peer"]["failed"] == 1
    assert rater_row(hr_view, "peer@example.com")["delivery"] == "failed"
    client.force_login(org["lead"].user)
    html = client.get("/reports/manager/").content.decode()
    assert FAILED_BADGE in html and "Retry the email to" in html

    smtp.refuse.clear()
    client.post(f"/reports/requests/{request.pk}/raters/{peer.pk}/resend/")
    wait_for(lambda: Rater.objects.get(pk=peer.pk).delivery == "sent")
    assert Rater.objects.get(pk=peer.pk).delivery_failed_at is None
    (received,) = smtp.received_by("peer@example.com")
    token = LINK.search(received.replace("=\n", "")).group(1)
    assert selectors.rater_for_token(token=token).pk == peer.pk
    assert progress(api_as(org["hr"]), request)["relationships"]["peer"]["failed"] == 0
    assert FAILED_BADGE not in client.get("/reports/manager/").content.decode()


@pytest.mark.services
def test_a_worker_retries_a_deferred_invitation_and_does_not_mark_it(
    celery_worker, smtp, questionnaire, org, wait_for
):
    smtp.defer["peer@example.com"] = 2
    request = worker_request(org)
    services.request_launch(request=request)
    wait_for(lambda: delivered(request) == 3, timeout=60)
    assert smtp.attempts["peer@example.com"] == 3
    assert len(smtp.received_by("peer@example.com")) == 1
    assert not Rater.objects.filter(request=request, delivery_failed_at__isnull=False).exists()


@pytest.mark.services
def test_a_worker_marks_the_rater_failed_exactly_when_the_retries_are_spent(
    celery_worker, smtp, questionnaire, org, wait_for, monkeypatch
):
    # Two retries instead of eight, so the test does not wait for the production backoff.
    monkeypatch.setattr(tasks.send_invitation, "max_retries", 2)
    smtp.defer["peer@example.com"] = -1
    request = worker_request(org)
    services.request_launch(request=request)
    peer = Rater.objects.get(request=request, email="peer@example.com")
    wait_for(lambda: Rater.objects.get(pk=peer.pk).delivery_failed_at is not None, timeout=60)
    # Marked after the third attempt, not before it: on_failure runs once retries are spent.
    assert smtp.attempts["peer@example.com"] == 3
    assert Rater.objects.get(pk=peer.pk).delivery_error == (
        "The mail server kept deferring the email (SMTP 451, 3 attempts)."
    )

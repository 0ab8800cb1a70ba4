"""The Remind button: at most one email a day per rater, whoever presses, and it says when.

Sam's request, made by his boss Bo, waits on Sam himself (self), Bo (the boss rater, who
is also the one pressing) and two peers, every invitation delivered two days ago.
"""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connections
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format

from feedback import services as feedback_services
from feedback.models import Rater
from reports import services
from tests.factories import TeamFactory, person_with_login
from tests.reports.builders import invited, new_request, open_cycle

DAY = datetime.timedelta(days=1)


@pytest.fixture
def org(db):
    team = TeamFactory(name="Product")
    boss = person_with_login(email="boss@example.com", name="Bo", team=team)
    sam = person_with_login(email="sam@example.com", name="Sam", manager=boss, team=team)
    hr = person_with_login(email="hr@example.com", name="Hana", hr=True, team=None)
    return {"boss": boss, "sam": sam, "hr": hr}


def waiting_request(org):
    cycle = open_cycle(k=3)
    request = new_request(cycle, subject=org["sam"])
    request.requested_by = org["boss"].user
    request.save()
    for relationship, person in (("self", org["sam"]), ("boss", org["boss"])):
        rater, _ = invited(request, relationship)
        Rater.objects.filter(pk=rater.pk).update(person=person, email=person.email)
    peers = [invited(request, "peer")[0].email for _ in range(2)]
    return request, sorted(["sam@example.com", *peers])


@pytest.fixture
def waiting(org):
    return waiting_request(org)


def press(client, person, request, capture):
    client.force_login(person.user)
    with capture(execute=True):
        response = client.post(f"/reports/requests/{request.id}/remind/", follow=True)
    return response.content.decode()


def next_possible(request) -> str:
    # The rule, worked by hand: a day after the latest email of each rater.
    latest = max(
        max(r.invited_at, r.last_reminded_at or r.invited_at)
        for r in request.raters.exclude(email="boss@example.com")
    )
    return date_format(timezone.localtime(latest + DAY), "D j M, H:i")


@pytest.mark.django_db
def test_three_presses_send_one_email_per_waiting_rater_and_none_to_the_presser(
    client, org, waiting, django_capture_on_commit_callbacks
):
    request, expected = waiting
    first = press(client, org["boss"], request, django_capture_on_commit_callbacks)
    assert "Reminder sent to 3 raters about Sam" in first
    for _ in range(2):
        page = press(client, org["boss"], request, django_capture_on_commit_callbacks)
        assert "No reminder sent about Sam: each rater gets at most one email a day." in page
        assert f"Next reminder possible on {next_possible(request)}." in page
    assert sorted(m.to[0] for m in mail.outbox) == expected  # never Bo, who pressed
    assert all(m.subject.startswith("Reminder: ") for m in mail.outbox)


@pytest.mark.django_db
def test_hr_pressing_too_reminds_only_whom_nobody_reminded_today(
    client, org, waiting, django_capture_on_commit_callbacks
):
    request, expected = waiting
    press(client, org["boss"], request, django_capture_on_commit_callbacks)
    # Bo's own button skipped his boss row; HR's reaches it, and nobody else again.
    assert "Reminder sent to 1 rater about Sam" in press(
        client, org["hr"], request, django_capture_on_commit_callbacks
    )
    assert "No reminder sent about Sam" in press(
        client, org["hr"], request, django_capture_on_commit_callbacks
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([*expected, "boss@example.com"])


@pytest.mark.django_db
def test_a_press_the_next_day_reminds_again(
    client, org, waiting, django_capture_on_commit_callbacks
):
    request, expected = waiting
    press(client, org["boss"], request, django_capture_on_commit_callbacks)
    # A day passes: every stored time moves a day back.
    Rater.objects.filter(request=request).update(
        last_reminded_at=F("last_reminded_at") - DAY, invited_at=F("invited_at") - DAY
    )
    page = press(client, org["boss"], request, django_capture_on_commit_callbacks)
    assert "Reminder sent to 3 raters about Sam" in page
    assert sorted(m.to[0] for m in mail.outbox) == sorted(expected * 2)


@pytest.mark.django_db
def test_the_service_follows_the_clock_it_is_given(
    org, waiting, django_capture_on_commit_callbacks
):
    request, expected = waiting
    now = timezone.now()
    sent = []
    for moment in (now, now + DAY - datetime.timedelta(minutes=1), now + DAY):
        with django_capture_on_commit_callbacks(execute=True):
            result = services.request_remind(request=request, presser=org["boss"].user, now=moment)
        sent.append(result.sent)
    assert sent == [3, 0, 3]
    assert result.outlook["next_at"] == now + 2 * DAY
    assert sorted(m.to[0] for m in mail.outbox) == sorted(expected * 2)


@pytest.mark.django_db
def test_the_page_says_when_the_next_reminder_is_possible(
    client, org, waiting, django_capture_on_commit_callbacks
):
    request, _ = waiting
    client.force_login(org["boss"].user)
    html = client.get("/reports/manager/").content.decode()
    assert "Remind 3 raters" in html and "Next reminder possible" not in html
    press(client, org["boss"], request, django_capture_on_commit_callbacks)
    html = client.get("/reports/manager/").content.decode()
    assert f"Reminded today. Next reminder possible on {next_possible(request)}." in html
    assert f"/reports/requests/{request.id}/remind/" not in html  # no button until then


@pytest.mark.django_db
def test_a_resent_link_is_a_reminder_under_the_same_rule(
    org, waiting, api_as, django_capture_on_commit_callbacks
):
    request, _ = waiting
    peer = request.raters.filter(relationship="peer").first()
    url = f"/api/v1/requests/{request.id}/raters/{peer.id}/resend/"
    with django_capture_on_commit_callbacks(execute=True):
        services.request_remind(request=request, presser=org["boss"].user)
        response = api_as(org["boss"]).post(url)
    assert response.status_code == 409
    assert "gets at most one a day: the next reminder is possible on" in response.json()["detail"]
    assert [m.to[0] for m in mail.outbox].count(peer.email) == 1


@pytest.mark.django_db
def test_beat_sends_nothing_to_a_rater_a_person_reminded_today(
    org, waiting, settings, django_capture_on_commit_callbacks
):
    request, _ = waiting
    settings.REMINDER_DAYS_BEFORE_CLOSE = [14]  # the cycle closes in 14 days: beat is due
    with django_capture_on_commit_callbacks(execute=True):
        services.request_remind(request=request, presser=org["boss"].user)
    sent = []
    for rater in request.raters.all():
        feedback_services.reminder_send(
            rater_id=rater.pk, now=timezone.now(), send=lambda r, t: sent.append(r.email)
        )
    assert sent == ["boss@example.com"]  # only the presser's own row was left to beat


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_presses_at_once_send_one_email_per_rater_on_postgresql(postgres):
    org = {
        "boss": person_with_login(email="boss@example.com", name="Bo"),
        "sam": person_with_login(email="sam@example.com", name="Sam"),
    }
    request, expected = waiting_request(org)
    barrier = threading.Barrier(2)
    sent = []

    def remind():
        try:
            barrier.wait()
            sent.append(services.request_remind(request=request, presser=org["boss"].user).sent)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=remind) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(sent) == 3
    assert sorted(m.to[0] for m in mail.outbox) == expected


@pytest.mark.django_db
def test_nobody_but_the_requester_and_hr_can_remind_or_retry(client, org, waiting):
    request, _ = waiting
    peer = request.raters.filter(relationship="peer").first()
    client.force_login(org["sam"].user)  # the subject follows progress, but acts on nothing
    for url in (
        f"/reports/requests/{request.id}/remind/",
        f"/reports/requests/{request.id}/raters/{peer.id}/resend/",
    ):
        assert client.post(url).status_code == 404
    assert Rater.objects.filter(request=request, last_reminded_at__isnull=False).count() == 0

"""Chasing an open cycle from HR's page (issue 14): who owes surveys (names and counts
only), decline reasons without names, "Remind all" under the one-a-day rule, and the
close confirmation's count of unanswered surveys.

The cycle: Dev and Lena took part. Dev's request asks Dev, Lena (boss) and Pat (peer);
Lena's asks Lena, Victor (boss), Dev and Pat (direct reports). Pat therefore owes two
surveys, Dev two, Lena two, Victor one, every invitation delivered two days ago.
"""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format

from feedback import services
from feedback.models import Cycle, Rater
from tests.feedback.conftest import in_days

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def open_for(org, people, name="Autumn"):
    cycle = services.cycle_create(name=name, closes_at=in_days(10))
    services.cycle_participants_add(cycle=cycle, people=[p.pk for p in people])
    services.cycle_open_with_participants(cycle=cycle, actor=org["hr"].user)
    two_days_ago = timezone.now() - 2 * DAY
    Rater.objects.filter(request__cycle=cycle).update(
        invited_at=two_days_ago, token_issued_at=two_days_ago
    )
    return cycle


@pytest.fixture
def cycle(org):
    return open_for(org, [org["dev"], org["lead"]])


def rater(cycle, email, subject_email):
    return Rater.objects.get(
        request__cycle=cycle, email=email, request__subject__email=subject_email
    )


def chase_of(page: str, cycle) -> str:
    card = page.split(f'id="cycle-{cycle.pk}"')[1].split("</article>")[0]
    return re.sub(r"\s+", " ", card)


@pytest.fixture
def hr_client(client, org):
    client.force_login(org["hr"].user)
    return client


def test_hr_sees_who_owes_how_many_surveys_and_nothing_about_whom(hr_client, org, cycle):
    Rater.objects.filter(pk=rater(cycle, "lead@example.com", "dev@example.com").pk).update(
        status="submitted", submitted_at=timezone.now()
    )
    card = chase_of(hr_client.get("/reports/hr/").content.decode(), cycle)
    assert "Not answered yet: 6 surveys from 4 people" in card
    owing = card.split('<ul class="owing">')[1].split("</ul>")[0]
    assert re.findall(r"<li>([^<]+)</li>", owing) == [
        "Dev Eloper: 2 surveys",
        "Pat Peer: 2 surveys",
        "Lena Lead: 1 survey",
        "Victor Vice: 1 survey",
    ]
    # Never which request or group: no subject, no relationship in the list.
    for word in (" as ", " for ", "about", "boss", "direct", "self", "other"):
        assert word not in owing.lower()


def test_decline_reasons_are_listed_without_names_in_alphabetical_order(hr_client, org, cycle):
    # Declined in an order that is neither alphabetical nor its reverse.
    declines = [
        ("lead@example.com", "dev@example.com", "Busy with the launch"),
        ("peer@example.com", "dev@example.com", "Zero time this month"),
        ("vp@example.com", "lead@example.com", "Away on leave"),
        ("dev@example.com", "lead@example.com", ""),
    ]
    for minutes, (email, subject, reason) in enumerate(declines):
        Rater.objects.filter(pk=rater(cycle, email, subject).pk).update(
            status="declined",
            declined_at=timezone.now() - datetime.timedelta(minutes=60 - minutes),
            decline_reason=reason,
        )
    card = chase_of(hr_client.get("/reports/hr/").content.decode(), cycle)
    reasons = card.split("Decline reasons (4 declined)")[1].split("</details>")[0]
    assert re.findall(r"<li>([^<]+)</li>", reasons) == [
        "Away on leave",
        "Busy with the launch",
        "Zero time this month",
    ]
    assert "1 declined without a reason." in reasons
    for name in ("Pat", "Victor", "Dev", "Lena", "@example.com"):
        assert name not in reasons


def test_remind_all_reminds_each_rater_once_a_day_and_says_when_next(
    hr_client, org, cycle, django_capture_on_commit_callbacks
):
    Rater.objects.filter(pk=rater(cycle, "vp@example.com", "lead@example.com").pk).update(
        status="submitted", submitted_at=timezone.now()
    )
    mail.outbox.clear()
    page = hr_client.get("/reports/hr/").content.decode()
    assert "Remind all (6 surveys)" in page
    with django_capture_on_commit_callbacks(execute=True):
        first = hr_client.post(f"/reports/hr/cycles/{cycle.pk}/remind-all/", follow=True)
    assert "Autumn: reminder sent for 6 surveys, each with a fresh link." in first.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["dev@example.com"] * 2 + ["lead@example.com"] * 2 + ["peer@example.com"] * 2
    )
    assert all(m.subject.startswith("Reminder: ") for m in mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        second = hr_client.post(f"/reports/hr/cycles/{cycle.pk}/remind-all/", follow=True)
    text = second.content.decode()
    latest = Rater.objects.filter(request__cycle=cycle, status="invited").order_by(
        "last_reminded_at"
    )
    expected = date_format(timezone.localtime(latest.first().last_reminded_at + DAY), "D j M, H:i")
    assert "no reminder sent: each rater gets at most one email a day." in text
    assert f"next reminder possible on {expected}." in text
    assert len(mail.outbox) == 6
    assert "Remind all (" not in chase_of(text, cycle)
    assert "Reminded today." in chase_of(text, cycle)


def test_remind_all_is_refused_for_a_closed_cycle_and_for_anyone_but_hr(client, org, cycle):
    client.force_login(org["lead"].user)
    assert client.post(f"/reports/hr/cycles/{cycle.pk}/remind-all/").status_code == 404
    services.cycle_close(cycle=cycle)
    client.force_login(org["hr"].user)
    page = client.post(f"/reports/hr/cycles/{cycle.pk}/remind-all/", follow=True).content.decode()
    assert "The cycle is closed: reminders need an open cycle." in page
    assert mail.outbox == [] or all(not m.subject.startswith("Reminder") for m in mail.outbox)


def test_the_close_confirmation_says_how_many_surveys_are_unanswered(hr_client, org, cycle):
    for email, subject in (
        ("lead@example.com", "dev@example.com"),
        ("vp@example.com", "lead@example.com"),
    ):
        Rater.objects.filter(pk=rater(cycle, email, subject).pk).update(
            status="submitted", submitted_at=timezone.now()
        )
    page = re.sub(
        r"\s+", " ", hr_client.get(f"/reports/hr/cycles/{cycle.pk}/close/").content.decode()
    )
    assert "5 surveys are still unanswered</strong>, owed by 3 people: closing ends them." in page


@pytest.mark.parametrize("cycles", [1, 3])
def test_the_hr_page_chases_any_number_of_open_cycles_in_the_same_queries(
    client, org, django_assert_max_num_queries, cycles
):
    for number in range(cycles):
        open_for(org, [org["dev"], org["lead"]], name=f"Cycle {number}")
    client.force_login(org["hr"].user)
    with django_assert_max_num_queries(16):
        page = client.get("/reports/hr/").content.decode()
    assert page.count("Not answered yet: 7 surveys from 4 people") == cycles


def test_an_approval_says_who_nominated_the_rater_and_that_they_asked_for_the_feedback(
    hr_client, org, cycle
):
    request = services.request_create(
        cycle=cycle, subject=org["peer"], requested_by=org["lead"].user
    ).request
    services.rater_add(
        request=request, email="ann@mail.example", relationship="other", actor=org["lead"].user
    )
    page = re.sub(r"\s+", " ", hr_client.get("/reports/hr/").content.decode())
    approvals = page.split('id="approvals"')[1].split("</section>")[0]
    assert "ann@mail.example</strong> as other for Pat Peer (Autumn)" in approvals
    assert "Proposed by lead@example.com (Lena Lead, who asked for this feedback)" in approvals


def test_a_draft_links_to_its_set_up_and_a_new_cycle_starts_from_the_hr_page(hr_client, org):
    draft = services.cycle_create(name="Drafted", closes_at=in_days(10))
    page = hr_client.get("/reports/hr/").content.decode()
    assert 'href="/cycles/new/">New cycle</a>' in page
    assert f'href="/cycles/{draft.pk}/review/">Continue setting up Drafted</a>' in page
    assert Cycle.objects.get(pk=draft.pk).status == "draft"


def test_hr_sees_how_many_invitations_are_still_on_their_way(hr_client, org, cycle):
    # The fixture's invitations were queued and never sent (no commit in this test).
    raters = list(Rater.objects.filter(request__cycle=cycle).order_by("pk"))
    for sent in raters[:3]:
        Rater.objects.filter(pk=sent.pk).update(invitation_sent_hash=sent.token_hash)
    failed = raters[3]
    Rater.objects.filter(pk=failed.pk).update(delivery_failed_at=timezone.now())
    card = chase_of(hr_client.get("/reports/hr/").content.decode(), cycle)
    # 7 links: 3 sent, 1 failed (listed under "Emails that never arrived"), 3 on their way.
    assert "Invitations sent: 4 of 7; 3 still on their way." in card
    assert 'max="7" value="4"' in card

    for pending in raters[4:]:
        Rater.objects.filter(pk=pending.pk).update(invitation_sent_hash=pending.token_hash)
    card = chase_of(hr_client.get("/reports/hr/").content.decode(), cycle)
    assert "still on their way" not in card

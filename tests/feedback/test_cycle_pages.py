"""HR's set-up pages (issue 14): settings, participants, review and "Open cycle", with
the state kept on the draft and bad input shown again with nothing written."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from feedback import services
from feedback.models import Cycle, FeedbackRequest, Rater
from tests.factories import PersonFactory, TeamFactory
from tests.feedback.conftest import in_days

pytestmark = pytest.mark.django_db


def day_after(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def settings_form(**changes) -> dict:
    form = {
        "name": "Autumn 2026",
        "closes_on": day_after(20).isoformat(),
        "framework": "1",
        "min_anonymous_raters": "4",
        "gap_threshold": "0.75",
        "max_requests_per_rater": "6",
    }
    return form | changes


@pytest.fixture
def hr_client(client, org, questionnaire):
    client.force_login(org["hr"].user)
    return client


def test_hr_saves_the_settings_as_a_draft_and_goes_on_to_participants(hr_client, org):
    page = hr_client.get("/cycles/new/").content.decode()
    assert "Anonymity minimum" in page and "Rater cap" in page
    response = hr_client.post("/cycles/new/", settings_form())
    cycle = Cycle.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cycles/{cycle.pk}/participants/"
    assert (cycle.status, cycle.name, cycle.framework.version) == ("draft", "Autumn 2026", 1)
    assert (cycle.min_anonymous_raters, str(cycle.gap_threshold)) == (4, "0.75")
    assert cycle.max_requests_per_rater == 6
    # Answers are taken to the end of the chosen day.
    closes = timezone.localtime(cycle.closes_at)
    assert (closes.date(), closes.hour, closes.minute) == (day_after(20), 23, 59)
    assert cycle.created_by == org["hr"].user


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "", "This field is required."),
        ("name", "\u200b\u200b", "Has no visible character."),
        ("closes_on", "next week", "Choose a date (year-month-day)."),
        ("closes_on", "2001-01-01", "Must be in the future."),
        ("min_anonymous_raters", "1", "A whole number from 2 to 1000."),
        ("min_anonymous_raters", "3.5", "A whole number from 2 to 1000."),
        ("gap_threshold", "0", "A number above 0"),
        ("gap_threshold", "1e3", "A number above 0"),
        ("max_requests_per_rater", "0", "A whole number from 1 to 1000."),
        ("framework", "77", "Choose one of the questionnaire versions listed."),
    ],
)
def test_bad_settings_show_the_form_again_with_the_message_and_write_nothing(
    hr_client, field, value, message
):
    response = hr_client.post("/cycles/new/", settings_form(**{field: value}))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was saved" in page and message in page
    assert 'aria-invalid="true"' in page
    assert 'value="0.75"' in page or field == "gap_threshold"  # what was typed stays
    assert not Cycle.objects.exists()


def test_going_back_to_the_settings_shows_and_changes_the_draft(hr_client):
    hr_client.post("/cycles/new/", settings_form())
    cycle = Cycle.objects.get()
    page = hr_client.get(f"/cycles/{cycle.pk}/settings/").content.decode()
    assert 'value="Autumn 2026"' in page and f'value="{day_after(20).isoformat()}"' in page
    hr_client.post(
        f"/cycles/{cycle.pk}/settings/", settings_form(name="Winter", gap_threshold="1.5")
    )
    cycle.refresh_from_db()
    assert (cycle.name, str(cycle.gap_threshold)) == ("Winter", "1.50")
    assert Cycle.objects.count() == 1
    bad = hr_client.post(f"/cycles/{cycle.pk}/settings/", settings_form(name="X", gap_threshold=""))
    assert bad.status_code == 400
    cycle.refresh_from_db()
    assert cycle.name == "Winter"  # nothing half-written


def test_participants_come_from_everyone_teams_and_a_search(hr_client, org):
    sales = TeamFactory(name="Sales")
    sellers = [
        PersonFactory(email=f"s{i}@example.com", name=f"Seller {i}", team=sales) for i in range(3)
    ]
    cycle = services.cycle_create(name="C", closes_at=in_days(10))
    url = f"/cycles/{cycle.pk}/participants/"
    hr_client.post(url, {"action": "teams", "team": [str(sales.pk)]})
    assert set(cycle.participants.all()) == set(sellers)
    found = hr_client.get(url, {"q": "pat"}).content.decode()
    assert "Pat Peer" in found and "Seller" not in found.split('id="search"')[1]
    response = hr_client.post(
        url, {"action": "people", "person": [str(org["peer"].pk)], "q": "pat"}
    )
    assert response["Location"] == f"{url}?q=pat#search"
    assert org["peer"] in cycle.participants.all()
    hr_client.post(url, {"action": "remove", "person": [str(sellers[0].pk)]})
    assert cycle.participants.count() == 3
    hr_client.post(url, {"action": "clear"})
    assert cycle.participants.count() == 0
    hr_client.post(url, {"action": "everyone"})
    assert cycle.participants.count() == 7 + 3
    # Nonsense leaves the choice as it was, with a message.
    page = hr_client.post(url, {"action": "people", "person": ["x"]}, follow=True).content.decode()
    assert "Tick at least one person." in page
    assert cycle.participants.count() == 10


def test_the_review_counts_requests_and_invitations_and_warns_about_the_cap(hr_client, org):
    cycle = services.cycle_create(name="C", closes_at=in_days(10), max_requests_per_rater=1)
    services.cycle_participants_add(cycle=cycle, people=[org["dev"].pk, org["peer"].pk])
    page = hr_client.get(f"/cycles/{cycle.pk}/review/").content.decode()
    # Hand-worked: Dev (self, boss Lena, peer Pat) and Pat (self, boss Lena, peer Dev);
    # with a cap of 1 Lena is asked for Dev only.
    assert "<strong>2</strong> feedback requests" in page
    assert "<strong>5</strong> survey invitations emailed now" in page
    assert "Lena Lead would be asked more than 1 times (the rater cap)" in page
    assert "Pat Peer" in page
    assert "Open cycle and send 5 invitations" in page
    assert not FeedbackRequest.objects.exists()  # reviewing writes nothing


def test_open_cycle_opens_creates_the_requests_and_emails_the_raters(
    hr_client, org, django_capture_on_commit_callbacks
):
    cycle = services.cycle_create(name="C", closes_at=in_days(10))
    services.cycle_participants_add(cycle=cycle, people=[org["dev"].pk])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = hr_client.post(f"/cycles/{cycle.pk}/review/", follow=True)
    page = response.content.decode()
    assert "C is open: 1 feedback request created and 3 survey invitations on their way." in page
    assert sorted(m.to[0] for m in mail.outbox) == [
        "dev@example.com",
        "lead@example.com",
        "peer@example.com",
    ]
    assert Rater.objects.filter(request__cycle=cycle, status="invited").count() == 3
    # The set-up is over: its pages send HR to the cycles page.
    again = hr_client.get(f"/cycles/{cycle.pk}/participants/")
    assert again.status_code == 302 and again["Location"] == "/reports/hr/"


def test_a_refused_open_shows_why_and_keeps_the_draft(hr_client, org):
    cycle = services.cycle_create(name="C", closes_at=in_days(10))
    services.cycle_participants_add(cycle=cycle, people=[org["dev"].pk])
    Cycle.objects.filter(pk=cycle.pk).update(closes_at=timezone.now() - datetime.timedelta(hours=2))
    page = hr_client.post(f"/cycles/{cycle.pk}/review/", follow=True).content.decode()
    assert "has passed; choose a later one" in page
    cycle.refresh_from_db()
    assert cycle.status == "draft" and not FeedbackRequest.objects.exists()


@pytest.mark.parametrize("who", ["lead", "dev", "outsider"])
def test_the_set_up_pages_are_not_found_for_anyone_but_hr(client, org, who):
    cycle = services.cycle_create(name="C", closes_at=in_days(10))
    client.force_login(org[who].user)
    for url in (
        "/cycles/new/",
        *(f"/cycles/{cycle.pk}/{step}/" for step in ("settings", "participants", "review")),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "everyone", **settings_form()}).status_code == 404
    assert cycle.participants.count() == 0 and Cycle.objects.count() == 1

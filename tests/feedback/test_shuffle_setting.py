"""The per-cycle "shuffle comments" setting (issue 16): set while a draft from the wizard,
the admin and the API, fixed once the cycle opens, and used by the PDF's layout."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from feedback import services
from feedback.models import Cycle
from tests.feedback.test_admin import cycle_form
from tests.feedback.test_cycle_pages import settings_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_client(client, org, questionnaire):
    client.force_login(org["hr"].user)
    return client


def test_hr_turns_shuffling_on_in_the_wizard_and_off_again(hr_client):
    page = hr_client.get("/cycles/new/").content.decode()
    assert 'name="shuffle_comments"' in page and "checked" not in page.split("shuffle")[1][:80]
    hr_client.post("/cycles/new/", settings_form(shuffle_comments="on"))
    cycle = Cycle.objects.get()
    assert cycle.shuffle_comments is True
    assert (
        "shuffled across questions" in hr_client.get(f"/cycles/{cycle.pk}/review/").content.decode()
    )
    settings_page = hr_client.get(f"/cycles/{cycle.pk}/settings/").content.decode()
    assert 'id="id_shuffle_comments" name="shuffle_comments" value="on" checked' in settings_page
    hr_client.post(f"/cycles/{cycle.pk}/settings/", settings_form())  # unticked
    cycle.refresh_from_db()
    assert cycle.shuffle_comments is False


def test_a_bad_form_keeps_the_box_as_ticked(hr_client):
    response = hr_client.post("/cycles/new/", settings_form(name="", shuffle_comments="on"))
    assert response.status_code == 400
    assert 'value="on" checked' in response.content.decode()
    assert not Cycle.objects.exists()


def test_the_api_sets_it_on_create_and_reports_it(org, questionnaire):
    client = APIClient()
    client.force_authenticate(org["hr"].user)
    closes = (timezone.now() + datetime.timedelta(days=10)).isoformat()
    body = {"name": "Shuffled", "closes_at": closes, "shuffle_comments": True}
    response = client.post("/api/v1/cycles/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["shuffle_comments"] is True
    plain = client.post("/api/v1/cycles/", {"name": "Plain", "closes_at": closes}, format="json")
    assert plain.json()["shuffle_comments"] is False
    bad = client.post("/api/v1/cycles/", {**body, "shuffle_comments": "maybe"}, format="json")
    assert bad.status_code == 400


def test_it_is_fixed_once_the_cycle_opens(org, questionnaire):
    cycle = services.cycle_create(
        name="C", closes_at=timezone.now() + datetime.timedelta(days=5), shuffle_comments=True
    )
    services.cycle_open(cycle=cycle)
    with pytest.raises(Exception, match="fixed"):
        services.cycle_settings_update(cycle=cycle, shuffle_comments=False)
    cycle.refresh_from_db()
    assert cycle.shuffle_comments is True


def test_the_admin_edits_it_on_a_draft(client, org, questionnaire):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("root@example.com", "root@example.com", "x")
    client.force_login(user)
    cycle = services.cycle_create(name="C", closes_at=timezone.now() + datetime.timedelta(days=5))
    page = client.get(f"/admin/feedback/cycle/{cycle.pk}/change/").content.decode()
    assert 'name="shuffle_comments"' in page
    response = client.post(
        f"/admin/feedback/cycle/{cycle.pk}/change/", cycle_form(cycle, shuffle_comments="on")
    )
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.shuffle_comments is True

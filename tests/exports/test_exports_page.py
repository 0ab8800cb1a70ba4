"""The exports page: ask for a file, then find its download link."""

import pytest
from django.test import Client

from exports.models import Export
from feedback.models import Cycle
from tests.exports.export_fixtures import build_closed_cycle, build_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def logged_in(person):
    client = Client()
    client.force_login(person.user)
    return client


def test_it_sends_anonymous_visitors_to_the_login_page():
    response = Client().get("/reports/exports/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_hr_asks_for_a_team_file_and_gets_a_download_link(django_capture_on_commit_callbacks):
    org = build_organisation()
    cycle, _ = build_closed_cycle(org)
    client = logged_in(org["hr"])
    page = client.get("/reports/exports/")
    assert page.status_code == 200 and cycle.name in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/reports/exports/", {"kind": "team_xlsx", "cycle": cycle.id, "team": "Product"}
        )
    assert response.status_code == 302
    export = Export.objects.get()
    assert export.status == "done"
    page = client.get("/reports/exports/").content.decode()
    assert f"/api/v1/exports/{export.id}/download/" in page


def test_a_refusal_is_shown_as_a_message(django_capture_on_commit_callbacks):
    org = build_organisation()
    cycle, _ = build_closed_cycle(org)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.OPEN)
    client = logged_in(org["manager"])
    response = client.post(
        "/reports/exports/", {"kind": "team_csv", "cycle": cycle.id}, follow=True
    )
    assert "Reports cannot be exported while the cycle is open" in response.content.decode()
    assert not Export.objects.exists()

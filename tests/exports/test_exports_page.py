"""The exports page: ask for a file, then find its download link."""

import re

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


def options_of(page: str, select_id: str) -> list[tuple[str, str]]:
    """The (value, text) of each option of one <select> on the page."""
    block = re.search(rf'<select id="{select_id}".*?</select>', page, re.S).group()
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', block)


def test_it_offers_people_and_teams_from_lists_with_no_number_to_type():
    org = build_organisation()
    cycle, requests = build_closed_cycle(org)
    page = logged_in(org["hr"]).get("/reports/exports/").content.decode()
    people = options_of(page, "request")
    assert (str(requests["sam"].id), f"Sam Subject ({cycle.name})") in people
    assert (str(requests["seller"].id), f"Sid Seller ({cycle.name})") in people
    assert [text for value, text in options_of(page, "team") if value] == ["Product", "Sales"]
    assert 'type="text"' not in page.split('<form method="post"')[1].split("</form>")[0]
    assert ">Person</label>" in page and ">Team</label>" in page


def test_a_manager_is_offered_only_their_lines_people_of_released_cycles():
    org = build_organisation()
    cycle, requests = build_closed_cycle(org)
    client = logged_in(org["manager"])
    # Closed, not released: nothing of it is the manager's to export yet.
    assert [
        v for v, _ in options_of(client.get("/reports/exports/").content.decode(), "request") if v
    ] == []
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.RELEASED)
    page = client.get("/reports/exports/").content.decode()
    people = {value for value, _ in options_of(page, "request") if value}
    assert people == {str(requests["sam"].id), str(requests["mallory"].id)}
    assert [text for value, text in options_of(page, "team") if value] == ["Product"]
    assert "Sid Seller" not in page


# Transactions as in production (autocommit): with the embedded defaults the task runs
# eagerly when export_create commits, inside the POST, so the page already has the file.
@pytest.mark.django_db(transaction=True)
def test_it_builds_an_individual_report_for_the_person_chosen_and_says_it_is_ready():
    org = build_organisation()
    cycle, requests = build_closed_cycle(org)
    client = logged_in(org["hr"])
    response = client.post(
        "/reports/exports/",
        {"kind": "individual_pdf", "cycle": "", "team": "", "request": requests["sam"].id},
        follow=True,
    )
    export = Export.objects.get()
    assert (export.request_id, export.cycle_id, export.status) == (
        requests["sam"].id,
        cycle.id,
        "done",
    )
    page = response.content.decode()
    assert "Your file is ready: download it below." in page
    assert f"/api/v1/exports/{export.id}/download/" in page


def test_a_missing_person_is_said_in_plain_words_and_the_choices_are_kept():
    org = build_organisation()
    cycle, _ = build_closed_cycle(org)
    response = logged_in(org["hr"]).post(
        "/reports/exports/",
        {"kind": "individual_pdf", "cycle": cycle.id, "team": "", "request": ""},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Person: Choose whose individual report to build from the list." in page
    assert "Bad input" not in page
    assert '<option value="individual_pdf" selected>' in page
    assert f'<option value="{cycle.id}" selected>' in page
    assert not Export.objects.exists()


def test_a_person_out_of_reach_is_refused_and_the_team_chosen_is_kept():
    org = build_organisation()
    cycle, requests = build_closed_cycle(org)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.RELEASED)
    client = logged_in(org["manager"])
    response = client.post(
        "/reports/exports/",
        {"kind": "individual_pdf", "cycle": cycle.id, "request": requests["seller"].id},
    )
    assert response.status_code == 400
    assert "Person: Choose a person from the list." in response.content.decode()
    response = client.post(
        "/reports/exports/",
        {"kind": "team_csv", "cycle": cycle.id, "team": "Product", "request": requests["sam"].id},
    )
    page = response.content.decode()
    assert response.status_code == 400 and "Person: Only an individual report" in page
    assert '<option value="Product" selected>' in page
    assert f'<option value="{requests["sam"].id}" selected>' in page
    assert not Export.objects.exists()

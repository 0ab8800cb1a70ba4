"""POST/GET /exports/ and the download: who may export what, when, and what they get.

Tasks run in-process here (eager); tests/reports/test_export_tasks.py runs a real worker.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from exports.models import Export
from exports.services import exports_purge_expired
from feedback.models import Cycle
from tests.exports.export_fixtures import build_closed_cycle, build_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def org(db):
    return build_organisation()


@pytest.fixture
def closed(org):
    return build_closed_cycle(org)


def client_for(person):
    client = APIClient()
    if person is not None:
        client.force_authenticate(person.user)
    return client


def post(person, django_capture_on_commit_callbacks, **body):
    with django_capture_on_commit_callbacks(execute=True):
        return client_for(person).post("/api/v1/exports/", body, format="json")


def release(cycle):
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.RELEASED)


def test_it_builds_an_individual_pdf_for_hr_and_serves_it_with_a_safe_name(
    org, closed, django_capture_on_commit_callbacks
):
    cycle, requests = closed
    response = post(
        org["hr"],
        django_capture_on_commit_callbacks,
        kind="individual_pdf",
        cycle=cycle.id,
        request=requests["mallory"].id,
    )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert set(body) >= {"id", "kind", "status", "progress", "download_url"}
    assert body["kind"] == "individual_pdf"
    polled = client_for(org["hr"]).get(f"/api/v1/exports/{body['id']}/").json()
    assert polled["status"] == "done" and polled["progress"] == 100
    download = client_for(org["hr"]).get(polled["download_url"])
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert content.startswith(b"%PDF")
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # The subject's name is "=HYPERLINK(...)": nothing of its punctuation reaches the header.
    name = polled["download_name"]
    assert name.endswith(".pdf") and all(c.isalnum() or c in "-." for c in name)
    assert name in disposition
    stored = Export.objects.get(pk=body["id"]).file.name
    assert stored.startswith("exports/") and "hyperlink" not in stored.lower()


def test_it_marks_the_cycle_read_so_it_cannot_reopen(
    org, closed, django_capture_on_commit_callbacks
):
    cycle, _ = closed
    assert cycle.results_read_at is None
    post(org["hr"], django_capture_on_commit_callbacks, kind="team_csv", cycle=cycle.id)
    cycle.refresh_from_db()
    assert cycle.results_read_at is not None


@pytest.mark.parametrize("kind", ["team_xlsx", "team_csv", "team_pdf", "bundle_zip"])
def test_it_builds_every_team_kind(org, closed, kind, django_capture_on_commit_callbacks):
    cycle, _ = closed
    response = post(
        org["hr"], django_capture_on_commit_callbacks, kind=kind, cycle=cycle.id, team="product"
    )
    assert response.status_code == 202
    export = Export.objects.get(pk=response.json()["id"])
    assert export.status == "done", export.error
    assert export.team == org["product"] and export.size > 0


def test_it_refuses_everyone_while_the_cycle_is_open(
    org, closed, django_capture_on_commit_callbacks
):
    cycle, requests = closed
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.OPEN)
    response = post(org["hr"], django_capture_on_commit_callbacks, kind="team_csv", cycle=cycle.id)
    assert response.status_code == 409
    assert not Export.objects.exists()


def test_it_refuses_a_manager_until_the_cycle_is_released(
    org, closed, django_capture_on_commit_callbacks
):
    cycle, requests = closed
    body = {"kind": "individual_pdf", "cycle": cycle.id, "request": requests["sam"].id}
    response = post(org["manager"], django_capture_on_commit_callbacks, **body)
    # A closed cycle is HR's alone until released: not found, as if it did not exist
    # (issue 11, finding 5); an open one is refused as open.
    assert (response.status_code, response.json()) == (404, {"detail": "Not found.", "errors": {}})
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.OPEN)
    response = post(org["manager"], django_capture_on_commit_callbacks, **body)
    assert response.status_code == 409
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.CLOSED)
    release(cycle)
    response = post(org["manager"], django_capture_on_commit_callbacks, **body)
    assert response.status_code == 202
    assert Export.objects.get().status == "done"


# The permission matrix, once the cycle is released. 404 for anything out of reach.
MATRIX = [
    # who, kind, target, expected
    ("hr", "individual_pdf", "seller", 202),
    ("hr", "team_xlsx", "sales", 202),
    ("hr", "bundle_zip", None, 202),
    ("manager", "individual_pdf", "sam", 202),
    ("manager", "individual_pdf", "seller", 404),
    ("manager", "team_xlsx", "product", 202),
    ("manager", "team_xlsx", "sales", 404),
    ("manager", "bundle_zip", None, 202),
    ("ceo", "team_pdf", "sales", 202),
    ("other_manager", "individual_pdf", "sam", 404),
    ("other_manager", "team_csv", "product", 404),
    ("other_manager", "team_csv", "sales", 202),
    ("employee", "individual_pdf", "sam", 404),
    ("employee", "team_csv", "sales", 404),
    ("employee", "bundle_zip", None, 404),
    ("sam", "individual_pdf", "sam", 404),  # the subject reads their results in the app
    ("anonymous", "team_csv", "product", 401),
]


@pytest.mark.parametrize(("who", "kind", "target", "expected"), MATRIX)
def test_permission_matrix(
    org, closed, who, kind, target, expected, django_capture_on_commit_callbacks
):
    cycle, requests = closed
    release(cycle)
    body = {"kind": kind, "cycle": cycle.id}
    if kind == "individual_pdf":
        body["request"] = requests[target].id
    elif target:
        body["team"] = target
    person = None if who == "anonymous" else org[who]
    response = post(person, django_capture_on_commit_callbacks, **body)
    assert response.status_code == expected, response.json()


def test_a_manager_team_export_holds_only_their_line(
    org, closed, django_capture_on_commit_callbacks
):
    cycle, _ = closed
    release(cycle)
    # Bo manages Sam and "=HYPERLINK..." in Product; Sid Seller is Sally's, in Sales.
    response = post(
        org["manager"], django_capture_on_commit_callbacks, kind="team_csv", cycle=cycle.id
    )
    export = Export.objects.get(pk=response.json()["id"])
    text = export.file.read().decode("utf-8-sig")
    assert "Sam Subject" in text and "Sid Seller" not in text


def test_it_shows_an_export_only_to_whoever_started_it_and_hr(
    org, closed, django_capture_on_commit_callbacks
):
    cycle, _ = closed
    release(cycle)
    response = post(
        org["manager"], django_capture_on_commit_callbacks, kind="team_csv", cycle=cycle.id
    )
    export_id = response.json()["id"]
    url = f"/api/v1/exports/{export_id}/"
    assert client_for(org["manager"]).get(url).status_code == 200
    assert client_for(org["hr"]).get(url).status_code == 200
    assert client_for(org["other_manager"]).get(url).status_code == 404
    assert client_for(org["other_manager"]).get(url + "download/").status_code == 404
    assert client_for(org["employee"]).get(url + "download/").status_code == 404
    assert APIClient().get(url + "download/").status_code == 401
    assert client_for(org["hr"]).get(url + "download/").status_code == 200


def test_it_lists_your_own_exports_and_hr_sees_all(
    org, closed, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    cycle, _ = closed
    release(cycle)
    post(org["manager"], django_capture_on_commit_callbacks, kind="team_csv", cycle=cycle.id)
    post(org["hr"], django_capture_on_commit_callbacks, kind="team_csv", cycle=cycle.id)
    post(org["hr"], django_capture_on_commit_callbacks, kind="team_pdf", cycle=cycle.id)
    mine = client_for(org["manager"]).get("/api/v1/exports/").json()
    assert mine["count"] == 1
    with django_assert_max_num_queries(6):
        everyone = client_for(org["hr"]).get("/api/v1/exports/").json()
    assert everyone["count"] == 3
    assert client_for(org["employee"]).get("/api/v1/exports/").json()["count"] == 0


def test_it_answers_409_while_the_file_is_not_ready(org, closed):
    cycle, _ = closed
    export = Export.objects.create(
        kind="team_csv",
        cycle=cycle,
        requested_by=org["hr"].user,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    response = client_for(org["hr"]).get(f"/api/v1/exports/{export.id}/download/")
    assert response.status_code == 409
    assert client_for(org["hr"]).get(f"/api/v1/exports/{export.id}/").json()["download_url"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "poster"}, "kind"),
        ({"kind": "individual_pdf"}, "request"),
        ({"kind": "team_csv", "cycle": "x"}, "cycle"),
        ({"kind": "team_csv", "cycle": 10**30}, "cycle"),
        ({"kind": "individual_pdf", "request": 10**30}, "request"),
    ],
)
def test_it_rejects_bad_input_with_400(
    org, closed, body, field, django_capture_on_commit_callbacks
):
    cycle, _ = closed
    if "cycle" not in body:
        body["cycle"] = cycle.id
    response = post(org["hr"], django_capture_on_commit_callbacks, **body)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_it_answers_404_for_an_unknown_cycle_or_team(
    org, closed, django_capture_on_commit_callbacks
):
    cycle, _ = closed
    assert (
        post(
            org["hr"], django_capture_on_commit_callbacks, kind="team_csv", cycle=999999
        ).status_code
        == 404
    )
    assert (
        post(
            org["hr"],
            django_capture_on_commit_callbacks,
            kind="team_csv",
            cycle=cycle.id,
            team="Nope",
        ).status_code
        == 404
    )


def test_it_deletes_expired_exports_and_their_files(
    org, closed, django_capture_on_commit_callbacks, settings
):
    cycle, _ = closed
    post(org["hr"], django_capture_on_commit_callbacks, kind="team_csv", cycle=cycle.id)
    export = Export.objects.get()
    path = export.file.path
    assert exports_purge_expired() == 0
    Export.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client_for(org["hr"]).get(f"/api/v1/exports/{export.id}/").status_code == 404
    assert exports_purge_expired() == 1
    assert not Export.objects.exists()
    import os

    assert not os.path.exists(path)
    assert "purge-expired-exports" in settings.CELERY_BEAT_SCHEDULE


def test_expiry_follows_the_retention_setting(
    org, closed, django_capture_on_commit_callbacks, settings
):
    settings.EXPORT_RETENTION_DAYS = 2
    cycle, _ = closed
    post(org["hr"], django_capture_on_commit_callbacks, kind="team_csv", cycle=cycle.id)
    export = Export.objects.get()
    kept = export.expires_at - export.created_at
    assert datetime.timedelta(days=2) - kept < datetime.timedelta(seconds=5)


def test_a_team_is_found_by_name_or_id_and_a_huge_number_is_just_unknown(
    org, closed, django_capture_on_commit_callbacks
):
    cycle, _ = closed
    by_id = post(
        org["hr"],
        django_capture_on_commit_callbacks,
        kind="team_csv",
        cycle=cycle.id,
        team=str(org["sales"].id),
    )
    assert by_id.status_code == 202 and by_id.json()["team"] == "Sales"
    huge = post(
        org["hr"],
        django_capture_on_commit_callbacks,
        kind="team_csv",
        cycle=cycle.id,
        team="9" * 40,
    )
    assert huge.status_code == 404

"""Exports built by a real Celery worker on the Redis broker, driven through the API."""

from __future__ import annotations

import io
import zipfile

import pytest
from rest_framework.test import APIClient

from feedback.models import Cycle
from reports.services import cycle_recompute
from tests.factories import PersonFactory, TeamFactory, person_with_login
from tests.reports.builders import items_of, new_request, open_cycle, respond

pytestmark = pytest.mark.services


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def closed_cycle_of(subjects: int):
    team = TeamFactory(name="Product")
    cycle = open_cycle(k=3)
    ratings = {item.id: 4 for item in items_of(cycle)}
    for index in range(subjects):
        request = new_request(cycle, subject=PersonFactory(name=f"Person {index:02d}", team=team))
        respond(request, "self", ratings)
        respond(request, "boss", dict.fromkeys(ratings, 3))
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.CLOSED)
    cycle_recompute(cycle_id=cycle.id)
    return cycle


def test_a_worker_builds_a_bundle_reporting_progress_then_serves_it(
    celery_worker, wait_for, media, settings
):
    settings.EXPORT_BUNDLE_PART_SIZE = 1  # one task per PDF: progress moves in steps
    cycle = closed_cycle_of(6)
    hr = person_with_login(email="hr@example.com", hr=True, team=None)
    client = APIClient()
    client.force_authenticate(hr.user)

    response = client.post(
        "/api/v1/exports/", {"kind": "bundle_zip", "cycle": cycle.id}, format="json"
    )
    assert response.status_code == 202
    assert response.json()["status"] == "queued" and response.json()["download_url"] is None
    url = f"/api/v1/exports/{response.json()['id']}/"

    seen = []

    def finished():
        body = client.get(url).json()
        seen.append(body["progress"])
        return body if body["status"] in ("done", "failed") else None

    body = wait_for(finished, timeout=90, interval=0.02)
    assert body["status"] == "done", body["error"]
    assert body["progress"] == 100
    assert any(0 < p < 100 for p in seen), seen  # the page had something to show
    assert seen == sorted(seen)  # progress never goes back
    download = client.get(body["download_url"])
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))) as archive:
        names = archive.namelist()
    assert len(names) == 6 and names[0].startswith("person-00-")


def test_a_worker_builds_a_team_xlsx_requested_through_the_api(celery_worker, wait_for, media):
    cycle = closed_cycle_of(3)
    hr = person_with_login(email="hr@example.com", hr=True, team=None)
    client = APIClient()
    client.force_authenticate(hr.user)
    response = client.post(
        "/api/v1/exports/",
        {"kind": "team_xlsx", "cycle": cycle.id, "team": "Product"},
        format="json",
    )
    url = f"/api/v1/exports/{response.json()['id']}/"
    body = wait_for(lambda: (b := client.get(url).json())["status"] == "done" and b, timeout=60)
    download = client.get(body["download_url"])
    assert download["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert body["download_name"].endswith(".xlsx")

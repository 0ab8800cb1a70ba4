"""HR's actions leave an audit trail: who, what, on what, when."""

import datetime
import io

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import people_import
from core.models import AuditEvent
from feedback import services as feedback_services
from tests.factories import person_with_login

pytestmark = pytest.mark.django_db


def test_it_records_who_opened_closed_and_released_a_cycle_through_the_api():
    hr = person_with_login(email="hr@example.com", hr=True)
    cycle = feedback_services.cycle_create(
        name="Autumn", closes_at=timezone.now() + datetime.timedelta(days=7)
    )
    client = APIClient()
    client.force_authenticate(hr.user)
    for action in ("open", "close", "release"):
        assert client.post(f"/api/v1/cycles/{cycle.id}/{action}/").status_code == 200
    events = list(
        AuditEvent.objects.order_by("id").values_list("actor_label", "action", "target_id")
    )
    assert events == [
        ("hr@example.com", "cycle.open", cycle.id),
        ("hr@example.com", "cycle.close", cycle.id),
        ("hr@example.com", "cycle.release", cycle.id),
    ]


def test_it_records_nothing_for_a_refused_action():
    hr = person_with_login(email="hr@example.com", hr=True)
    cycle = feedback_services.cycle_create(
        name="Autumn", closes_at=timezone.now() + datetime.timedelta(days=7)
    )
    client = APIClient()
    client.force_authenticate(hr.user)
    assert client.post(f"/api/v1/cycles/{cycle.id}/release/").status_code == 409
    assert not AuditEvent.objects.exists()


def test_it_records_an_import_with_its_counts():
    hr = person_with_login(email="hr@example.com", hr=True)
    people_import(
        file=io.BytesIO(b"email,name,title,team,manager_email\na@x.com,A,,,\n"), actor=hr.user
    )
    event = AuditEvent.objects.get(action="people.import")
    assert (event.actor, event.detail["created"]) == (hr.user, 1)


def test_it_keeps_the_audit_log_read_only_in_the_admin(client):
    hr = person_with_login(email="hr@example.com", hr=True)
    hr.user.is_staff = True
    hr.user.save()
    AuditEvent.objects.create(actor_label="x", action="cycle.open")
    client.force_login(hr.user)
    assert client.get("/admin/core/auditevent/").status_code == 200
    assert client.get("/admin/core/auditevent/add/").status_code == 403


def test_it_records_who_exported_and_downloaded_what(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    from exports.models import Export
    from feedback.models import Cycle
    from tests.reports.builders import items_of, new_request, open_cycle, respond

    settings.MEDIA_ROOT = tmp_path
    hr = person_with_login(email="hr@example.com", hr=True)
    cycle = open_cycle()
    request = new_request(cycle)
    respond(request, "boss", {items_of(cycle)[0].id: 4})
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.CLOSED)
    client = APIClient()
    client.force_authenticate(hr.user)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/v1/exports/", {"kind": "team_csv", "cycle": cycle.id}, format="json"
        )
    assert created.status_code == 202
    export = Export.objects.get()
    assert export.status == "done"  # tasks run in-process in unit tests
    assert client.get(f"/api/v1/exports/{export.id}/download/").status_code == 200
    actions = list(
        AuditEvent.objects.filter(actor=hr.user).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["export.create", "export.download"]

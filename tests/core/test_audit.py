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

"""Issue 16 on PostgreSQL with the real broker and a real Celery worker: the close
computes the results, the coach's release freezes one report and its email goes out once,
and the cycle-wide release freezes the rest without touching the released one."""

import pytest
from django.core import mail
from rest_framework.test import APIClient

from feedback import services as feedback_services
from feedback.models import Cycle
from reports import services
from reports.models import CycleResponseQuality, Debrief, GapAnalysis
from tests.factories import person_with_login
from tests.reports.builders import answer_all, new_request, open_cycle, respond

pytestmark = pytest.mark.services


def client_for(person) -> APIClient:
    client = APIClient()
    client.force_authenticate(person.user)
    return client


def test_the_release_to_one_subject_with_the_worker(postgres, celery_worker, wait_for):
    hr = person_with_login(email="hr@example.com", name="Hana HR", hr=True)
    sam = person_with_login(email="sam@example.com", name="Sam Subject")
    kim = person_with_login(email="kim@example.com", name="Kim Other")
    coach = person_with_login(email="cory@example.com", name="Cory Coach")
    cycle = open_cycle(k=2)
    Cycle.objects.filter(pk=cycle.pk).update(debrief_before_release=True)
    cycle.refresh_from_db()
    ratings = {int(k): v for k, v in answer_all(cycle, 4).items()}
    requests = []
    for subject in (sam, kim):
        request = new_request(cycle, subject=subject)
        for relationship in ("self", "boss", "peer", "peer"):
            respond(request, relationship, ratings)
        requests.append(request)
    sam_request, kim_request = requests

    feedback_services.cycle_close(cycle=cycle, actor=hr.user)
    wait_for(lambda: GapAnalysis.objects.filter(request__cycle=cycle).count() == 2)

    hr_client = client_for(hr)
    assigned = hr_client.post(
        f"/api/v1/cycles/{cycle.pk}/coaches/",
        {"coach": coach.pk, "requests": [sam_request.pk, kim_request.pk]},
        format="json",
    )
    assert assigned.json() == {"assigned": 2}

    cory = client_for(coach)
    assert cory.get(f"/api/v1/requests/{sam_request.pk}/results/").status_code == 200
    assert client_for(sam).get(f"/api/v1/requests/{sam_request.pk}/results/").status_code == 409
    assert cory.post(f"/api/v1/requests/{sam_request.pk}/debrief/", {}).status_code == 200
    released = cory.post(f"/api/v1/requests/{sam_request.pk}/release-to-subject/")
    assert released.status_code == 200

    wait_for(lambda: len(mail.outbox) == 1)
    assert mail.outbox[0].to == ["sam@example.com"]
    assert f"/reports/requests/{sam_request.pk}/" in mail.outbox[0].body
    sent_at = wait_for(lambda: Debrief.objects.get(pk=sam_request.pk).release_email_sent_at)
    # The task is idempotent: a redelivery finds the email sent and sends nothing.
    assert services.report_released_mark_sent(request_id=sam_request.pk, send=None) is False

    frozen = GapAnalysis.objects.get(request=sam_request)
    assert frozen.frozen_at is not None
    assert client_for(sam).get(f"/api/v1/requests/{sam_request.pk}/results/").status_code == 200

    # The cycle-wide release: the worker freezes Kim's report and the response quality;
    # Sam's stays exactly as it was released.
    assert hr_client.post(f"/api/v1/cycles/{cycle.pk}/release/").status_code == 200
    wait_for(lambda: GapAnalysis.objects.get(request=kim_request).frozen_at is not None)
    wait_for(lambda: CycleResponseQuality.objects.filter(pk=cycle.pk).exists())
    again = GapAnalysis.objects.get(request=sam_request)
    assert (again.frozen_at, again.data) == (frozen.frozen_at, frozen.data)
    assert Debrief.objects.get(pk=sam_request.pk).release_email_sent_at == sent_at
    assert len(mail.outbox) == 1
    quality = hr_client.get(f"/api/v1/cycles/{cycle.pk}/response-quality/").json()
    assert quality["straight_lining"] == {"shown": True, "n": 6, "count": 6, "share": 100.0}

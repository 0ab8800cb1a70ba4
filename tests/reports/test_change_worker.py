"""Issue 16 with the real worker and broker (run on PostgreSQL with REQUIRE_SERVICES=1):
a cycle closed and released through the feedback services, its results computed and
frozen by the worker, then read through the API and exported by the worker, compared
with the subject's earlier released cycle."""

import csv
import io

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from exports import services as export_services
from exports.models import Export
from feedback import services as feedback_services
from feedback.models import Cycle
from reports.models import GapAnalysis
from tests.factories import TeamFactory, person_with_login
from tests.reports.builders import open_cycle
from tests.reports.change_builders import answered, release_frozen
from tests.reports.test_change import EARLIER, LATER

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_freezes_a_release_that_then_shows_the_change(
    celery_worker, wait_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GAP_ANALYSIS_COALESCE_SECONDS = 60
    team = TeamFactory(name="Product")
    boss = person_with_login(email="boss@example.com", name="Bo Boss", team=team)
    sam = person_with_login(email="sam@example.com", name="Sam Subject", manager=boss, team=team)
    hr = person_with_login(email="hr@example.com", name="Hana HR", hr=True, team=None)
    first = open_cycle(k=3)
    before = answered(first, sam, EARLIER)
    release_frozen(first, closes_days_ago=200)

    second = open_cycle(k=3)
    now = answered(second, sam, LATER)
    feedback_services.cycle_close(cycle=Cycle.objects.get(pk=second.pk), actor=hr.user)
    wait_for(lambda: GapAnalysis.objects.filter(request=now, computed_at__isnull=False).exists())
    feedback_services.cycle_release(cycle=Cycle.objects.get(pk=second.pk), actor=hr.user)
    wait_for(lambda: GapAnalysis.objects.filter(request=now, frozen_at__isnull=False).exists())

    client = APIClient()
    client.force_authenticate(sam.user)
    response = client.get(f"/api/v1/requests/{now.id}/results/")
    assert response.status_code == 200
    (previous,) = response.json()["previous"]
    assert previous["request"] == before.id
    assert previous["behaviours"][0]["leadership"]["others"] == {
        "before": 3.0,
        "now": 4.75,
        "change": 1.75,
        "notable": True,
    }

    with transaction.atomic():
        export = export_services.export_create(
            user=hr.user, kind="team_csv", cycle_id=second.id, team="Product"
        )
    wait_for(lambda: Export.objects.get(pk=export.pk).status == Export.Status.DONE)
    export.refresh_from_db()
    rows = list(csv.DictReader(io.StringIO(export.file.read().decode("utf-8-sig"))))
    others = next(
        r
        for r in rows
        if (r["behaviour"], r["pole"], r["group"], r["figure"])
        == ("vision", "leadership", "others", "score")
    )
    assert (others["previous_score"], others["change"], others["change_notable"]) == (
        "3.00",
        "+1.75",
        "yes",
    )

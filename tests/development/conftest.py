import datetime

import pytest
from django.utils import timezone

from feedback.models import Cycle
from tests.reports.builders import new_request, open_cycle, questionnaire, respond


def released_report(subject, *, created_at=None):
    """A released report about ``subject`` with figures (self, boss and three peers)."""
    from reports.services import cycle_recompute

    framework = questionnaire()
    cycle = open_cycle(k=2)
    request = new_request(cycle, subject=subject)
    items = list(framework.items.values_list("id", flat=True))
    for relationship, value in (("self", 5), ("boss", 3), ("peer", 2), ("peer", 4)):
        respond(request, relationship, dict.fromkeys(items, value))
    cycle_recompute(cycle_id=cycle.id)
    fields = {"status": Cycle.Status.RELEASED, "released_at": timezone.now()}
    if created_at is not None:
        fields["created_at"] = created_at
    Cycle.objects.filter(pk=cycle.pk).update(**fields)
    request.cycle.refresh_from_db()
    return request


@pytest.fixture
def report(org):
    """Dev's released report (dev reports to lead, who reports to vp, under ceo)."""
    return released_report(org["dev"])


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


FOCUS = [
    {"behaviour": "development", "pole": "leadership"},
    {"behaviour": "risk", "pole": "management"},
]


@pytest.fixture
def plan(org, report):
    from development import services

    return services.plan_create(
        subject=org["dev"],
        request_id=report.id,
        focus=FOCUS,
        actions=[{"text": "Coach one junior a week", "due_date": in_days(10)}],
    )

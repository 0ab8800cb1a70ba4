"""Races that only a real database shows: many submits of one token, two launches at once."""

import threading

import pytest
from django.core import mail
from django.db import connection, connections

from core.errors import DomainError
from feedback import services
from feedback.models import Framework, Rater
from tests.feedback.conftest import in_days
from tests.reports.builders import invited

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def race(count: int, action) -> list[str]:
    """Run ``action`` in ``count`` threads released at the same instant; their outcomes."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run():
        try:
            barrier.wait()
            result = action()
        except DomainError as exc:
            result = exc.code
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_it_keeps_one_submission_when_50_submits_of_one_token_race(postgres, questionnaire, org):
    cycle = services.cycle_open(cycle=services.cycle_create(name="Race", closes_at=in_days(3)))
    request = services.request_create(
        cycle=cycle, subject=org["dev"], requested_by=org["hr"].user
    ).request
    rater, token = invited(request, "other")
    ids = Framework.objects.get(version=1).items.values_list("id", flat=True)
    services.survey_save_draft(token=token, ratings={str(i): 4 for i in ids})

    outcomes = race(50, lambda: services.survey_submit(token=token) and "submitted")
    assert sorted(outcomes) == ["conflict"] * 49 + ["submitted"]
    rater.refresh_from_db()
    assert rater.status == "submitted"
    assert rater.ratings.count() == 30
    assert connection.vendor == "postgresql"


def test_it_emails_each_rater_once_when_one_request_is_launched_twice_at_once(
    postgres, questionnaire, org
):
    cycle = services.cycle_open(cycle=services.cycle_create(name="Race", closes_at=in_days(3)))
    request = services.request_create(
        cycle=cycle, subject=org["dev"], requested_by=org["hr"].user
    ).request
    raters = Rater.objects.filter(request=request).count()

    # Tasks run in-process here (eager), so each launch sends its emails before it returns.
    outcomes = race(2, lambda: services.request_launch(request=request) and "launched")
    assert "launched" in outcomes
    assert len(mail.outbox) == raters
    assert len({m.to[0] for m in mail.outbox}) == raters

"""Races that only a real database shows: many submits of one token at once."""

import threading

import pytest
from django.db import connection, connections

from core.errors import DomainError
from feedback import services
from feedback.models import Framework, Rater
from tests.feedback.conftest import in_days


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_submission_when_20_submits_of_one_token_race(postgres, questionnaire, org):
    cycle = services.cycle_open(cycle=services.cycle_create(name="Race", closes_at=in_days(3)))
    request = services.request_create(
        cycle=cycle, subject=org["dev"], requested_by=org["hr"].user
    ).request
    from unittest import mock

    with mock.patch("feedback.tasks.send_invitation.delay") as delay:
        services.request_launch(request=request)  # autocommit: on_commit runs at once
    token = next(
        t
        for rid, t in (c.args for c in delay.call_args_list)
        if Rater.objects.get(pk=rid).relationship == "peer"
    )
    ids = Framework.objects.get(version=1).items.values_list("id", flat=True)
    services.survey_save_draft(token=token, ratings={str(i): 4 for i in ids})

    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def submit():
        try:
            barrier.wait()
            services.survey_submit(token=token)
            result = "submitted"
        except DomainError as exc:
            result = exc.code
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict"] * 19 + ["submitted"]
    rater = Rater.objects.get(request=request, relationship="peer")
    assert rater.status == "submitted"
    assert rater.ratings.count() == 30
    assert connection.vendor == "postgresql"

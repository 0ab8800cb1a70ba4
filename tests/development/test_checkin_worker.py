"""Check-in emails through beat's task, a real worker and Redis, on PostgreSQL."""

from collections import Counter

import pytest
from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.core import mail
from django.db import connection

from config.celery_app import app as celery_app
from development import services, tasks
from development.models import Action
from tests.conftest import need_service
from tests.development.conftest import FOCUS, in_days


def test_beat_runs_the_checkin_sweep():
    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"].startswith("development.")
    )
    assert entry["task"] == "development.tasks.send_checkins"
    assert entry["task"] in celery_app.tasks


@pytest.mark.services
def test_a_checkin_email_arrives_once_through_a_real_worker(celery_worker, org, wait_for):
    if connection.vendor != "postgresql":
        need_service("this test needs PostgreSQL (set DATABASE_URL)")
    plan = services.plan_create(
        subject=org["dev"],
        focus=FOCUS,
        actions=[
            {"text": "Run a retrospective", "due_date": in_days(1)},
            {"text": "Not yet", "due_date": in_days(60)},
        ],
    )
    mail.outbox.clear()
    started, finished = Counter(), Counter()

    def on_start(sender=None, **kwargs):
        started[sender.name] += 1

    def on_finish(sender=None, **kwargs):
        finished[sender.name] += 1

    task_prerun.connect(on_start, weak=False)
    task_postrun.connect(on_finish, weak=False)
    try:
        tasks.send_checkins.delay()
        tasks.send_checkins.delay()  # two beat runs in a row
        with celery_app.connection_for_write() as conn:
            queue = settings.CELERY_TASK_DEFAULT_QUEUE

            def all_done() -> bool:
                # Both sweeps ran, the queue is empty and nothing is running: every
                # check-in either sweep queued has been tried.
                return (
                    finished["development.tasks.send_checkins"] == 2
                    and not conn.default_channel.client.llen(queue)
                    and started == finished
                )

            wait_for(all_done)
    finally:
        task_prerun.disconnect(on_start)
        task_postrun.disconnect(on_finish)
    assert len(mail.outbox) == 1
    [email] = mail.outbox
    assert email.to == ["dev@example.com"]
    assert "Run a retrospective" in email.body and "Not yet" not in email.body
    assert f"/plans/{plan.pk}/" in email.body
    due = Action.objects.get(text="Run a retrospective")
    assert due.reminded_for == due.due_date
    assert Action.objects.get(text="Not yet").reminded_for is None

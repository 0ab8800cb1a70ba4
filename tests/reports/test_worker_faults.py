"""A worker killed in the middle of a recompute: the previous result stays, the job is redone.

Real processes: a Celery worker started with the `celery` command against the test
database and the Redis broker, killed with SIGKILL while it waits inside its
transaction, then a second worker that picks the unacknowledged job up again.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from celery import Celery
from django.conf import settings
from django.db import connection, transaction

from feedback.models import FeedbackRequest
from reports.models import GapAnalysis
from reports.services import gap_analyses_recompute
from reports.tasks import recompute_cycle
from tests.conftest import need_service
from tests.faults.conftest import celery_worker_argv
from tests.reports.builders import items_of, new_request, open_cycle, respond

pytestmark = pytest.mark.services
ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def isolated_broker_url() -> str:
    """The broker's Redis, on a database of its own that this test empties first: other
    tests' unacknowledged messages never stand in the way of the one redelivered here."""
    import redis

    # Four databases past the suite's own, so each test process (make test runs two, on
    # Redis databases 8 apart: config/settings/test.py) gets a different one.
    base, _, current = settings.CELERY_BROKER_URL.rpartition("/")
    url = f"{base}/{(int(current or 0) + 4) % 16}"
    redis.Redis.from_url(url).flushdb()
    return url


def start_worker(queue: str, broker_url: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        # Named, so the test knows it is this worker that waits on the lock.
        "DATABASE_URL": database_url() + "?application_name=fault-worker",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_VISIBILITY_TIMEOUT": "2",
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        celery_worker_argv(queue=queue, loglevel="INFO"),
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),  # the worker's log, to read when the test fails
        stderr=subprocess.STDOUT,
    )


def waiting_on_a_lock(monitor) -> bool:
    row = monitor.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND application_name = 'fault-worker'"
    ).fetchone()
    return row[0] > 0


@pytest.fixture
def monitor(postgres, celery_worker):
    # celery_worker: only for its checks that the broker is there; this test runs its own.
    with psycopg.connect(
        database_url().replace("postgres://", "postgresql://"), autocommit=True
    ) as conn:
        yield conn


def test_it_keeps_the_previous_result_and_redoes_the_job_when_a_worker_dies(
    monitor, wait_for, tmp_path
):
    if settings.CELERY_TASK_ALWAYS_EAGER:
        need_service("this test needs a Celery broker (set CELERY_BROKER_URL)")
    cycle = open_cycle()
    item = items_of(cycle)[0]
    request = new_request(cycle)
    respond(request, "boss", {item.id: 2})
    gap_analyses_recompute(request_ids=[request.id])
    before = GapAnalysis.objects.get(request=request)
    respond(request, "self", {item.id: 5})  # an answer the redone job must take in

    queue = f"faults-{uuid.uuid4().hex[:8]}"
    broker_url = isolated_broker_url()
    sender = Celery("faults-sender", broker=broker_url, set_as_current=False)
    first = start_worker(queue, broker_url, tmp_path / "first-worker.log")
    try:
        with transaction.atomic():
            # Hold the request row: the worker's recompute blocks inside its transaction.
            FeedbackRequest.objects.select_for_update().get(pk=request.pk)
            # An explicit connection: Celery would otherwise prefer CELERY_BROKER_URL.
            with sender.connection_for_write(broker_url) as conn:
                sender.send_task(
                    recompute_cycle.name, args=[cycle.id], queue=queue, connection=conn
                )
            wait_for(lambda: waiting_on_a_lock(monitor), timeout=120)
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        time.sleep(1)  # the dead worker's backend gets the lock, finds its client gone, rolls back
        after_kill = GapAnalysis.objects.get(request=request)
        assert (after_kill.computed_at, after_kill.cells) == (before.computed_at, before.cells)
        assert after_kill.submitted_count == 1
    finally:
        if first.poll() is None:
            first.kill()

    # A worker hands back a dead worker's job once it is older than the visibility
    # timeout (2 s here), checking when it starts and then only every 100 s: start the
    # second one after that age so the check at its start finds the job.
    time.sleep(3)
    second = start_worker(queue, broker_url, tmp_path / "second-worker.log")
    try:
        redone = wait_for(
            lambda: GapAnalysis.objects.filter(request=request, submitted_count=2).first(),
            timeout=90,
        )
        assert redone.computed_at > before.computed_at
    finally:
        second.terminate()
        second.wait(timeout=20)


SUBMIT_SCRIPT = """
import os
from feedback import services
from feedback.models import Item, Rater
from feedback.selectors import rater_for_token
token = os.environ["SURVEY_TOKEN"]
rater = rater_for_token(token=token)
items = Item.objects.filter(framework=rater.request.cycle.framework)
services.survey_save_draft(token=token, ratings={str(i.id): 5 for i in items})
services.survey_submit(token=token)
print("submitted")
"""


def test_it_saves_an_answer_while_the_broker_is_down_and_the_sweep_catches_up(monitor, wait_for):
    from reports.tasks import sweep_stale_results
    from tests.reports.builders import invited

    cycle = open_cycle()
    request = new_request(cycle)
    _, token = invited(request, "boss")
    # A web process whose broker is down: nothing listens on port 9 of this machine.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": "redis://127.0.0.1:9/0",
        "SURVEY_TOKEN": token,
    }
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SUBMIT_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "submitted" in done.stdout
    assert "broker unavailable" in done.stderr  # logged, not raised
    assert time.monotonic() - started < 60
    rater = request.raters.get()
    assert rater.status == "submitted" and rater.ratings.count() == len(items_of(cycle))
    assert not GapAnalysis.objects.filter(request=request, computed_at__isnull=False).exists()

    # The broker is back: beat's periodic sweep brings the result up to date.
    sweep_stale_results.delay()
    wait_for(lambda: GapAnalysis.objects.filter(request=request, submitted_count=1).exists())

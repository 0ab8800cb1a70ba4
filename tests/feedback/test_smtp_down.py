"""The SMTP server is down during a launch: invitations are retried, none lost, none doubled.

Real processes: a Celery worker sending through SMTP to a port where nothing listens yet,
then a real SMTP server (aiosmtpd) started on that port while the worker retries.
"""

import re

import pytest

from feedback import services
from feedback.models import Rater
from tests.faults.conftest import (
    Processes,
    celery_worker_argv,
    child_database_url,
    free_port,
    python,
    wait_for_port,
)
from tests.feedback.conftest import in_days

pytestmark = pytest.mark.services


@pytest.fixture
def processes(postgres, transactional_db):
    running = Processes()
    yield running
    running.stop_all()


MESSAGE_MARK = "---------- MESSAGE FOLLOWS ----------"


def tasks_logged(log, outcome: str) -> set[str]:
    """Ids of the invitation tasks the worker logged with this outcome (``retry``,
    ``succeeded``): what the worker did, read from its own log."""
    return set(re.findall(rf"send_invitation\[([0-9a-f-]+)\] {outcome}", log.read_text()))


def test_it_retries_invitations_until_smtp_is_back_and_sends_each_once(
    processes, real_broker, questionnaire, org, wait_for, tmp_path
):
    smtp_port = free_port()
    worker_log = tmp_path / "worker.log"
    processes.start_logged(
        celery_worker_argv(loglevel="INFO"),
        worker_log,
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DEBUG": "0",
            "SECRET_KEY": "smtp-fault-test",
            "DATABASE_URL": child_database_url(),
            "CELERY_BROKER_URL": real_broker,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_RETRY_BACKOFF_SECONDS": "1",
        },
    )
    cycle = services.cycle_open(cycle=services.cycle_create(name="Mail", closes_at=in_days(7)))
    request = services.request_create(
        cycle=cycle, subject=org["dev"], requested_by=org["hr"].user
    ).request
    raters = Rater.objects.filter(request=request).count()
    services.request_launch(request=request)  # queued after commit; SMTP is down

    # Evidence that the worker tried every invitation while SMTP was down (and retried it),
    # not merely that nothing happened yet.
    wait_for(lambda: len(tasks_logged(worker_log, "retry")) >= raters, timeout=60)
    assert not Rater.objects.filter(request=request).exclude(invitation_sent_hash="").exists()

    received = tmp_path / "smtp.log"
    processes.start_logged(python("-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}"), received)
    wait_for_port(smtp_port)
    wait_for(lambda: received.read_text().count(MESSAGE_MARK) >= raters, timeout=120)
    # Every task has finished: no retry is left that could send a duplicate later.
    wait_for(lambda: tasks_logged(worker_log, "succeeded") >= tasks_logged(worker_log, "retry"))
    log = received.read_text()
    assert log.count(MESSAGE_MARK) == raters
    for rater in Rater.objects.filter(request=request):
        assert log.count(f"To: {rater.email}") == 1, rater.email
        assert rater.invitation_sent_hash

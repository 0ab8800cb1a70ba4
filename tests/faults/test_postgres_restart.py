"""PostgreSQL restarted while requests are in flight: clean errors, no half-written rows.

This restarts the machine's PostgreSQL cluster, so it is not part of `make test`: run it
with `make faults` (it needs root and pg_ctlcluster, as on the CI machine).
"""

import os
import shutil
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from feedback.models import Item, Rater, Rating
from tests.conftest import need_service
from tests.faults.conftest import app_env, free_port, gunicorn_argv, http, wait_for_port
from tests.reports.builders import answer_all, invited, new_request, open_cycle

pytestmark = [pytest.mark.services, pytest.mark.faults]

RATERS = 40


def restart_postgres() -> None:
    versions = sorted(Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").is_dir() else []
    if not versions or not shutil.which("pg_ctlcluster") or os.geteuid() != 0:
        need_service("restarting PostgreSQL needs root and pg_ctlcluster")
    subprocess.run(
        [
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            versions[-1].name,
            "main",
            "restart",
            "-m",
            "fast",
        ],
        check=True,
        timeout=120,
    )


def test_it_answers_cleanly_and_writes_nothing_by_halves_across_a_restart(processes, wait_for):
    cycle = open_cycle()
    request = new_request(cycle)
    tokens = [invited(request, "peer")[1] for _ in range(RATERS)]
    ratings = answer_all(cycle, 3)
    items = Item.objects.filter(framework=cycle.framework).count()

    port = free_port()
    processes.start(
        gunicorn_argv(port, "--threads", "4"),
        app_env(broker_url=settings.CELERY_BROKER_URL),
    )
    wait_for_port(port)
    site = f"http://127.0.0.1:{port}"
    statuses: list[int] = []
    lock = threading.Lock()
    restarted = threading.Event()

    def rater(token):
        # Keep saving drafts until the restart is over, so requests are in flight during it.
        while not restarted.is_set():
            status, _ = http("PUT", f"{site}/api/v1/survey/{token}/", {"ratings": ratings})
            with lock:
                statuses.append(status)
        status, _ = http("POST", f"{site}/api/v1/survey/{token}/submit/")
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=rater, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    time.sleep(1)
    restart_postgres()
    time.sleep(1)
    restarted.set()
    for thread in threads:
        thread.join(timeout=120)
    connection.close()  # this process's own connection died with the restart
    print("statuses across the restart:", dict(Counter(statuses)))  # for RELIABILITY.md

    # Clean answers only: done, or "try again" (503); never a server error.
    assert set(statuses) <= {200, 400, 409, 503}, sorted(set(statuses))
    # No half-written survey: a submitted one has every answer.
    for submitted in Rater.objects.filter(request=request, status="submitted"):
        assert Rating.objects.filter(rater=submitted).count() == items
    # Raters who were told to try again can: every survey ends up submitted.
    wait_for_port(port)
    for token in tokens:
        http("PUT", f"{site}/api/v1/survey/{token}/", {"ratings": ratings})
        http("POST", f"{site}/api/v1/survey/{token}/submit/")
    assert Rater.objects.filter(request=request, status="submitted").count() == RATERS

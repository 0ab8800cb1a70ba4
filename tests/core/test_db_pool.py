"""Pooled PostgreSQL connections (issue 19): gunicorn as production starts it, with
DB_POOL_MAX_SIZE=2 and 4 threads per worker, under a burst of 48 concurrent requests.

Each worker process may hold at most 2 connections, however many threads ask (4 threads
x 2 workers would otherwise open up to 8), and keeps them between requests: the second
burst is served by the connections the first one opened, where a connection per request
(the setting without a pool) closes every one when its request ends."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection

from tests.core.test_log_masking import fetch
from tests.faults.conftest import (
    Processes,
    app_env,
    child_database_url,
    free_port,
    gunicorn_argv,
    wait_for_port,
)

pytestmark = pytest.mark.services

WORKERS, THREADS, POOL = 2, 4, 2


def backends(application_name: str) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [application_name]
        )
        return {pid for (pid,) in cursor.fetchall()}


@pytest.fixture
def pooled_site(postgres, transactional_db):
    name = f"pool-test-{uuid.uuid4().hex[:8]}"
    port = free_port()
    running = Processes()
    env = {
        **app_env(
            broker_url=settings.CELERY_BROKER_URL if not settings.CELERY_TASK_ALWAYS_EAGER else ""
        ),
        "DATABASE_URL": child_database_url(),
        "DB_POOL_MAX_SIZE": str(POOL),
        # libpq names every connection the server processes open, so the test can count them.
        "PGAPPNAME": name,
    }
    running.start(gunicorn_argv(port, "--threads", str(THREADS), "--workers", str(WORKERS)), env)
    wait_for_port(port)
    yield f"http://127.0.0.1:{port}", name
    running.stop_all()


def burst(base: str, name: str, peaks: list[int]) -> list[int]:
    """48 requests that each touch the database, 16 at a time; samples the connections."""
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = [pool.submit(fetch, f"{base}/healthz") for _ in range(48)]
        while not all(r.done() for r in results):
            peaks.append(len(backends(name)))
        return [r.result() for r in results]


def test_each_process_holds_at_most_its_pool_and_keeps_it_between_requests(pooled_site, wait_for):
    base, name = pooled_site
    peaks: list[int] = []
    statuses = burst(base, name, peaks)
    assert set(statuses) <= {200, 503}  # 503 only if the broker is down; the database answered
    first = wait_for(lambda: backends(name))

    statuses = burst(base, name, peaks)
    assert set(statuses) <= {200, 503}
    second = backends(name)
    # The connections opened by the first burst served the second and are still open.
    assert first <= second
    assert max(peaks) <= WORKERS * POOL
    assert len(second) <= WORKERS * POOL

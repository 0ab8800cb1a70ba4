"""Redis stopped while raters submit: every answer is saved, the site stays up, and the
results catch up once Redis is back. Real processes: redis-server, gunicorn, a worker."""

import signal

import pytest

from feedback.models import Rater
from reports.models import GapAnalysis
from tests.faults.conftest import (
    app_env,
    celery_worker_argv,
    free_port,
    gunicorn_argv,
    http,
    python,
    wait_for_port,
)
from tests.reports.builders import answer_all, invited, new_request, open_cycle

pytestmark = pytest.mark.services


def test_it_keeps_every_answer_while_redis_is_stopped_and_catches_up(
    processes, redis_server_binary, wait_for
):
    cycle = open_cycle()
    request = new_request(cycle)
    tokens = [invited(request, "peer")[1] for _ in range(5)]
    ratings = answer_all(cycle, 4)

    redis_port, web_port = free_port(), free_port()
    redis_argv = [
        redis_server_binary,
        "--port",
        str(redis_port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    redis = processes.start(redis_argv)
    wait_for_port(redis_port)
    env = app_env(broker_url=f"redis://127.0.0.1:{redis_port}/0")
    processes.start(
        gunicorn_argv(web_port),
        env,
    )
    wait_for_port(web_port)
    site = f"http://127.0.0.1:{web_port}"

    def submit(token):
        assert http("PUT", f"{site}/api/v1/survey/{token}/", {"ratings": ratings})[0] == 200
        return http("POST", f"{site}/api/v1/survey/{token}/submit/")

    # Two raters submit while Redis runs.
    for token in tokens[:2]:
        assert submit(token)[0] == 200

    # Redis stops (killed, as a crash would), and three more raters submit.
    processes.stop(redis, signal.SIGKILL)
    for token in tokens[2:]:
        status, body = submit(token)
        assert status == 200, body
    assert Rater.objects.filter(request=request, status="submitted").count() == 5
    # The site stays up and says what is wrong.
    assert http("GET", f"{site}/s/{tokens[0]}/")[0] == 200
    status, health = http("GET", f"{site}/healthz")
    assert status == 503 and health["database"] == "ok" and health["broker"].startswith("error")

    # Redis is back; a worker and beat's sweep bring the result up to date.
    processes.start(redis_argv)
    wait_for_port(redis_port)
    processes.start(
        celery_worker_argv(),
        env,
    )
    processes.start(
        python(
            "-m", "celery", "-A", "config.celery_app", "call", "reports.tasks.sweep_stale_results"
        ),
        env,
    )
    analysis = wait_for(
        lambda: GapAnalysis.objects.filter(request=request, submitted_count=5).first(), timeout=90
    )
    assert analysis.computed_at is not None
    assert http("GET", f"{site}/healthz")[1]["broker"] == "ok"

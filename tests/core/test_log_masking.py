"""Issue 11 finding 4: a survey token never lands in a log.

The real servers are started as production starts them (gunicorn with config/gunicorn.py,
and the development server), serving the app on a SQLite file seeded with one rater;
their real log files are then read. Django's request log and its error emails are
checked in-process, through the handlers the settings configure.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client, override_settings

from core.logs import mask_survey_tokens, survey_token_in
from tests.faults.conftest import ROOT, Processes, free_port, gunicorn_argv, wait_for_port

# A token that looks like a real one (43 URL-safe characters) but belongs to nobody.
UNKNOWN_TOKEN = "Zx9_unknown-but-plausible-token-0123456789A"

SEED = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tests.reports.builders import invited, new_request, open_cycle
rater, token = invited(new_request(open_cycle()), "peer")
print(token)
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A SQLite file migrated and seeded with one invited rater, and the environment for
    a server process to use it; returns (env, token)."""
    folder = tmp_path_factory.mktemp("served")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL")
    }
    env |= {
        # Empty, not absent: the process starter merges os.environ back in, and a shared
        # broker would give the server the test run's Redis cache (and its counters).
        "CELERY_BROKER_URL": "",
        "CACHE_URL": "",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "PYTHONUNBUFFERED": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", SEED],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return env, done.stdout.split()[-1]


@pytest.fixture
def processes():
    running = Processes()
    yield running
    running.stop_all()


def fetch(url: str, *, method: str = "GET", body: bytes | None = None, referer: str = "") -> int:
    headers = {"Content-Type": "application/json"}
    if referer:
        headers["Referer"] = referer
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def lines_of(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_gunicorn_and_django_logs_of_served_survey_requests_hold_no_token(
    site, processes, tmp_path, wait_for
):
    env, token = site
    port = free_port()
    access, output = tmp_path / "access.log", tmp_path / "server.log"
    processes.start_logged(gunicorn_argv(port, "--access-logfile", str(access)), output, env)
    wait_for_port(port)
    base = f"http://127.0.0.1:{port}"
    page = f"{base}/s/{token}/"

    statuses = [
        fetch(page),
        fetch(f"{base}/api/v1/survey/{token}/"),
        # The page's autosave and its stylesheet carry the page's URL as Referer.
        fetch(f"{base}/api/v1/survey/{token}/", method="PUT", body=b"{}", referer=page),
        fetch(f"{base}/static/css/survey.css", referer=page),
        fetch(f"{base}/s/{UNKNOWN_TOKEN}/"),
        fetch(f"{base}/api/v1/survey/{UNKNOWN_TOKEN}/submit/", method="POST", body=b"{}"),
    ]
    assert statuses == [200, 200, 200, 200, 404, 404]
    # gunicorn writes the access line after the response: wait for all six.
    wait_for(lambda: len(lines_of(access)) >= len(statuses))

    access_log, server_log = access.read_text(), output.read_text()
    for log in (access_log, server_log):
        assert token not in log
        assert UNKNOWN_TOKEN not in log
    assert '"GET /s/[masked]/ HTTP/1.1" 200' in access_log
    assert '"GET /api/v1/survey/[masked]/ HTTP/1.1" 200' in access_log
    assert '"PUT /api/v1/survey/[masked]/ HTTP/1.1" 200' in access_log
    assert f'"{base}/s/[masked]/"' in access_log  # the Referer field
    assert '"GET /s/[masked]/ HTTP/1.1" 404' in access_log
    assert '"POST /api/v1/survey/[masked]/submit/ HTTP/1.1" 404' in access_log
    # Django's own request log of the two 404s, as the worker processes wrote it.
    assert "WARNING django.request Not Found: /s/[masked]/" in server_log
    assert "WARNING django.request Not Found: /api/v1/survey/[masked]/submit/" in server_log


def test_the_development_servers_request_log_holds_no_token(site, processes, tmp_path, wait_for):
    env, token = site
    port = free_port()
    output = tmp_path / "runserver.log"
    processes.start_logged(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        output,
        env,
    )
    wait_for_port(port)
    base = f"http://127.0.0.1:{port}"
    assert fetch(f"{base}/s/{token}/") == 200
    assert fetch(f"{base}/s/{UNKNOWN_TOKEN}/") == 404
    wait_for(lambda: '"GET /s/[masked]/ HTTP/1.1" 404' in output.read_text())

    log = output.read_text()
    assert token not in log and UNKNOWN_TOKEN not in log
    assert '"GET /s/[masked]/ HTTP/1.1" 200' in log


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        f"/s/{UNKNOWN_TOKEN}/",
        f"/api/v1/survey/{UNKNOWN_TOKEN}/decline/",
        f"/my-data/{UNKNOWN_TOKEN}/",
    ],
)
def test_djangos_request_warning_of_a_404_holds_no_token(client, caplog, path):
    console = next(h for h in logging.getLogger().handlers if h.name == "console")
    written = io.StringIO()
    previous = console.setStream(written)
    try:
        with caplog.at_level(logging.WARNING, logger="django.request"):
            response = client.get(path) if path.startswith("/s/") else client.post(path)
    finally:
        console.setStream(previous)

    assert response.status_code == 404
    masked = path.replace(UNKNOWN_TOKEN, "[masked]")
    messages = [r.getMessage() for r in caplog.records if r.name == "django.request"]
    assert messages == [f"Not Found: {masked}"]
    # What the configured console handler really wrote.
    assert f"WARNING django.request Not Found: {masked}" in written.getvalue()
    assert UNKNOWN_TOKEN not in written.getvalue()


@pytest.mark.django_db
@override_settings(ADMINS=[("Ops", "ops@example.com")])
def test_the_error_email_of_a_failing_survey_request_holds_no_token(monkeypatch):
    from feedback import selectors
    from tests.reports.builders import invited, new_request, open_cycle

    _, token = invited(new_request(open_cycle()), "peer")

    def broken(**kwargs):
        raise RuntimeError("the survey could not be built")

    monkeypatch.setattr(selectors, "survey_for_rater", broken)
    mail.outbox.clear()

    response = Client(raise_request_exception=False).get(f"/s/{token}/", HTTP_REFERER="/s/x/")

    assert response.status_code == 500
    [email] = [m for m in mail.outbox if m.to == ["ops@example.com"]]
    assert "Internal Server Error: /s/[masked]/" in email.subject
    assert "/s/[masked]/" in email.body
    assert "the survey could not be built" in email.body  # the report itself is there
    assert token not in email.subject and token not in email.body
    for alternative, _ in email.alternatives:
        assert token not in alternative


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"GET /s/abc-DEF_123/ HTTP/1.1" 200', '"GET /s/[masked]/ HTTP/1.1" 200'),
        ("https://x.example/s/abc?x=1", "https://x.example/s/[masked]?x=1"),
        ("PUT /api/v1/survey/tok/submit/", "PUT /api/v1/survey/[masked]/submit/"),
        ("/login/?next=%2Fs%2Fabc%2F", "/login/?next=%2Fs%2F[masked]%2F"),
        ('"GET /my-data/tok/ HTTP/1.1" 404', '"GET /my-data/[masked]/ HTTP/1.1" 404'),
        ("/accounts/reset/MQ/c7k-0a1b2c/", "/accounts/reset/MQ/[masked]/"),
        ("/accounts/reset/MQ/set-password/", "/accounts/reset/MQ/set-password/"),
        (
            "/static/css/survey.css /reports/requests/4/",
            "/static/css/survey.css /reports/requests/4/",
        ),
    ],
)
def test_it_masks_the_token_of_every_survey_url_and_nothing_else(text, expected):
    assert mask_survey_tokens(text) == expected


def test_it_finds_the_token_of_a_survey_path():
    assert survey_token_in("/api/v1/survey/abc/submit/") == "abc"
    assert survey_token_in("/reports/") is None

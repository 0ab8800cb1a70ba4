"""Real processes for fault tests: a private Redis, gunicorn and Celery workers on the test
database. Everything listens on 127.0.0.1 and is stopped at the end of the test."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import need_service

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {timeout}s")


def child_database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


class Processes:
    def __init__(self):
        self.running: list[subprocess.Popen] = []

    def start(self, argv: list[str], env: dict | None = None) -> subprocess.Popen:
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.running.append(process)
        return process

    def start_logged(self, argv: list[str], log: Path, env: dict | None = None):
        """Start a process whose standard output (unbuffered) goes to ``log``."""
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.running.append(process)
        return process

    def stop(self, process: subprocess.Popen, sig=signal.SIGTERM) -> None:
        if process.poll() is None:
            os.killpg(process.pid, sig)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in reversed(self.running):
            self.stop(process)


@pytest.fixture
def processes(postgres, transactional_db):
    running = Processes()
    yield running
    running.stop_all()


@pytest.fixture
def redis_server_binary() -> str:
    binary = shutil.which("redis-server")
    if not binary:
        need_service("fault tests need redis-server on this machine")
    return binary


def app_env(*, broker_url: str) -> dict:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": child_database_url(),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "GAP_ANALYSIS_COALESCE_SECONDS": "1",
    }


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def gunicorn_argv(port: int, *extra: str) -> list[str]:
    """The web server as the Dockerfile starts it (2 workers here), on 127.0.0.1."""
    return python(
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "-c",
        "config/gunicorn.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--timeout",
        "60",
        *extra,
    )


def celery_worker_argv(*, queue: str | None = None, loglevel: str = "WARNING") -> list[str]:
    """A real Celery worker process as production starts one, minus the cluster chatter
    (heartbeat, mingle, gossip) that only slows a one-worker test down. ``solo``: one
    task at a time, so a test knows which task a killed worker was running."""
    return python(
        "-m",
        "celery",
        "-A",
        "config.celery_app",
        "worker",
        "-P",
        "solo",
        *(("-Q", queue) if queue else ()),
        "--without-heartbeat",
        "--without-mingle",
        "--without-gossip",
        "-l",
        loglevel,
    )


def http(method: str, url: str, body: dict | None = None) -> tuple[int, dict | str]:
    """One JSON request as an outside client sends it: (status, body). Status 0 when the
    connection itself failed."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return 0, ""
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text

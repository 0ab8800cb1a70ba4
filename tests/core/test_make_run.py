"""`make run` on another port: every link follows PORT, and the demo logins are printed
last, after the development server's start-up banner.

Runs the very commands the Makefile runs (read from `make -n run`), in subprocesses, on
a fresh SQLite file and a free port.
"""

import contextlib
import os
import queue
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from tests.faults.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent.parent


def make_run_commands(port: int) -> list[str]:
    done = subprocess.run(
        ["make", "-n", "run", f"PORT={port}"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    lines = [line for line in done.stdout.splitlines() if "manage.py" in line]
    assert [re.search(r"manage\.py (\w+)", line).group(1) for line in lines] == [
        "migrate",
        "seed_demo",
        "runserver",
    ]
    return lines


def as_argv(line: str) -> tuple[dict, list[str]]:
    """`VAR=${VAR:-1} VAR2=x .venv/bin/python manage.py ...` -> (environment, argv)."""
    words = shlex.split(line)
    env = {}
    while "=" in words[0] and not words[0].startswith("-"):
        name, value = words.pop(0).split("=", 1)
        env[name] = re.sub(r"\$\{\w+:-(\w+)\}", r"\1", value)
    assert words[0].endswith("python")
    return env, [sys.executable, *words[1:]]


def test_it_reads_site_url_from_port_unless_site_url_is_set():
    def site_url(**env):
        clean = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT")}
        done = subprocess.run(
            [sys.executable, "-c", "from django.conf import settings; print(settings.SITE_URL)"],
            cwd=ROOT,
            env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.local", **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    assert site_url() == "http://127.0.0.1:8000"
    assert site_url(PORT="8123") == "http://127.0.0.1:8123"
    assert site_url(PORT="8123", SITE_URL="https://feedback.example/") == "https://feedback.example"


def test_make_run_on_another_port_prints_the_logins_last_with_links_that_work(tmp_path):
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT", "DEBUG")},
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        "PYTHONUNBUFFERED": "1",
    }
    environment.pop("CELERY_BROKER_URL", None)  # the embedded defaults, as on a fresh machine
    migrate, seed, serve = (as_argv(line) for line in make_run_commands(port))
    summary = tmp_path / "demo-logins.txt"
    for extra_env, argv in (migrate, seed):
        argv = [summary.as_posix() if a == "var/demo-logins.txt" else a for a in argv]
        subprocess.run(argv, cwd=ROOT, env={**environment, **extra_env}, check=True, timeout=300)
    assert "hannah.reyes@example.com" in summary.read_text()

    extra_env, argv = serve
    argv = [summary.as_posix() if a == "var/demo-logins.txt" else a for a in argv]
    server = subprocess.Popen(
        argv,
        cwd=ROOT,
        env={**environment, **extra_env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the autoreloader's child too is stopped below
    )
    output: list[str] = []
    try:
        # A thread reads the output as it comes; the test waits for the last line.
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in server.stdout], daemon=True).start()
        deadline = time.monotonic() + 120
        while not any("Emails sent by the platform" in line for line in output):
            remaining = deadline - time.monotonic()
            assert remaining > 0, "".join(output)
            with contextlib.suppress(queue.Empty):
                output.append(lines.get(timeout=remaining))
        text = "".join(output)
        link = re.search(r"no login needed\): (\S+)", text).group(1)
        # The printed link works on this server, at this port.
        with urllib.request.urlopen(link, timeout=30) as response:
            assert response.status == 200
            assert "Feedback for" in response.read().decode()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    banner = text.index(f"Starting development server at http://127.0.0.1:{port}/")
    logins = text.index("hannah.reyes@example.com")
    assert banner < logins, text
    assert f"Open http://127.0.0.1:{port}/ and log in" in text
    assert link.startswith(f"http://127.0.0.1:{port}/s/")
    assert "Emails sent by the platform: " + f"http://127.0.0.1:{port}/dev/outbox/" in text

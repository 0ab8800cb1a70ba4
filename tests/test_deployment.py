"""docker-compose.yml describes production; no Docker engine runs here, so check it by reading it."""

import importlib
import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
OURS = {
    name: svc for name, svc in SERVICES.items() if svc.get("image", "").startswith("feedback360")
}


def test_it_runs_web_worker_and_beat_from_one_image():
    assert {"web", "worker", "beat"} <= set(OURS)
    assert {svc["image"] for svc in OURS.values()} == {"feedback360:latest"}
    assert all(svc["build"] == "." for svc in OURS.values())
    assert (ROOT / "Dockerfile").is_file()
    assert "requirements.txt" in (ROOT / "Dockerfile").read_text()


def test_it_has_the_backing_services():
    assert {"db", "redis", "mail"} <= set(SERVICES)
    assert SERVICES["db"]["image"].startswith("postgres:")
    assert SERVICES["redis"]["image"].startswith("redis:")


@pytest.mark.parametrize("name", ["web", "worker", "beat", "db", "redis", "mail"])
def test_it_gives_every_long_running_service_a_health_check(name):
    assert SERVICES[name]["healthcheck"]["test"]


def test_it_lets_workers_scale_out():
    worker = SERVICES["worker"]
    # A fixed container name or host port would stop `--scale worker=N`.
    assert "container_name" not in worker and "ports" not in worker


@pytest.mark.parametrize("name", sorted(OURS))
def test_it_starts_commands_that_exist_in_the_project(name):
    argv = shlex.split(OURS[name]["command"])
    program = argv[0]
    if program == "gunicorn":
        module, _, attribute = argv[1].partition(":")
        assert callable(getattr(importlib.import_module(module), attribute))
    elif program == "celery":
        module = argv[argv.index("-A") + 1]
        celery_app = importlib.import_module(module).app
        assert argv[argv.index("-A") + 2] in {"worker", "beat"}
        assert celery_app.main == "feedback360"
    elif program == "python" and argv[1] == "manage.py":
        assert (ROOT / "manage.py").is_file()
        assert argv[2] in get_commands()
    elif program == "python":
        # A script of the project's own (the `sso` profile's test provider).
        assert (ROOT / argv[1]).is_file(), argv[1]
    else:
        pytest.fail(f"unknown program {program!r} in service {name}")


def test_it_reads_the_same_environment_names_as_the_settings():
    env = OURS["web"]["environment"]
    settings_text = (ROOT / "config" / "settings" / "base.py").read_text()
    for key in env:
        assert (
            f'"{key}"' in settings_text
            or key in (ROOT / "config" / "settings" / "production.py").read_text()
        ), key


def test_it_passes_djangos_deployment_checks_with_production_settings():
    import os
    import secrets
    import subprocess
    import sys

    # The test run sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; production never does.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "feedback.example.com",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_it_refuses_to_start_production_without_a_secret_key():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "SECRET_KEY must be set in production" in done.stderr


def test_every_gunicorn_command_uses_the_config_that_masks_survey_tokens():
    import json

    from tests.faults.conftest import gunicorn_argv

    web = shlex.split(SERVICES["web"]["command"])
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = json.loads(next(line for line in dockerfile.splitlines() if line.startswith("CMD "))[4:])
    for argv in (web, cmd, gunicorn_argv(8000)):
        assert argv[argv.index("-c") + 1] == "config/gunicorn.py", argv
    assert (ROOT / "config" / "gunicorn.py").is_file()

"""With DATABASE_URL and CELERY_BROKER_URL set, the suite really runs on those services."""

import os

import pytest
from django.conf import settings

pytestmark = pytest.mark.services


def test_it_runs_on_postgresql_with_psycopg3(postgres):
    import psycopg

    assert postgres.vendor == "postgresql"
    assert postgres.connection.__class__.__module__.startswith("psycopg")
    assert psycopg.__version__.startswith("3.")


def test_it_reports_a_reachable_broker_on_healthz(celery_worker, client):
    response = client.get("/healthz")
    assert response.json()["broker"] == "ok", response.json()


def test_it_is_told_to_require_services_in_ci():
    # In CI (.ci/run) all three are set; locally this documents what "services" means.
    if os.environ.get("REQUIRE_SERVICES") != "1":
        pytest.skip("REQUIRE_SERVICES is not set: running with embedded defaults")
    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    assert settings.CELERY_BROKER_URL.startswith("redis://")

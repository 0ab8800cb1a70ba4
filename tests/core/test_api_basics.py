"""API plumbing: schema and docs served offline, /healthz, the error shape."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_it_serves_the_openapi_schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/people/import/" in schema["paths"]
    assert "/api/v1/auth/token/" in schema["paths"]


def test_it_serves_the_docs_page_without_any_cdn(client):
    html = client.get("/api/docs/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, "the docs page loads its assets from somewhere"
    assert all(not s.startswith(("http://", "https://", "//")) for s in sources), sources
    # The assets it names are really served by the project.
    for src in sources:
        if src.endswith(".js"):
            assert client.get(src).status_code == 200, src


def test_it_reports_health_of_database_and_in_process_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "in-process"}


def test_it_reports_a_broker_that_cannot_be_reached_as_503(client, settings, monkeypatch):
    from config.celery_app import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    previous = app.conf.broker_url
    # Port 9 (discard) has nothing listening here: a real refused connection, no mock.
    # Celery reads CELERY_BROKER_URL from the environment before its own config.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:9/0")
    app.conf.broker_url = "redis://127.0.0.1:9/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded" and body["database"] == "ok"
    assert body["broker"].startswith("error")


def test_it_answers_unknown_api_paths_with_the_error_shape(client, django_user_model):
    user = django_user_model.objects.create_user("u@example.com", password="pw-long-enough")
    client.force_login(user)
    response = client.get("/api/v1/people/999999/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "errors": {}}


def test_it_answers_malformed_json_with_400_not_500(client, django_user_model):
    user = django_user_model.objects.create_superuser("root@example.com", password="pw-long-enough")
    client.force_login(user)
    response = client.post("/api/v1/people/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}


def test_it_answers_unmatched_api_urls_with_json_and_pages_with_html(client):
    response = client.get("/api/v1/requests/-1/results/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "errors": {}}
    page = client.get("/no/such/page/")
    assert page.status_code == 404 and b"Not found" in page.content


@pytest.mark.django_db
def test_the_schema_refuses_a_line_break_in_its_version_parameter():
    from django.test import Client

    # drf-spectacular writes the version into a header: CR/LF there was a 500.
    response = Client(raise_request_exception=False).get("/api/schema/?version=%22%0D")
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}
    assert Client().get("/api/schema/?version=1").status_code == 200

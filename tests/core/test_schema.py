"""The OpenAPI schema: valid, warning-free, and every operation documents its refusals."""

import json

import pytest
from django.core.management import call_command


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.json"
    # --fail-on-warn turns any drf-spectacular warning (a guessed type, say) into a failure.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", path
    )
    return json.loads(path.read_text())


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_it_validates_without_warnings(schema):
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/cycles/{id}/team-report/" in schema["paths"]


def test_it_documents_error_responses_on_every_operation(schema):
    missing = [name for name, op in operations(schema) if "400" not in op["responses"]]
    assert missing == []


def test_it_documents_401_403_and_404_wherever_a_login_or_an_object_is_needed(schema):
    missing = [
        name
        for name, op in operations(schema)
        if "auth/token" not in name and not {"401", "403", "404"} <= set(op["responses"])
    ]
    assert missing == []


def test_it_documents_409_on_every_state_change_and_results_read(schema):
    needs_conflict = [
        name
        for name, op in operations(schema)
        if any(word in name for word in ("open/", "close/", "release/", "reopen/", "launch/"))
        or name.endswith(("results/", "team-report/", "submit/", "decline/"))
    ]
    assert needs_conflict
    missing = [
        n
        for n in needs_conflict
        if "409" not in schema["paths"][n.split(" ", 1)[1]][n.split(" ", 1)[0].lower()]["responses"]
    ]
    assert missing == []


def test_it_serves_the_docs_page_from_the_project_not_a_cdn(client):
    page = client.get("/api/docs/").content.decode()
    assert "cdn" not in page.lower()
    assert "/static/drf_spectacular_sidecar/" in page

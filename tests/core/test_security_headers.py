"""Every page carries a content security policy that forbids inline and foreign scripts."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/docs/", "/healthz"])
def test_it_sends_a_strict_content_security_policy(client, path):
    policy = client.get(path)["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in directives["style-src"]


def test_it_serves_the_api_docs_start_up_script_as_a_file(client):
    html = client.get("/api/docs/").content.decode()
    assert "<script>" not in html  # every script has a src


def test_every_page_names_its_icon_and_the_icon_is_served(client):
    # Without one, every page load asks for /favicon.ico and logs a 404 in the console.
    html = client.get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content)

"""Production error pages (DEBUG off, as in the test settings) wear the site's layout: the
header, the stylesheet, a heading and a way home, never Django's bare or debug pages."""

import pytest
from django.test import Client, RequestFactory

from core import views
from tests.factories import person_with_login

pytestmark = pytest.mark.django_db


def assert_site_layout(html: str, heading: str) -> None:
    assert "css/site.css" in html
    assert 'class="brand"' in html  # the site's header
    assert '<main id="main"' in html
    assert f"<h1>{heading}</h1>" in html
    assert 'href="/"' in html


def test_404_is_styled(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_site_layout(response.content.decode(), "Not found")


def test_403_is_styled(client):
    client.force_login(person_with_login(email="someone@example.com").user)
    response = client.get("/people/import/")  # HR only
    assert response.status_code == 403
    assert_site_layout(response.content.decode(), "Not allowed")


def test_a_refused_form_says_what_to_do_on_the_site_layout():
    client = Client(enforce_csrf_checks=True)
    client.force_login(person_with_login(email="someone@example.com").user)
    response = client.post("/my-data/")  # no CSRF token, as from another site or an old tab
    assert response.status_code == 403
    html = response.content.decode()
    assert_site_layout(html, "Please try again")
    assert "Nothing was changed" in html
    assert "CSRF verification failed" not in html  # not Django's own page


def test_400_is_styled(client):
    client.force_login(person_with_login(email="someone@example.com").user)
    response = client.get("/people/", {"q": "x" * 5000})
    assert response.status_code == 400
    assert_site_layout(response.content.decode(), "This address is not quite right")


def test_500_is_styled_without_touching_the_request():
    response = views.server_error(RequestFactory().get("/reports/"))
    assert response.status_code == 500
    assert_site_layout(response.content.decode(), "Something went wrong")

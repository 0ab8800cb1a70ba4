"""Every form that changes something refuses a post without the CSRF token."""

import pytest
from django.test import Client

from tests.factories import person_with_login
from tests.reports.builders import invited, new_request, open_cycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_client():
    hr = person_with_login(email="hr@example.com", hr=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(hr.user)
    return client


def form_urls():
    cycle = open_cycle()
    request = new_request(cycle)
    rater, token = invited(request, "peer")
    return [
        "/accounts/logout/",
        "/accounts/password_reset/",
        "/people/invite/",
        "/people/import/",
        f"/s/{token}/",
        f"/reports/requests/{request.id}/remind/",
        f"/reports/requests/{request.id}/raters/{rater.id}/resend/",
        f"/reports/hr/cycles/{cycle.id}/close/",
        "/reports/exports/",
        "/my-data/",
    ]


def test_it_refuses_every_form_post_without_a_csrf_token(hr_client):
    for url in form_urls():
        response = hr_client.post(url, {})
        assert response.status_code == 403, url


def test_it_refuses_the_login_form_without_a_csrf_token():
    assert Client(enforce_csrf_checks=True).post("/accounts/login/", {}).status_code == 403


def test_it_accepts_a_form_post_with_the_token(hr_client):
    page = hr_client.get("/people/import/")
    token = page.cookies["csrftoken"].value
    response = hr_client.post("/people/import/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 400  # past CSRF: the form itself asks for the file

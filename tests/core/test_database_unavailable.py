"""A lost database connection answers 503 with Retry-After, never a stack trace."""

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from core.middleware import DatabaseUnavailableMiddleware


def middleware():
    return DatabaseUnavailableMiddleware(lambda request: None)


def test_it_answers_api_clients_with_the_error_shape_and_503():
    request = RequestFactory().get("/api/v1/people/")
    response = middleware().process_exception(request, OperationalError("server closed"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b'"detail": "The database is unavailable' in response.content


def test_it_answers_people_with_a_plain_page():
    request = RequestFactory().get("/s/abc/")
    response = middleware().process_exception(request, OperationalError("server closed"))
    assert response.status_code == 503
    assert b"Back in a moment" in response.content


@pytest.mark.parametrize("error", [ValueError("x"), KeyError("y")])
def test_it_leaves_other_errors_alone(error):
    assert middleware().process_exception(RequestFactory().get("/"), error) is None

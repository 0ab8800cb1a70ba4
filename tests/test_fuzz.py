"""Fuzzing the API from its own OpenAPI schema (schemathesis), as HR and as nobody.

Every generated request must get an answer that is not a server error and that matches
the schema (status code documented, body shape, content type). Schemathesis is driven
through its Python API, one hypothesis run per operation, so it needs no pytest plugin.

A second pass (issue 12) takes schemathesis' schema-valid cases and puts one hostile value
from tests/test_hostile.py (NUL, surrogates, control and bidi characters, 1 MB strings,
huge and fractional numbers, wrong types) into a body field or a query parameter: the
answer must still be no server error, and an error in the documented shape.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.factories import person_with_login
from tests.test_hostile import hostile_text, hostile_value

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES_PER_OPERATION = 20
HOSTILE_EXAMPLES_PER_OPERATION = 12
# Query strings carry what a client can encode: a lone surrogate arrives as U+FFFD.
hostile_query = hostile_text.map(
    lambda text: text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
)


def with_hostile_value(case, value, query_value, pick: int) -> str:
    """Put the hostile value into one body field (or one query parameter); say where."""
    if isinstance(case.body, dict) and case.body and "file" not in case.body:
        key = sorted(case.body)[pick % len(case.body)]
        case.body[key] = value
        return f"body.{key}"
    if case.query:
        key = sorted(case.query)[pick % len(case.query)]
        case.query[key] = query_value
        return f"query.{key}"
    return "unchanged"


def fuzz_hostile(headers: dict) -> list[str]:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(
            case=operation.as_strategy(),
            value=hostile_value,
            query_value=hostile_query,
            pick=st.integers(0, 20),
        )
        @settings(
            max_examples=HOSTILE_EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case, value, query_value, pick):
            where = with_hostile_value(case, value, query_value, pick)
            response = case.call(headers=headers)
            assert response.status_code < 500, f"{where}={value!r:.80}: {response.status_code}"
            if response.status_code >= 400 and response.status_code != 405:
                assert set(response.json()) == {"detail", "errors"}, where

        try:
            run()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {str(exc)[:2000]}")
    return failures


def fuzz(headers: dict) -> list[str]:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,  # the same requests every run: a failure can be replayed
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case):
            # Schema-valid is not business-valid: wrong credentials, a duplicate email or
            # a cycle in the wrong state are refused (400/409) by design.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            run()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {str(exc)[:2000]}")
    return failures


def test_it_answers_hr_without_server_errors_and_as_documented():
    hr = person_with_login(email="fuzz-hr@example.com", hr=True)
    token = Token.objects.get_or_create(user=hr.user)[0].key
    failures = fuzz({"Authorization": f"Token {token}"})
    assert not failures, "\n\n".join(failures)


def test_it_answers_anonymous_clients_without_server_errors_and_as_documented():
    failures = fuzz({})
    assert not failures, "\n\n".join(failures)


def test_it_answers_hostile_values_in_schema_valid_requests_without_server_errors():
    hr = person_with_login(email="fuzz-hr@example.com", hr=True)
    token = Token.objects.get_or_create(user=hr.user)[0].key
    failures = fuzz_hostile({"Authorization": f"Token {token}"})
    assert not failures, "\n\n".join(failures)

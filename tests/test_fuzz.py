"""Fuzzing the API from its own OpenAPI schema (schemathesis), as HR and as nobody.

Every generated request must get an answer that is not a server error and that matches
the schema (status code documented, body shape, content type). Schemathesis is driven
through its Python API, one hypothesis run per operation, so it needs no pytest plugin.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.factories import person_with_login

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES_PER_OPERATION = 20


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

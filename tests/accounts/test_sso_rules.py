"""Single sign-on's directory rules, without a browser (tests/accounts/test_sso.py has the
end-to-end cases)."""

import pytest

pytestmark = pytest.mark.django_db


def test_single_sign_on_refuses_a_deactivated_or_erased_person_and_makes_no_login(settings):
    from django.utils import timezone

    from accounts.oidc import sso_user_for_claims
    from core.errors import DomainError
    from tests.factories import PersonFactory

    settings.OIDC_UNKNOWN_EMAIL = "create"
    gone = PersonFactory(email="gone@example.com", deactivated_at=timezone.now())
    erased = PersonFactory(email="erased@example.com", erased_at=timezone.now())
    with pytest.raises(DomainError, match="switched off"):
        sso_user_for_claims(claims={"email": "gone@example.com"})
    with pytest.raises(DomainError, match="not in the people directory"):
        sso_user_for_claims(claims={"email": "erased@example.com"})
    gone.refresh_from_db()
    erased.refresh_from_db()
    assert gone.user is None and erased.user is None

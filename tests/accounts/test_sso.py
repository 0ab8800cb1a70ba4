"""Single sign-on end to end: Chromium, this site on a live server, and a real OpenID
provider process (tests/oidc_provider.py) issuing RS256 ID tokens."""

import pytest
from playwright.sync_api import expect

from accounts.models import HR_GROUP_NAME, Person
from accounts.selectors import user_is_hr
from tests.factories import PersonFactory, person_with_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_with_sso(page):
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with Test SSO").click()


def test_it_signs_in_a_directory_person_and_lands_on_home(oidc_provider, desktop, screenshot):
    person = PersonFactory(email="ann@example.com", name="Ann Able")
    oidc_provider.sign_in_as({"email": "Ann@Example.com", "email_verified": True})
    desktop.goto("/accounts/login/")
    screenshot(desktop, "sso-login-desktop")
    sign_in_with_sso(desktop)
    expect(desktop.get_by_role("heading", level=1)).to_have_text("Hello, Ann Able")
    person.refresh_from_db()
    assert person.user.username == "ann@example.com"
    assert not person.user.has_usable_password()


def test_it_refuses_an_id_token_for_another_audience(oidc_provider, desktop):
    PersonFactory(email="ann@example.com")
    oidc_provider.sign_in_as({"email": "ann@example.com"}, aud="another-application")
    sign_in_with_sso(desktop)
    expect(desktop.get_by_role("alert")).to_contain_text("was issued for another application")
    desktop.goto("/")
    assert "/accounts/login/" in desktop.url
    assert Person.objects.get(email="ann@example.com").user is None


def test_it_refuses_an_expired_id_token(oidc_provider, desktop):
    PersonFactory(email="ann@example.com")
    oidc_provider.sign_in_as({"email": "ann@example.com"}, exp_offset=-600)
    sign_in_with_sso(desktop)
    expect(desktop.get_by_role("alert")).to_contain_text("has expired")
    desktop.goto("/")
    assert "/accounts/login/" in desktop.url


def test_it_refuses_a_replayed_state(oidc_provider, desktop):
    PersonFactory(email="ann@example.com", name="Ann Able")
    oidc_provider.sign_in_as({"email": "ann@example.com"})
    callbacks = []
    desktop.on("request", lambda r: callbacks.append(r.url) if "/oidc/callback/" in r.url else None)
    sign_in_with_sso(desktop)
    expect(desktop.get_by_role("heading", level=1)).to_have_text("Hello, Ann Able")
    desktop.get_by_role("button", name="Log out").click()

    response = desktop.goto(callbacks[0])
    assert response.status == 400
    expect(desktop.get_by_role("alert")).to_contain_text("already used or has expired")
    desktop.goto("/")
    assert "/accounts/login/" in desktop.url


def test_it_refuses_an_email_not_in_the_directory_with_a_clear_page(
    oidc_provider, desktop, screenshot
):
    oidc_provider.sign_in_as({"email": "stranger@example.com"})
    sign_in_with_sso(desktop)
    expect(desktop.get_by_role("alert")).to_contain_text(
        "stranger@example.com is not in the people directory"
    )
    screenshot(desktop, "sso-unknown-email-desktop")
    assert not Person.objects.filter(email="stranger@example.com").exists()


def test_it_creates_a_person_for_an_unknown_email_when_configured(oidc_provider, desktop, settings):
    settings.OIDC_UNKNOWN_EMAIL = "create"
    oidc_provider.sign_in_as({"email": "newcomer@example.com", "name": "Nia Newcomer"})
    sign_in_with_sso(desktop)
    expect(desktop.get_by_role("heading", level=1)).to_have_text("Hello, Nia Newcomer")
    assert Person.objects.get(email="newcomer@example.com").user.username == "newcomer@example.com"


def test_it_refuses_an_address_the_provider_has_not_verified(oidc_provider, desktop):
    PersonFactory(email="ann@example.com")
    oidc_provider.sign_in_as({"email": "ann@example.com", "email_verified": False})
    sign_in_with_sso(desktop)
    expect(desktop.get_by_role("alert")).to_contain_text("has not verified ann@example.com")


def test_it_takes_hr_membership_from_a_claim_both_ways(oidc_provider, desktop, settings):
    settings.OIDC_HR_CLAIM = "groups"
    settings.OIDC_HR_CLAIM_VALUE = "HR"
    settings.HR_REQUIRE_2FA = False
    person = PersonFactory(email="ann@example.com", name="Ann Able")
    oidc_provider.sign_in_as({"email": "ann@example.com", "groups": ["Staff", "HR"]})
    sign_in_with_sso(desktop)
    expect(desktop.get_by_role("link", name="Cycles", exact=True)).to_be_visible()
    person.refresh_from_db()
    assert person.user.groups.filter(name=HR_GROUP_NAME).exists() and person.user.is_staff

    desktop.get_by_role("button", name="Log out").click()
    oidc_provider.sign_in_as({"email": "ann@example.com", "groups": ["Staff"]})
    sign_in_with_sso(desktop)
    expect(desktop.get_by_role("heading", level=1)).to_have_text("Hello, Ann Able")
    expect(desktop.get_by_role("link", name="Cycles", exact=True)).to_have_count(0)
    person.user.refresh_from_db()
    assert not user_is_hr(person.user) and not person.user.is_staff


def test_it_hides_and_refuses_passwords_when_password_login_is_off(
    oidc_provider, desktop, settings, client, screenshot
):
    settings.PASSWORD_LOGIN = False
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "accounts.oidc.DirectoryOIDCBackend",
    ]
    person_with_login(email="ann@example.com", name="Ann Able")
    desktop.goto("/accounts/login/")
    expect(desktop.get_by_label("Password")).to_have_count(0)
    expect(desktop.get_by_role("link", name="Sign in with Test SSO")).to_be_visible()
    screenshot(desktop, "sso-only-login-desktop")

    response = client.post(
        "/accounts/login/", {"username": "ann@example.com", "password": "correct horse battery"}
    )
    assert response.status_code == 403
    assert b"Passwords are switched off" in response.content
    assert client.get("/").status_code == 302
    assert client.get("/accounts/password_reset/").status_code == 404
    # The admin's own login form and the token API find no password backend either.
    admin = client.post(
        "/admin/login/", {"username": "ann@example.com", "password": "correct horse battery"}
    )
    assert admin.status_code == 200 and client.get("/").status_code == 302
    token = client.post(
        "/api/v1/auth/token/", {"username": "ann@example.com", "password": "correct horse battery"}
    )
    assert token.status_code == 400

    oidc_provider.sign_in_as({"email": "ann@example.com"})
    sign_in_with_sso(desktop)
    expect(desktop.get_by_role("heading", level=1)).to_have_text("Hello, Ann Able")


@pytest.mark.parametrize(
    ("amr", "lands_on"), [(["pwd", "mfa"], "Hello, Hana HR"), (["pwd"], "Set up a second factor")]
)
def test_it_takes_the_providers_mfa_as_hrs_second_factor(
    oidc_provider, desktop, settings, amr, lands_on
):
    settings.HR_REQUIRE_2FA = True
    person_with_login(email="hr@example.com", name="Hana HR", hr=True)
    oidc_provider.sign_in_as({"email": "hr@example.com", "amr": amr})
    sign_in_with_sso(desktop)
    expect(desktop.get_by_role("heading", level=1)).to_have_text(lands_on)

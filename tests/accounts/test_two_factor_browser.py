"""The second factor as HR meets it, in Chromium: set up with the app, then sign in."""

import base64

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.factories import person_with_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def app_code(secret: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key typed into it."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key, t0=-steps_ahead * 30):06d}"


def log_in(page, email, password="correct horse battery"):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_it_sets_up_the_app_and_asks_hr_for_a_code_at_the_next_sign_in(
    screen, request, settings, screenshot, axe_check
):
    settings.HR_REQUIRE_2FA = True
    page = request.getfixturevalue(screen)
    person_with_login(email="hr@example.com", name="Hana HR", hr=True)
    log_in(page, "hr@example.com")
    page.goto("/people/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up a second factor")
    expect(page.get_by_role("img", name="QR code holding the key")).to_be_visible()
    screenshot(page, f"two-factor-setup-{screen}")
    axe_check(page, "second factor set-up")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")

    page.get_by_label("Code from the app").fill(app_code(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(
        10
    )
    screenshot(page, f"two-factor-codes-{screen}")
    page.get_by_role("link", name="Continue").click()
    expect(page).to_have_url(f"{page.url.split('/people/')[0]}/people/")

    page.get_by_role("button", name="Log out").click()
    log_in(page, "hr@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    axe_check(page, "second factor code")
    page.get_by_label("Code").fill(app_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Hana HR")

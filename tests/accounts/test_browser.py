"""Seen as a user would, in Chromium on a phone-sized screen."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Person
from tests.factories import PersonFactory, person_with_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, email, password="correct horse battery"):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_it_takes_a_new_hr_login_from_invitation_email_to_the_home_page(phone, screenshot):
    hr = person_with_login(email="hr@example.com", name="Hana HR", hr=True)
    PersonFactory(email="newbie@example.com", name="Nina Newbie")
    log_in(phone, hr.email)
    phone.goto("/people/")
    screenshot(phone, "people-list-phone")
    phone.get_by_role("button", name="Invite Nina Newbie to log in").click()
    assert "Login invitation sent to newbie@example.com" in phone.locator(".flash").inner_text()

    # Nina follows the link in her email, chooses a password and logs in.
    link = re.search(r"http://\S+/accounts/reset/\S+", mail.outbox[-1].body).group(0)
    phone.get_by_role("button", name="Log out").click()
    phone.goto(link)
    phone.get_by_label("New password").fill("a-long-new-password")
    phone.get_by_label("Repeat it").fill("a-long-new-password")
    phone.get_by_role("button", name="Save password").click()
    phone.get_by_role("link", name="Log in").click()
    log_in(phone, "Newbie@Example.com", "a-long-new-password")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hello, Nina Newbie")
    screenshot(phone, "home-phone")


def test_it_imports_a_file_from_the_upload_page_and_lists_bad_rows(phone, tmp_path, screenshot):
    hr = person_with_login(email="hr@example.com", hr=True)
    log_in(phone, hr.email)
    phone.goto("/people/import/")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "email,name,title,team,manager_email\nok@x.com,Ok,,,\nbroken,B,,,\nc@x.com,C,,,ghost@x.com\n"
    )
    phone.get_by_label("CSV file").set_input_files(str(bad))
    phone.get_by_role("button", name="Import").click()
    alert = phone.get_by_role("alert").inner_text()
    assert "Nothing was imported: 2 errors in the file." in alert
    assert "line 3: bad email 'broken'." in alert
    screenshot(phone, "import-errors-phone")
    assert not Person.objects.filter(email="ok@x.com").exists()

    good = tmp_path / "good.csv"
    good.write_text("email,name,title,team,manager_email\nok@x.com,Ok,,,\n")
    phone.get_by_label("CSV file").set_input_files(str(good))
    phone.get_by_role("button", name="Import").click()
    assert "1 created" in phone.get_by_role("status").inner_text()


def test_it_shows_emails_in_the_development_outbox(phone, settings, tmp_path, screenshot):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "core.mail.OutboxEmailBackend"
    settings.OUTBOX_DIR = tmp_path / "outbox"
    hr = person_with_login(email="hr@example.com", hr=True)
    PersonFactory(email="newbie@example.com", name="Nina Newbie")
    log_in(phone, hr.email)
    phone.goto("/people/")
    phone.get_by_role("button", name="Invite Nina Newbie to log in").click()
    phone.goto("/dev/outbox/")
    phone.get_by_role("link", name="Your Feedback 360 login").click()
    screenshot(phone, "outbox-message-phone")
    phone.locator('pre.mail-text a[href*="/accounts/reset/"]').click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Choose a password")


def test_it_tells_a_locked_out_person_when_to_try_again(phone, screenshot):
    person_with_login(email="ann@example.com", name="Ann Able")
    for _ in range(4):
        log_in(phone, "ann@example.com", "wrong password")
        expect(phone.get_by_role("alert")).to_contain_text("didn’t match")
    log_in(phone, "ann@example.com", "wrong password")
    expect(phone.get_by_role("alert")).to_have_text(
        "Too many failed sign-ins. Try again in 15 minutes."
    )
    screenshot(phone, "login-locked-phone")

    # Even the right password waits; the page is still the login page, email kept.
    log_in(phone, "Ann@Example.com")
    expect(phone.get_by_role("alert")).to_have_text(
        "Too many failed sign-ins. Try again in 15 minutes."
    )
    expect(phone.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(phone.get_by_label("Email")).to_have_value("ann@example.com")

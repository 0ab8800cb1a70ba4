"""The exports page in Chromium on a phone-sized screen."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exports.models import Export
from tests.exports.export_fixtures import build_closed_cycle, build_organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, email, password="correct horse battery"):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_hr_builds_a_team_file_and_sees_progress_then_the_download(
    phone, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    org = build_organisation()
    cycle, _ = build_closed_cycle(org)
    # One export still waiting for a worker: the page shows its progress bar.
    Export.objects.create(
        kind="bundle_zip",
        cycle=cycle,
        requested_by=org["hr"].user,
        progress=40,
        status="running",
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    log_in(phone, org["hr"].email)
    phone.goto("/reports/exports/")
    expect(phone.locator("progress")).to_have_attribute("value", "40")
    phone.get_by_label("File").select_option("team_xlsx")
    phone.get_by_label("Team (optional").fill("Product")
    phone.get_by_role("button", name="Build the file").click()
    expect(phone.get_by_role("link", name="Download")).to_be_visible()
    screenshot(phone, "exports-phone")
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Download").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert download.value.suggested_filename.startswith("team-")

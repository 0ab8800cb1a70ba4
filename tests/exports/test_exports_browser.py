"""The exports page in Chromium on a phone-sized screen."""

import pytest
from playwright.sync_api import expect

from exports import services
from exports.models import Export
from tests.exports.export_fixtures import build_closed_cycle, build_organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, email, password="correct horse battery"):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_hr_builds_a_team_file_then_downloads_it(phone, screenshot, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    org = build_organisation()
    build_closed_cycle(org)
    log_in(phone, org["hr"].email)
    phone.goto("/reports/exports/")
    phone.get_by_label("File").select_option("team_xlsx")
    phone.get_by_label("Team", exact=True).select_option("Product")
    phone.get_by_role("button", name="Build the file").click()
    expect(phone.get_by_role("link", name="Download")).to_be_visible()
    screenshot(phone, "exports-phone")
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Download").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert download.value.suggested_filename.startswith("team-")


@pytest.mark.services
def test_hr_watches_a_bundle_progress_part_by_part_then_downloads_it(
    phone, settings, tmp_path, real_broker, wait_for
):
    """Real progress: the export is queued on the broker and nobody consumes it; the test
    does the worker's job one step at a time, through the tasks' own services, while the
    page polls."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_BUNDLE_PART_SIZE = 1  # three subjects: three parts
    org = build_organisation()
    cycle, _ = build_closed_cycle(org)
    log_in(phone, org["hr"].email)
    phone.goto("/reports/exports/")
    phone.get_by_label("File").select_option("bundle_zip")
    phone.get_by_role("button", name="Build the file").click()
    export = wait_for(lambda: Export.objects.filter(kind="bundle_zip").first())
    progress = phone.locator(f"tr[data-export='{export.id}'] progress")
    expect(progress).to_have_attribute("value", "0")

    # The build task: the bundle is split into parts (queued, and left there).
    services.export_build(export_id=export.id)
    subjects = list(cycle.requests.order_by("subject__name", "id").values_list("id", flat=True))
    for part, (request_id, shown) in enumerate(zip(subjects, ("31", "63"), strict=False)):
        services.export_bundle_part(
            export_id=export.id, part=part, parts=3, request_ids=[request_id]
        )
        # 95 % of the way is the parts, counted by PDFs written: 95 * 1 // 3, 95 * 2 // 3.
        expect(progress).to_have_attribute("value", shown)
    services.export_bundle_part(export_id=export.id, part=2, parts=3, request_ids=subjects[2:])
    expect(phone.get_by_role("link", name="Download")).to_be_visible()
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Download").click()
    assert download.value.suggested_filename.endswith(".zip")

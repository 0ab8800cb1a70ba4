"""Issue 16 in the browser, on the demo (`make run`'s data): Sofia Martinez reads her
spring report, which shows the change since her autumn 2025 review, at 390 pixels and at
desktop width; axe-core checks the page, and screenshots go to var/screenshots/."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from demo.seed import DEMO_PASSWORD, EARLIER_CYCLE_NAME, RELEASED_CYCLE_NAME
from feedback.models import FeedbackRequest
from tests.accounts.test_browser import log_in
from tests.reports.builders import questionnaire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOFIA = "sofia.martinez@example.com"


@pytest.mark.parametrize("width", [390, 1280])
def test_the_subject_sees_the_change_since_her_last_cycle(
    browser, live_server, settings, axe_check, screenshot, width
):
    questionnaire()  # a transactional test's flush dropped the migration's version 1
    call_command("seed_demo")
    request = FeedbackRequest.objects.get(cycle__name=RELEASED_CYCLE_NAME, subject__email=SOFIA)
    settings.SITE_URL = live_server.url
    context = browser.new_context(
        viewport={"width": width, "height": 844 if width < 600 else 900},
        base_url=live_server.url,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    size = "phone" if width < 600 else "desktop"
    log_in(page, SOFIA, DEMO_PASSWORD)
    page.goto(f"/reports/requests/{request.id}/")

    section = page.get_by_role("region", name=f"Change since {EARLIER_CYCLE_NAME}", exact=True)
    expect(section).to_be_visible()
    # One peer answered then, two now: the page says so before any figure.
    expect(section.get_by_role("note")).to_contain_text("Not the same people answered: peers 1 → 2")
    vision = section.get_by_role("region", name="Visionary / Goal setter: change since")
    others_lead = vision.get_by_role("row", name=re.compile(r"^Others: Visionary"))
    # 1.33 in autumn 2025, 2.98 now: +1.65, beyond the spread of the ratings.
    expect(others_lead).to_contain_text("1.33")
    expect(others_lead).to_contain_text("2.98")
    expect(others_lead).to_contain_text("+1.65")
    expect(others_lead).to_contain_text("notable rise")
    # Change leadership rose one point, within what the spread allows: no mark.
    innovator = section.get_by_role(
        "region", name="Innovator / Sticks with what works: change since"
    )
    others_innovator = innovator.get_by_role("row", name=re.compile(r"^Others: Innovator"))
    expect(others_innovator).to_contain_text("+1.00")
    expect(others_innovator).not_to_contain_text("notable")
    # Her own view is one person's: shown, never marked.
    expect(vision.get_by_role("row", name=re.compile(r"^You: Visionary"))).not_to_contain_text(
        "notable"
    )
    # Peers were below the minimum in both cycles: never a peer row.
    expect(section).not_to_contain_text("Peers: Visionary")

    section.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    axe_check(page, f"change since the last cycle ({size})")
    screenshot(page, f"report-change-{size}")
    section.screenshot(path=f"var/screenshots/report-change-section-{size}.png")
    context.close()

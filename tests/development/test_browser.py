"""A development plan in the browser, on a 390-pixel phone and a desktop: the subject
writes it from their report (partly by keyboard), shares it, their manager comments, the
subject reads the comment."""

import pytest
from playwright.sync_api import expect

from development.models import Plan
from tests.accounts.test_browser import log_in
from tests.development.conftest import in_days, released_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": 390, "desktop": 1280}


@pytest.fixture(params=list(WIDTHS))
def screen(request, browser, live_server, settings):
    """A fresh browser context per person, at the parametrised width; any content security
    policy violation fails the test."""
    settings.SITE_URL = live_server.url
    width = WIDTHS[request.param]
    contexts, violations = [], []

    def open_page():
        context = browser.new_context(
            viewport={"width": width, "height": 860}, base_url=live_server.url
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda msg: (
                violations.append(msg.text) if "Content Security Policy" in msg.text else None
            ),
        )
        return page

    open_page.name = request.param
    open_page.width = width
    yield open_page
    for context in contexts:
        context.close()
    assert not violations, f"content security policy violations: {violations}"


def _fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_subject_writes_and_shares_a_plan_and_the_manager_comments(
    screen, org, screenshot, axe_check
):
    report = released_report(org["dev"])
    name = screen.name

    # The subject, from their report.
    dev = screen()
    log_in(dev, "dev@example.com")
    dev.goto(f"/reports/requests/{report.id}/")
    dev.get_by_role("link", name="Your development plan").click()
    dev.get_by_role("link", name=f"Make a plan from your {report.cycle.name} report").click()
    expect(dev.get_by_role("heading", name="New development plan")).to_be_visible()
    # By keyboard: focus a box and tick it with the space bar.
    dev.get_by_label("Development: Coaches (leadership)").focus()
    dev.keyboard.press("Space")
    dev.get_by_label("Vision: Goal setter (management)").check()
    dev.get_by_label("Action 1").fill("Hold a weekly coaching hour")
    dev.get_by_label("Due").first.fill(in_days(10).isoformat())
    _fits(dev, screen.width)
    axe_check(dev, "new plan form")
    screenshot(dev, f"plan-new-{name}")
    dev.get_by_label("Action 1").focus()
    dev.keyboard.press("Enter")  # submits the form
    expect(dev.get_by_role("status")).to_contain_text("Only you can see it")
    focus = dev.get_by_role("region", name="Focus behaviours")
    expect(focus).to_contain_text("Development: Coaches (leadership)")
    expect(focus).to_contain_text("Vision: Goal setter (management)")
    expect(dev.get_by_role("region", name="Actions")).to_contain_text("Hold a weekly coaching hour")
    dev.get_by_role("button", name="Share with my managers").click()
    expect(dev.get_by_role("status")).to_contain_text("Shared")
    _fits(dev, screen.width)
    axe_check(dev, "plan page, shared")
    screenshot(dev, f"plan-shared-{name}")
    plan = Plan.objects.get()
    assert plan.shared_at is not None

    # The manager finds it among plans shared with them and comments.
    lead = screen()
    log_in(lead, "lead@example.com")
    lead.get_by_role("link", name="Development plans").first.click()
    shared = lead.get_by_role("region", name="Shared with you")
    shared.get_by_role("link", name="Dev Eloper").click()
    expect(lead.get_by_role("heading", level=1)).to_contain_text("Dev Eloper’s development plan")
    expect(lead.get_by_role("button", name="Share with my managers")).to_have_count(0)
    lead.get_by_label("Your comment to Dev Eloper").fill(
        "Good choice. Let us review it in our 1:1."
    )
    lead.get_by_role("button", name="Add comment").click()
    expect(lead.get_by_role("status")).to_contain_text("Comment added")
    _fits(lead, screen.width)
    axe_check(lead, "plan page, manager")
    screenshot(lead, f"plan-manager-{name}")

    # The subject reads the comment.
    dev.reload()
    comments = dev.get_by_role("region", name="Comments")
    expect(comments).to_contain_text("Lena Lead")
    expect(comments).to_contain_text("Let us review it in our 1:1.")
    # The report now shows the focus behaviours first, in the plan's order.
    dev.goto(f"/reports/requests/{report.id}/")
    sections = dev.locator("section.behaviour")
    expect(sections.nth(0)).to_contain_text("Your focus Goal setter (management)")
    expect(sections.nth(1)).to_contain_text("Your focus Coaches (leadership)")
    expect(sections.nth(2)).not_to_contain_text("Your focus")
    screenshot(dev, f"plan-report-focus-{name}")

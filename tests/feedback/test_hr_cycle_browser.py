"""HR sets up and opens a cycle for one team in Chromium, from the login page, by clicking
(and once by keyboard alone), at 390 pixels and at desktop width; axe-core checks every
step and a screenshot of each is saved to var/screenshots/.

The Sales team: Sam Seller reports to the CEO, Sue Seller to Sam. Opening for Sales asks
Sam, his boss Cleo, his peers Victor and Hana (the CEO's other reports) and Sue (his
direct report); and Sue and her boss Sam: 2 requests, 7 invitations.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from feedback.models import Cycle, FeedbackRequest, Rater
from tests.accounts.test_browser import log_in
from tests.factories import PersonFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPECTED_RATERS = {
    "sam@example.com": {
        ("self", "sam@example.com"),
        ("boss", "ceo@example.com"),
        ("peer", "vp@example.com"),
        ("peer", "hr@example.com"),
        ("direct_report", "sue@example.com"),
    },
    "sue@example.com": {("self", "sue@example.com"), ("boss", "sam@example.com")},
}


@pytest.fixture
def sales(org, questionnaire):
    team = TeamFactory(name="Sales")
    sam = PersonFactory(email="sam@example.com", name="Sam Seller", manager=org["ceo"], team=team)
    PersonFactory(email="sue@example.com", name="Sue Seller", manager=sam, team=team)
    mail.outbox.clear()
    return team


def check(page, axe_check, screenshot, name: str, width: int) -> None:
    """Every step: no sideways scrolling, no serious axe finding, a screenshot."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    axe_check(page, name)
    screenshot(page, name)


def assert_opened_for_sales():
    cycle = Cycle.objects.get(name="Sales 360")
    assert cycle.status == "open"
    assert set(cycle.participants.values_list("email", flat=True)) == set(EXPECTED_RATERS)
    found = {}
    for subject, relationship, email in Rater.objects.filter(request__cycle=cycle).values_list(
        "request__subject__email", "relationship", "email"
    ):
        found.setdefault(subject, set()).add((relationship, email))
    assert found == EXPECTED_RATERS
    assert FeedbackRequest.objects.filter(cycle=cycle, launched_at__isnull=True).count() == 0
    expected = sorted(email for raters in EXPECTED_RATERS.values() for _, email in raters)
    assert sorted(m.to[0] for m in mail.outbox) == expected
    assert all(re.search(r"/s/[A-Za-z0-9_-]{43}/", m.body) for m in mail.outbox)


@pytest.mark.parametrize("width", [390, 1280])
def test_hr_creates_reviews_and_opens_a_cycle_for_one_team_by_clicking(
    browser, live_server, settings, axe_check, screenshot, sales, width
):
    settings.SITE_URL = live_server.url
    context = browser.new_context(
        viewport={"width": width, "height": 844 if width < 600 else 900},
        base_url=live_server.url,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    size = "phone" if width < 600 else "desktop"
    log_in(page, "hr@example.com")
    page.get_by_role("link", name="Cycles").first.click()
    page.get_by_role("link", name="New cycle").click()
    expect(page.get_by_role("heading", name="New cycle")).to_be_visible()
    check(page, axe_check, screenshot, f"hr-cycle-1-settings-{size}", width)

    # Saving without a name shows the form again, nothing saved, the problem named.
    page.get_by_role("button", name="Save and choose participants").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved")
    expect(page.get_by_role("alert")).to_contain_text("This field is required.")
    assert not Cycle.objects.exists()
    check(page, axe_check, screenshot, f"hr-cycle-1-settings-error-{size}", width)

    page.get_by_label("Name").fill("Sales 360")
    page.get_by_role("button", name="Save and choose participants").click()
    expect(page.get_by_role("heading", name="Choose participants for Sales 360")).to_be_visible()
    page.get_by_role("checkbox", name=re.compile("Sales")).check()
    page.get_by_role("button", name="Add ticked teams").click()
    expect(page.get_by_role("status")).to_contain_text("Added 2 people.")
    expect(page.get_by_role("heading", name="Chosen: 2 people")).to_be_visible()
    check(page, axe_check, screenshot, f"hr-cycle-2-participants-{size}", width)

    # Back to the settings and forward again: the draft kept everything.
    page.get_by_role("link", name="1. Settings").click()
    expect(page.get_by_label("Name")).to_have_value("Sales 360")
    page.get_by_role("button", name="Save and choose participants").click()
    expect(page.get_by_role("heading", name="Chosen: 2 people")).to_be_visible()

    page.get_by_role("link", name="Next: review").click()
    expect(page.get_by_role("heading", name="Review and open Sales 360")).to_be_visible()
    expect(page.get_by_role("region", name="What opening does")).to_contain_text(
        "7 survey invitations emailed now"
    )
    page.get_by_text("Who is asked about whom").click()
    check(page, axe_check, screenshot, f"hr-cycle-3-review-{size}", width)
    assert not FeedbackRequest.objects.exists()

    page.get_by_role("button", name="Open cycle and send 7 invitations").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Sales 360 is open: 2 feedback requests created and 7 survey invitations on their way."
    )
    page.get_by_text("Not answered yet: 7 surveys from 5 people").click()
    expect(page.get_by_text("Sam Seller: 2 surveys")).to_be_visible()
    check(page, axe_check, screenshot, f"hr-cycle-4-opened-{size}", width)
    assert_opened_for_sales()
    page.get_by_role("link", name="Close Sales 360…").click()
    expect(page.get_by_text("7 surveys are still unanswered")).to_be_visible()
    check(page, axe_check, screenshot, f"hr-cycle-5-close-confirmation-{size}", width)
    page.get_by_role("link", name="Cancel").click()
    assert Cycle.objects.get(name="Sales 360").status == "open"
    context.close()


def tab_to(page, name: str, *, limit: int = 80) -> None:
    """Press Tab until the focused control's text or label is ``name``, as a keyboard
    user does; fails if it is never reached."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const e = document.activeElement;
                 const label = e.labels && e.labels[0] ? e.labels[0].innerText : '';
                 return (e.getAttribute('aria-label') || e.innerText || label || '').trim(); }"""
        )
        if focused.startswith(name):
            return
    raise AssertionError(f"{name!r} not reachable with Tab")


def test_hr_completes_the_set_up_with_the_keyboard_alone(desktop, axe_check, sales):
    page = desktop
    page.goto("/accounts/login/")
    page.keyboard.press("Tab")  # the skip link, then the form
    tab_to(page, "Email")
    page.keyboard.type("hr@example.com")
    tab_to(page, "Password")
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Cycles").first).to_be_visible()
    tab_to(page, "Cycles")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Cycles and results")).to_be_visible()
    tab_to(page, "New cycle")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="New cycle")).to_be_visible()
    tab_to(page, "Name")
    page.keyboard.type("Sales 360")
    page.keyboard.press("Enter")  # submits the form
    expect(page.get_by_role("heading", name="Choose participants for Sales 360")).to_be_visible()
    tab_to(page, "Sales")
    page.keyboard.press("Space")
    tab_to(page, "Add ticked teams")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Chosen: 2 people")).to_be_visible()
    tab_to(page, "Next: review")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Review and open Sales 360")).to_be_visible()
    tab_to(page, "Open cycle and send 7 invitations")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Sales 360 is open")
    assert_opened_for_sales()

"""The dashboards seen as a user would, in Chromium on a phone-sized screen."""

import pytest
from playwright.sync_api import expect

from feedback.models import Cycle
from reports.services import cycle_recompute
from tests.accounts.test_browser import log_in
from tests.factories import TeamFactory, person_with_login
from tests.reports.builders import invited, items_of, new_request, open_cycle, questions_of, respond

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def org(db):
    team = TeamFactory(name="Product")
    boss = person_with_login(email="boss@example.com", name="Bo Boss", team=team)
    sam = person_with_login(email="sam@example.com", name="Sam Subject", manager=boss, team=team)
    hr = person_with_login(email="hr@example.com", name="Hana HR", hr=True, team=None)
    return {"boss": boss, "sam": sam, "hr": hr}


def answered(cycle, subject, requester):
    items = items_of(cycle)
    request = new_request(cycle, subject=subject)
    request.requested_by = requester.user
    request.save()
    question = questions_of(cycle)[0]
    respond(request, "self", {i.id: 5 if n % 2 else 3 for n, i in enumerate(items)})
    respond(request, "boss", {i.id: 3 for i in items}, {question.id: "Delegate more."})
    for value in (2, 3, 4):
        respond(request, "direct_report", {i.id: value for i in items}, {question.id: "Clear."})
    respond(request, "peer", {i.id: 4 for i in items})
    return request


@pytest.fixture
def released(org):
    cycle = open_cycle(k=3)
    cycle.name = "Spring review"
    cycle.save()
    request = answered(cycle, org["sam"], org["boss"])
    cycle_recompute(cycle_id=cycle.id)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.RELEASED)
    return request


def tab_to(page, name, limit=60):
    """Press Tab until the element with this accessible name has focus: reachable by keyboard."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return (e.getAttribute('aria-label') || e.innerText || '').trim(); }"
        )
        if name in focused:
            return
    raise AssertionError(f"{name!r} not reachable with Tab")


def test_the_subject_reads_their_report_on_a_phone(phone, screenshot, org, released):
    log_in(phone, "sam@example.com")
    phone.get_by_role("link", name="My feedback").first.click()
    phone.get_by_role("link", name="Read your report for Spring review").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your feedback")
    expect(
        phone.get_by_role("img", name="Visionary / Goal setter: leadership and management")
    ).to_be_visible()
    expect(phone.get_by_text("Only 1 peer answered, fewer than 3")).to_be_visible()
    expect(phone.get_by_role("heading", name="Blind spots", exact=True)).to_be_visible()
    expect(phone.get_by_text("Delegate more.")).to_be_visible()
    # Nothing scrolls sideways on a 360-pixel screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "report-subject-phone")
    tab_to(phone, "Print this report")


def test_the_manager_follows_progress_and_sends_a_reminder(phone, screenshot, org, released):
    cycle = open_cycle(k=3)
    cycle.name = "Autumn review"
    cycle.save()
    request = new_request(cycle, subject=org["sam"])
    request.requested_by = org["boss"].user
    request.save()
    invited(request, "peer")
    invited(request, "peer")
    log_in(phone, "boss@example.com")
    phone.get_by_role("link", name="My team").first.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("My team")
    expect(phone.get_by_role("link", name="Sam Subject: Spring review")).to_be_visible()
    expect(phone.get_by_role("table", name="People by behaviour")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "manager-phone")
    tab_to(phone, "Remind the 2 raters who have not answered about Sam Subject")
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("status")).to_contain_text("Reminder sent to 2 raters about Sam")


def test_hr_watches_rates_and_closes_a_cycle_after_confirming(phone, screenshot, org, released):
    cycle = open_cycle(k=3)
    cycle.name = "Autumn review"
    cycle.save()
    request = new_request(cycle, subject=org["boss"])
    respond(request, "self", {i.id: 4 for i in items_of(cycle)})
    invited(request, "peer")
    log_in(phone, "hr@example.com")
    phone.get_by_role("link", name="Cycles").first.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Cycles and results")
    expect(
        phone.get_by_role("table", name="Response rates by team for Autumn review")
    ).to_contain_text("50%")
    expect(phone.get_by_role("table", name="People by behaviour")).to_contain_text("Sam Subject")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "hr-phone")
    tab_to(phone, "Close Autumn review")
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Close Autumn review?")
    screenshot(phone, "hr-confirm-phone")
    phone.get_by_role("button", name="Yes, close Autumn review").click()
    expect(phone.get_by_role("status")).to_contain_text("Autumn review is now closed.")
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.CLOSED


def test_the_report_prints_without_navigation(browser, live_server, org, released, screenshot):
    context = browser.new_context(viewport={"width": 1024, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    log_in(page, "sam@example.com")
    page.goto(f"/reports/requests/{released.id}/")
    page.emulate_media(media="print")
    assert not page.get_by_role("navigation", name="Main").is_visible()
    assert not page.get_by_role("button", name="Print this report").is_visible()
    screenshot(page, "report-print")
    context.close()

"""Issue 16 in Chromium at 390 pixels and desktop width: HR assigns a coach and reads
the response quality; the coach reads, records the debrief and releases the report; the
subject then reads it. axe-core checks every page."""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import expect

from feedback.models import Cycle
from reports import services
from tests.accounts.test_browser import log_in
from tests.factories import person_with_login
from tests.reports.builders import items_of, new_request, open_cycle, respond

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = ["phone", "desktop"]


@pytest.fixture
def world(db):
    hr = person_with_login(email="hr@example.com", name="Hana HR", hr=True, team=None)
    boss = person_with_login(email="boss@example.com", name="Bo Boss")
    sam = person_with_login(email="sam@example.com", name="Sam Subject", manager=boss)
    coach = person_with_login(email="cory@example.com", name="Cory Coach")
    cycle = open_cycle(k=2)
    Cycle.objects.filter(pk=cycle.pk).update(name="Spring review", debrief_before_release=True)
    cycle.refresh_from_db()
    request = new_request(cycle, subject=sam)
    items = items_of(cycle)
    for relationship, value in (("self", 4), ("boss", 3), ("peer", 2), ("peer", 4), ("peer", 4)):
        respond(request, relationship, {i.id: value for i in items})
    from feedback import services as feedback_services

    feedback_services.cycle_close(cycle=cycle)  # eager Celery: results computed
    cycle.refresh_from_db()
    return {"cycle": cycle, "request": request, "hr": hr, "sam": sam, "coach": coach}


def on(request, screen: str):
    page = request.getfixturevalue(screen)
    if screen == "phone":
        page.set_viewport_size({"width": 390, "height": 844})
    return page


def no_sideways_page_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.mark.parametrize("screen", SCREENS)
def test_hr_assigns_the_coach_who_debriefs_and_releases_then_the_subject_reads(
    request, screen, world, screenshot, axe_check
):
    page = on(request, screen)
    cycle, sam, coach = world["cycle"], world["sam"], world["coach"]

    # HR: the coach for Sam, from the cycle's card.
    log_in(page, world["hr"].email)
    page.goto("/reports/hr/")
    page.get_by_role("link", name="Coaches for Spring review").click()
    page.get_by_label("Choose Sam Subject").check()
    page.get_by_label("Coach for the people ticked").select_option(
        label="Cory Coach (cory@example.com)"
    )
    page.get_by_role("button", name="Assign coach").click()
    expect(page.get_by_text("Cory Coach now coaches 1 person.")).to_be_visible()
    expect(page.get_by_role("row", name="Sam Subject")).to_contain_text("Cory Coach")
    screenshot(page, f"debrief-coaches-{screen}")
    axe_check(page, "coaches page")
    no_sideways_page_scroll(page)

    # HR: response quality of the closed cycle (5 surveys, k = 2).
    page.goto("/reports/hr/")
    page.get_by_role("link", name="Response quality of Spring review").click()
    expect(page.get_by_role("heading", name="Response quality: Spring review")).to_be_visible()
    expect(page.locator("#straight-lining")).to_contain_text("4 of 4 rater surveys")
    screenshot(page, f"response-quality-{screen}")
    axe_check(page, "response quality page")
    no_sideways_page_scroll(page)
    page.context.clear_cookies()

    # The coach: reports to debrief, the report, record, release.
    log_in(page, coach.email)
    page.goto("/reports/")
    page.get_by_role("link", name="Reports to debrief (1)").click()
    expect(page.get_by_role("heading", name="Reports to debrief")).to_be_visible()
    screenshot(page, f"debriefs-before-{screen}")
    axe_check(page, "reports to debrief")
    page.get_by_role("link", name="Read Sam Subject’s report").click()
    expect(page.get_by_role("heading", name="Feedback for Sam Subject")).to_be_visible()
    expect(page.get_by_text("You read this report as Sam Subject’s coach.")).to_be_visible()
    page.get_by_role("link", name="Back to reports to debrief").click()
    page.get_by_role("button", name="Record debrief").click()
    expect(page.get_by_text("Debrief with Sam Subject recorded")).to_be_visible()
    page.get_by_role("button", name="Release to Sam Subject").click()
    expect(page.get_by_text("Report released to Sam Subject")).to_be_visible()
    expect(page.locator(f"#debrief-{world['request'].pk}")).to_contain_text("Released")
    screenshot(page, f"debriefs-after-{screen}")
    axe_check(page, "reports to debrief, released")
    no_sideways_page_scroll(page)
    page.context.clear_cookies()

    # The subject reads, before the cycle-wide release.
    assert [m.to for m in mail.outbox] == [[sam.email]]
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.CLOSED
    log_in(page, sam.email)
    page.goto("/reports/")
    page.get_by_role("link", name="Read your report for Spring review").click()
    expect(page.get_by_role("heading", name="Your feedback")).to_be_visible()
    screenshot(page, f"debrief-subject-reads-{screen}")
    axe_check(page, "the subject's report")
    assert services.selectors.requests_released_early(request_ids=[world["request"].pk])

"""A manager runs a 360 from the pages (issue 14), in Chromium, by clicking only.

From the login page, never typing an address after it: Sofia requests feedback about
Liam in the open cycle, removes a proposed peer, adds a colleague from the directory and
an outsider by email, sees the outsider wait for approval, and launches. HR, in another
browser, approves the outsider, whose invitation then goes out. Raters answer from the
links in the emails a real SMTP server (aiosmtpd) received. Two days later Sofia reminds
the others and is told when the next reminder is possible.

Once on the embedded defaults (SQLite, tasks in-process), at 390 pixels with a
screenshot and an axe-core check of every step at 390 and 1280 pixels; once on
PostgreSQL with the real Celery worker. A third walk does the manager's part with the
keyboard alone.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.db.models import F
from playwright.sync_api import expect

from feedback import services
from feedback.models import FeedbackRequest, Rater
from tests.accounts.test_browser import log_in
from tests.factories import PersonFactory, TeamFactory, person_with_login
from tests.feedback.conftest import DESKTOP, PHONE, Mailbox, answer_survey, in_days

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def company(questionnaire):
    """Sofia manages Liam, Priya and Tom; Ava reports to Liam; Grace, in Design, reports to
    Sofia's manager Daniel; Hannah is HR. One open cycle."""
    product, design = TeamFactory(name="Product"), TeamFactory(name="Design")
    daniel = PersonFactory(email="daniel@example.com", name="Daniel Kim", team=product)
    sofia = person_with_login(
        email="sofia@example.com", name="Sofia Martinez", manager=daniel, team=product
    )
    liam = person_with_login(
        email="liam@example.com", name="Liam Chen", manager=sofia, team=product
    )
    for address, name in (("priya@example.com", "Priya Nair"), ("tom@example.com", "Tom Becker")):
        PersonFactory(email=address, name=name, manager=sofia, team=product, title="Engineer")
    PersonFactory(email="ava@example.com", name="Ava Stone", manager=liam, team=product)
    PersonFactory(
        email="grace@example.com", name="Grace Obi", manager=daniel, team=design, title="Designer"
    )
    hr = person_with_login(email="hannah@example.com", name="Hannah Reyes", hr=True, team=None)
    cycle = services.cycle_open(
        cycle=services.cycle_create(name="Spring 2026", closes_at=in_days(21), created_by=hr.user)
    )
    return {"sofia": sofia, "liam": liam, "hr": hr, "cycle": cycle}


def step(page, name: str, look, *, shots: bool):
    if shots:
        look(page, f"request-flow-{name}")


def request_flow(pages, company, mailbox: Mailbox, look, *, width: int, shots: bool):
    manager = pages(width)
    log_in(manager, "sofia@example.com")
    manager.get_by_role("link", name="My team").first.click()
    step(manager, "1-my-team", look, shots=shots)
    manager.get_by_role("link", name="Request feedback").click()
    step(manager, "2-choose", look, shots=shots)
    manager.get_by_role("radio", name=re.compile("^Liam Chen")).check()
    expect(manager.get_by_label("Cycle")).to_have_value(str(company["cycle"].pk))
    manager.get_by_role("button", name="Propose raters").click()

    expect(manager.get_by_role("heading", level=1)).to_have_text("Feedback about Liam Chen")
    raters = manager.get_by_role("region", name=re.compile("^Raters"))
    expect(raters).to_contain_text("Reports to Sofia, like Liam")
    expect(raters).to_contain_text("Liam's manager")
    expect(raters).to_contain_text("Reports to Liam")
    step(manager, "3-proposed", look, shots=shots)

    manager.get_by_role("button", name="Remove Tom Becker").click()
    expect(manager.get_by_role("status")).to_contain_text("Tom Becker removed")
    expect(raters).not_to_contain_text("Tom Becker")

    manager.get_by_role("searchbox", name="Find a colleague by name or email").fill("grace")
    manager.get_by_role("button", name="Find").last.click()
    manager.get_by_label("Grace Obi is Liam Chen's").select_option("peer")
    step(manager, "4-directory-search", look, shots=shots)
    manager.get_by_role("button", name="Add Grace Obi").click()
    expect(manager.get_by_role("status")).to_contain_text("Grace Obi added as peer")

    manager.get_by_label("Their email").fill("olga@partner.example")
    manager.get_by_label("Their name").fill("Olga Ortiz")
    manager.get_by_role("button", name="Add by email").click()
    expect(manager.get_by_role("status")).to_contain_text("HR or Liam must approve them")
    expect(raters).to_contain_text("Olga Ortiz olga@partner.example Waiting for approval")
    step(manager, "5-outsider-waits", look, shots=shots)

    manager.get_by_role("link", name="Launch").click()
    expect(manager.locator("main")).to_contain_text("5 invitations go out now")
    expect(manager.locator("main")).to_contain_text(
        "1 rater from outside the directory waits for approval by HR or Liam"
    )
    step(manager, "6-launch-confirm", look, shots=shots)
    manager.get_by_role("button", name="Yes, send 5 invitations").click()
    expect(manager.get_by_role("status")).to_contain_text(
        "Launched: 5 invitations are on the way. 1 rater waits for approval by HR or Liam"
    )
    step(manager, "7-launched", look, shots=shots)
    request = FeedbackRequest.objects.get(subject=company["liam"])
    for name in ("liam", "sofia", "priya", "grace", "ava"):
        mailbox.survey_link(f"{name}@example.com")
    olga = request.raters.get(email="olga@partner.example")
    assert olga.status == "pending" and not mailbox.bodies("olga@partner.example")

    # HR, in another browser, approves the outsider; her invitation goes out.
    hr = pages(width)
    log_in(hr, "hannah@example.com")
    hr.get_by_role("link", name="Cycles").first.click()
    approvals = hr.get_by_role("region", name="Approvals")
    expect(approvals).to_contain_text("olga@partner.example")
    hr.get_by_role("button", name="Approve olga@partner.example").click()
    expect(hr.get_by_role("status")).to_contain_text("olga@partner.example approved")
    olga_link = mailbox.survey_link("olga@partner.example")

    # Two raters answer from the links in their emails.
    rater = pages(width)
    answer_survey(rater, mailbox.survey_link("priya@example.com"))
    answer_survey(rater, olga_link)

    manager.get_by_role("link", name="My team").first.click()
    card = manager.locator("article", has_text="Liam Chen")
    expect(card).to_contain_text("Next reminder possible on")  # invited minutes ago
    # Two days later, nobody else has answered.
    Rater.objects.filter(request=request).update(
        invited_at=F("invited_at") - datetime.timedelta(days=2)
    )
    manager.get_by_role("link", name="My team").first.click()
    card = manager.locator("article", has_text="Liam Chen")
    # Liam, Grace and Ava wait; Sofia's own survey is not hers to be reminded of.
    manager.get_by_role("button", name=re.compile("Remind the 3 raters")).click()
    expect(manager.get_by_role("status")).to_contain_text(
        "Reminder sent to 3 raters about Liam Chen, each with a fresh link."
    )
    expect(manager.locator("article", has_text="Liam Chen")).to_contain_text(
        "Reminded today. Next reminder possible on"
    )
    step(manager, "8-reminded", look, shots=shots)
    for address in ("liam@example.com", "grace@example.com", "ava@example.com"):
        mailbox.wait_for(
            lambda address=address: any(
                subject.startswith("Reminder: ") for subject, _ in mailbox.bodies(address)
            ),
            timeout=60,
        )
    assert not any(s.startswith("Reminder") for s, _ in mailbox.bodies("sofia@example.com"))

    manager.get_by_role("link", name="Liam Chen").click()
    progress = manager.get_by_role("region", name="Answers so far")
    expect(progress.get_by_role("row").filter(has_text="Outside the team")).to_contain_text(
        "1 of 1"
    )
    expect(progress).to_contain_text("Reminded today. Next reminder possible on")
    step(manager, "9-request-progress", look, shots=shots)
    statuses = dict(request.raters.values_list("email", "status"))
    assert statuses["priya@example.com"] == statuses["olga@partner.example"] == "submitted"
    assert "tom@example.com" not in statuses


def test_a_manager_requests_nominates_launches_and_reminds_by_clicking(
    pages, company, smtp, wait_for, look
):
    request_flow(pages, company, Mailbox(smtp, wait_for), look, width=PHONE, shots=True)


def test_the_same_walk_on_postgresql_with_the_celery_worker(
    postgres, celery_worker, pages, company, smtp, wait_for, look
):
    request_flow(pages, company, Mailbox(smtp, wait_for), look, width=DESKTOP, shots=False)


def tab_to(page, locator, *, limit: int = 120):
    """Press Tab until ``locator`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {locator}")


def test_the_manager_part_works_with_the_keyboard_alone(pages, company, smtp, wait_for):
    page = pages(DESKTOP)
    log_in(page, "sofia@example.com")
    tab_to(page, page.get_by_role("link", name="My team").first)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("My team")
    tab_to(page, page.get_by_role("link", name="Request feedback"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Request feedback")
    # Radios: Tab enters the group, the arrow keys choose.
    tab_to(page, page.get_by_role("radio").first)
    liam = page.get_by_role("radio", name=re.compile("^Liam Chen"))
    for _ in range(10):
        if liam.evaluate("element => element === document.activeElement"):
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(liam).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Propose raters"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback about Liam Chen")

    tab_to(page, page.get_by_role("button", name="Remove Tom Becker"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Tom Becker removed")
    tab_to(page, page.get_by_role("searchbox", name="Find a colleague by name or email"))
    page.keyboard.type("grace")
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("button", name="Add Grace Obi"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Grace Obi added as other")
    tab_to(page, page.get_by_label("Their email"))
    page.keyboard.type("olga@partner.example")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("HR or Liam must approve them")
    tab_to(page, page.get_by_role("link", name="Launch"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Launch the request")
    tab_to(page, page.get_by_role("button", name="Yes, send 5 invitations"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Launched: 5 invitations are on the way.")
    mailbox = Mailbox(smtp, wait_for)
    assert mailbox.survey_link("grace@example.com")

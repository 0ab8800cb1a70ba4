"""A German rater's survey, end to end in Chromium (issue 18).

On PostgreSQL with the real Celery worker and a real SMTP server (aiosmtpd), as
tests/feedback/test_full_cycle_walk.py: HR launches feedback about Sam (no language set);
his peer Petra chose German. The worker emails her invitation in German; she opens the
link from that email on a 390-px phone, sees the survey and its statements in German (the
questionnaire's translation), switches to French once without losing the answers she
gave, switches back, answers everything and submits. Her answers count like anyone's.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from feedback import services
from feedback.framework_v1 import TRANSLATIONS
from feedback.models import Rater
from feedback.vocabulary import PEER
from tests.factories import PersonFactory, person_with_login
from tests.feedback.conftest import PHONE, Mailbox

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def launched_request(questionnaire):
    hr = person_with_login(email="hannah@example.com", name="Hannah Reyes", hr=True)
    boss = PersonFactory(email="bea@example.com", name="Bea Boss")
    sam = PersonFactory(email="sam@example.com", name="Sam Seller", manager=boss)
    petra = PersonFactory(email="petra@example.com", name="Petra Peer", manager=boss, language="de")
    cycle = services.cycle_create(
        name="Herbst 360",
        closes_at=timezone.now() + datetime.timedelta(days=14),
        created_by=hr.user,
        min_anonymous_raters=2,
    )
    services.cycle_open(cycle=cycle)
    request = services.request_create(cycle=cycle, subject=sam, requested_by=hr.user).request
    assert request.raters.filter(email=petra.email, relationship=PEER).exists()
    return request


def test_a_german_rater_gets_a_german_invitation_and_answers_in_german_on_a_phone(
    postgres, celery_worker, pages, launched_request, smtp, wait_for, screenshot, axe_check
):
    mailbox = Mailbox(smtp, wait_for)
    services.request_launch(request=launched_request)

    # The invitation, sent by the worker over SMTP, is in German: subject and body.
    link = mailbox.survey_link("petra@example.com")
    subject, body = mailbox.bodies("petra@example.com")[-1]
    assert subject == "Feedback für Sam Seller: Ihre Sicht ist gefragt"
    assert body.startswith("Guten Tag Petra Peer,")
    assert "Bitte antworten Sie bis" in body
    assert re.search(r"(Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober"
                     r"|November|Dezember)", body)  # fmt: skip
    # Sam himself set no language: his own invitation stays in English.
    sams_subject, _ = mailbox.bodies("sam@example.com")[-1]
    assert sams_subject.startswith("Your own view: self-assessment")

    # The survey, opened from the email's link on a phone, in German.
    page = pages(PHONE)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback für Sam Seller")
    items = page.locator("fieldset.item")
    expect(items.first).to_contain_text(TRANSLATIONS["de"]["items"][0][0])
    expect(page.locator("label.choice.cant-say").first).to_have_text("Kann ich nicht beurteilen")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    axe_check(page, "German survey at 390px")
    screenshot(page, "i18n-de-1-survey")

    # Two answers, then French once: the draft is saved first, nothing is lost.
    items.nth(0).locator("label.choice", has_text="Oft").click()
    items.nth(1).locator("label.choice", has_text="Kann ich nicht beurteilen").click()
    page.get_by_role("button", name="Français").click()
    expect(page).to_have_url(re.compile(r"\?lang=fr$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback pour Sam Seller")
    expect(items.first).to_contain_text(TRANSLATIONS["fr"]["items"][0][0])
    expect(items.nth(0).locator("input[value='4']")).to_be_checked()
    expect(items.nth(1).locator("input[value='na']")).to_be_checked()
    expect(page.locator("#answered-count")).to_have_text("2")
    screenshot(page, "i18n-de-2-switched-to-french")

    # Back to German, answer the rest and submit.
    page.get_by_role("button", name="Deutsch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback für Sam Seller")
    expect(items.nth(0).locator("input[value='4']")).to_be_checked()
    for index in range(2, items.count()):
        items.nth(index).locator("label.choice", has_text="Immer").click()
    expect(page.locator("#answered-count")).to_have_text(str(items.count()))
    screenshot(page, "i18n-de-3-answered")
    page.get_by_role("button", name="Abschicken").click()
    expect(page.get_by_role("heading", name="Vielen Dank")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    axe_check(page, "German thank-you page at 390px")
    screenshot(page, "i18n-de-4-thank-you")

    petra = Rater.objects.get(email="petra@example.com")
    assert petra.status == Rater.Status.SUBMITTED
    ratings = list(petra.ratings.order_by("item__position").values_list("value", flat=True))
    assert ratings[:3] == [4, None, 5] and len(ratings) == 30

"""A manager asked as a boss finds the survey on the home page, opens it without the
email, sees how far they are, and submits; the emailed link then says a newer one was sent.
On a phone and a desktop, screenshots in var/screenshots/."""

import re

import pytest
from playwright.sync_api import expect

from feedback.models import Rater
from tests.feedback.test_browser import choose, launch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, email, password="correct horse battery"):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_a_manager_opens_their_survey_from_the_home_page_and_submits_it(
    request, screen, screenshot, org, questionnaire
):
    page = request.getfixturevalue(screen)
    emailed = launch(org)["lead@example.com"]
    log_in(page, "lead@example.com")

    surveys = page.get_by_role("region", name="Surveys to answer")
    expect(surveys).to_contain_text("Feedback for Dev Eloper")
    expect(surveys).to_contain_text("To do")
    expect(surveys).to_contain_text("you were asked as their boss")
    screenshot(page, f"surveys-to-answer-home-{screen}")
    surveys.get_by_role("button", name=re.compile("^Answer: feedback for Dev Eloper")).click()

    # A fresh link, opened for them: the survey, with how far they are.
    page.wait_for_url(re.compile(r"/s/[A-Za-z0-9_-]{43}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback for Dev Eloper")
    expect(page.locator(".lead")).to_contain_text("You were asked as their boss")
    progress = page.locator("#progress")
    expect(progress).to_have_text("0 of 30 answered")
    for index, label in enumerate(["Often", "Never", "Can’t say"]):
        choose(page, index, label)
    expect(progress).to_have_text("3 of 30 answered")
    expect(page.locator("#autosave")).to_contain_text("Draft saved at")
    screenshot(page, f"surveys-to-answer-survey-{screen}")
    opened = page.url

    # The email's link was replaced: it says so, and nothing else.
    page.goto(emailed)
    expect(page.get_by_role("heading", level=1)).to_have_text("A newer link was sent")
    expect(page.locator("main")).not_to_contain_text("Dev Eloper")
    screenshot(page, f"survey-link-replaced-{screen}")

    # Back on the list: the draft shows, and opening it again keeps the answers.
    page.goto("/surveys/")
    expect(page.locator("main")).to_contain_text("Draft saved")
    page.get_by_role("button", name=re.compile("^Continue: feedback for Dev Eloper")).click()
    page.wait_for_url(re.compile(r"/s/[A-Za-z0-9_-]{43}/$"))
    assert page.url != opened
    expect(page.locator("#progress")).to_have_text("3 of 30 answered")  # from the server

    # Submit with gaps: the page is a GET after a redirect, listing what is missing.
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("alert")).to_contain_text("27 statements are still unanswered")
    assert page.evaluate("performance.getEntriesByType('navigation')[0].type") == "navigate"
    for index in range(3, 30):
        choose(page, index, "Sometimes")
    expect(page.locator("#progress")).to_have_text("30 of 30 answered")
    with page.expect_navigation() as submitted:
        page.get_by_role("button", name="Submit").click()
    # POST, redirect, GET: refreshing the thank-you page sends nothing again.
    assert submitted.value.request.method == "GET"
    assert submitted.value.request.redirected_from.method == "POST"
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    reloaded = page.reload()
    assert reloaded.request.method == "GET" and reloaded.request.redirected_from is None
    screenshot(page, f"surveys-to-answer-submitted-{screen}")
    assert Rater.objects.get(email="lead@example.com").status == "submitted"

    page.goto("/surveys/")
    expect(page.locator("main")).to_contain_text("Submitted")
    assert page.get_by_role("button", name=re.compile("^(Answer|Continue):")).count() == 0

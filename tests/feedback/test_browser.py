"""The survey seen as a rater would: from the invitation email, on a 360-pixel phone."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from feedback import services
from feedback.models import Rater
from tests.conftest import SCREENSHOTS
from tests.feedback.conftest import in_days

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LINK = re.compile(r"http://\S+/s/[A-Za-z0-9_-]{43,}/")


def launch(org):
    """HR opens a cycle and launches a request about Dev; returns {email: link} from the mail."""
    cycle = services.cycle_open(
        cycle=services.cycle_create(name="Spring 2026", closes_at=in_days(14))
    )
    request = services.request_create(
        cycle=cycle, subject=org["dev"], requested_by=org["lead"].user
    ).request
    mail.outbox.clear()
    services.request_launch(request=request)  # tasks run in-process after the commit
    return {message.to[0]: LINK.search(message.body).group(0) for message in mail.outbox}


def items(page):
    return page.locator("fieldset.item")


def choose(page, index: int, label: str):
    items(page).nth(index).locator("label.choice", has_text=label).click()


def checked(page, index: int) -> str | None:
    radio = items(page).nth(index).locator("input:checked")
    return radio.get_attribute("value") if radio.count() else None


def test_a_peer_answers_from_the_email_link_on_a_phone_saves_resumes_and_submits(
    phone, screenshot, org, questionnaire
):
    link = launch(org)["peer@example.com"]
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Feedback for Dev Eloper")
    screenshot(phone, "survey-phone-start")
    # Nothing wider than the phone: no sideways scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert items(phone).count() == 30

    # Part of the survey, then "Save draft".
    labels = ["Never", "Rarely", "Sometimes", "Often", "Always", "Can’t say"]
    for index in range(8):
        choose(phone, index, labels[index % 6])
    phone.get_by_role("textbox", name=re.compile("What should")).first.fill(
        "More <b>one-to-ones</b>, please."
    )
    phone.get_by_role("button", name="Save draft").click()
    expect(phone.get_by_role("status")).to_contain_text("Draft saved")
    screenshot(phone, "survey-phone-saved")

    # Later, from the same link: the answers are there.
    phone.goto(link)
    expected = ["1", "2", "3", "4", "5", "na", "1", "2"]
    assert [checked(phone, index) for index in range(8)] == expected
    assert checked(phone, 8) is None
    assert "one-to-ones" in phone.locator("textarea").first.input_value()

    # Submitting too early names what is missing; then finish and submit.
    phone.get_by_role("button", name="Submit").click()
    expect(phone.get_by_role("alert")).to_contain_text("22 statements are still unanswered")
    screenshot(phone, "survey-phone-missing")
    # What the phone shows mid-page: the sticky save/submit bar over the scale.
    choose(phone, 8, "Often")
    expect(items(phone).nth(8)).not_to_have_class(re.compile("missing"))
    expect(items(phone).nth(9)).to_have_class(re.compile("missing"))
    phone.screenshot(path=str(SCREENSHOTS / "survey-phone-viewport.png"))
    for index in range(8, 30):
        choose(phone, index, labels[index % 5])
    phone.get_by_role("button", name="Submit").click()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()
    screenshot(phone, "survey-phone-thank-you")
    assert phone.locator("form.survey-form").count() == 0
    assert phone.locator("input[type=radio]").count() == 0
    rater = Rater.objects.get(email="peer@example.com")
    assert rater.status == "submitted"
    assert rater.ratings.count() == 30
    assert rater.comments.get().text == "More <b>one-to-ones</b>, please."

    # The link now only ever shows the read-only thank-you.
    phone.goto(link)
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()


def test_the_scale_works_by_keyboard_alone(phone, screenshot, org, questionnaire):
    link = launch(org)["dev@example.com"]
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your own view")
    # Tab from the top of the page until the first rating is focused.
    for _ in range(40):
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.type") == "radio":
            break
    first = phone.evaluate("document.activeElement.name")
    assert first == f"rating_{items(phone).first.get_attribute('id').removeprefix('item-')}"
    phone.keyboard.press("Space")  # 1 = never
    phone.keyboard.press("ArrowRight")  # 2 = rarely
    phone.keyboard.press("ArrowRight")  # 3 = sometimes
    assert checked(phone, 0) == "3"
    screenshot(phone, "survey-phone-keyboard")
    # Tab leaves the scale for the next statement's scale.
    phone.keyboard.press("Tab")
    second = phone.evaluate("document.activeElement.name")
    assert second != first and second.startswith("rating_")
    phone.keyboard.press("Space")
    phone.keyboard.press("ArrowLeft")  # wraps from 1 to "can't say"
    assert checked(phone, 1) == "na"
    # Enter submits the form with its first button: "Save draft".
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("status")).to_contain_text("Draft saved")
    rater = Rater.objects.get(email="dev@example.com")
    assert sorted(v for v in rater.ratings.values_list("value", flat=True) if v) == [3]
    assert rater.ratings.filter(value__isnull=True).count() == 1


def test_answers_are_autosaved_without_pressing_save(
    phone, screenshot, org, questionnaire, wait_for
):
    link = launch(org)["lead@example.com"]
    phone.goto(link)
    choose(phone, 0, "Often")
    expect(phone.locator("#autosave")).to_contain_text("Draft saved at")
    choose(phone, 1, "Can’t say")
    phone.get_by_role("textbox").first.fill("Clear about priorities.")
    # The status line already says "saved" from the first answer: wait for what the later
    # saves stored instead (the comment goes once typing pauses).
    rater = Rater.objects.get(email="lead@example.com")
    wait_for(
        lambda: (
            rater.comments.filter(text="Clear about priorities.").exists()
            and rater.ratings.filter(value__isnull=True).exists()
        )
    )
    screenshot(phone, "survey-phone-autosaved")
    phone.goto(link)  # closing the tab and coming back
    assert [checked(phone, 0), checked(phone, 1)] == ["4", "na"]
    expect(phone.locator("textarea").first).to_have_value("Clear about priorities.")
    rater.refresh_from_db()
    assert rater.status == "started"

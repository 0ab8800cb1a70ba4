"""Issue 16 in Chromium at 390 pixels and at desktop width: HR opens "Comments to review"
from the cycles page, sees the flagged passages highlighted, redacts one, and the report
then shows "[removed]" where it was. axe-core checks both pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from feedback import services as feedback_services
from feedback.models import Comment
from tests.accounts.test_browser import log_in
from tests.factories import TeamFactory, person_with_login
from tests.reports.builders import items_of, new_request, open_cycle, questions_of, respond
from tests.reports.test_reading_browser import no_sideways_page_scroll, on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = ["phone", "desktop"]
NAMING = "Ben Person and I worked it out late one night; write to ben.person@example.com."


@pytest.fixture
def world(db):
    team = TeamFactory(name="Product")
    bo = person_with_login(email="bo@example.com", name="Bo Boss", team=team)
    ann = person_with_login(email="ann@example.com", name="Ann Person", team=team, manager=bo)
    person_with_login(email="ben@example.com", name="Ben Person", team=team, manager=bo)
    person_with_login(email="hr@example.com", name="Hana HR", hr=True, team=None)
    cycle = open_cycle(k=3)
    cycle.name = "Spring review"
    cycle.save()
    request = new_request(cycle, subject=ann)
    question = questions_of(cycle)[0]
    ratings = {item.id: 4 for item in items_of(cycle)}
    respond(request, "self", ratings)
    respond(request, "peer", ratings, {question.id: NAMING})
    respond(request, "peer", ratings, {question.id: "Always prepared."})
    respond(request, "peer", ratings)
    # Closing screens the comments (the task runs in-process here).
    feedback_services.cycle_close(cycle=cycle)
    return {"cycle": cycle, "request": request}


@pytest.mark.parametrize("screen", SCREENS)
def test_hr_redacts_a_flagged_name_and_the_report_shows_removed(
    request, screen, world, screenshot, axe_check
):
    page = on(request, screen)
    log_in(page, "hr@example.com")
    page.goto("/reports/hr/")
    page.get_by_role("link", name="Comments to review (1) in Spring review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Comments to review (1): Spring review"
    )
    flag = page.locator("article.comment-flag")
    expect(flag.get_by_role("heading")).to_have_text("A peer, about Ann Person")
    expect(flag.locator("mark")).to_have_text(["Ben Person", "ben.person@example.com"])
    no_sideways_page_scroll(page)
    axe_check(page, f"comments to review ({screen})")
    screenshot(page, f"comment-review-{screen}")

    flag.get_by_role("button", name="Redact “Ben Person”").click()
    expect(page.get_by_text("Passage removed")).to_be_visible()
    flag = page.locator("article.comment-flag")
    expect(flag.locator("blockquote")).to_contain_text("[removed] and I worked it out")
    expect(flag.locator("mark")).to_have_text(["ben.person@example.com"])
    flag.get_by_role("button", name="Keep as is").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Comments to review (0): Spring review"
    )
    expect(page.get_by_role("heading", name="Reviewed (1)")).to_be_visible()
    no_sideways_page_scroll(page)
    axe_check(page, f"comments reviewed ({screen})")
    screenshot(page, f"comment-reviewed-{screen}")
    assert Comment.objects.filter(text__startswith="[removed] and I worked it out").exists()

    page.goto(f"/reports/requests/{world['request'].id}/")
    comments = page.get_by_role("region", name="Comments")
    expect(comments).to_contain_text("[removed] and I worked it out late one night")
    expect(comments).not_to_contain_text("Ben Person")
    no_sideways_page_scroll(page)
    axe_check(page, f"report with a redacted comment ({screen})")
    comments.scroll_into_view_if_needed()
    screenshot(page, f"comment-redacted-report-{screen}")

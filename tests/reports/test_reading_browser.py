"""Issue 15 as a person sees it in Chromium, at 390 pixels and at desktop width: the
summary at the top, "you" for the subject and the name for a manager, the subject's own
PDF, and the heatmap's sort, links and sideways scroll. axe-core checks every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.accounts.test_browser import log_in
from tests.exports.test_export_files import pdf_text
from tests.factories import person_with_login
from tests.reports.builders import items_of, new_request, open_cycle, respond
from tests.reports.test_reading import STRENGTHS, answer_by_hand, release

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = ["phone", "desktop"]


@pytest.fixture
def world(db):
    from tests.factories import TeamFactory

    team = TeamFactory(name="Product")
    boss = person_with_login(email="boss@example.com", name="Bo Boss", team=team)
    sam = person_with_login(email="sam@example.com", name="Sam Subject", manager=boss, team=team)
    hr = person_with_login(email="hr@example.com", name="Hana HR", hr=True, team=None)
    cycle = open_cycle(k=3)
    cycle.name = "Spring review"
    cycle.save()
    request = new_request(cycle, subject=sam)
    request.requested_by = boss.user
    request.save()
    answer_by_hand(cycle, request)
    # Two more people, scored on vision leadership only: Abe 2.00, Tia 1.00; Sam's is
    # (3 + 1 + 3) / 3 = 2.33, so sorted by it the rows differ from the order by name.
    vision_lead = [i for i in items_of(cycle) if i.behaviour == "vision" and i.pole == "leadership"]
    for name, value in (("Tia Team", 1), ("Abe Able", 2)):
        person = person_with_login(
            email=f"{name.split()[0].lower()}@example.com", name=name, manager=boss, team=team
        )
        other = new_request(cycle, subject=person)
        for relationship in ("self", "boss", "peer", "peer", "peer"):
            respond(other, relationship, {i.id: value for i in vision_lead})
    release(cycle)
    return {"cycle": cycle, "request": request, "boss": boss, "sam": sam, "hr": hr}


def on(request, screen: str):
    page = request.getfixturevalue(screen)
    if screen == "phone":
        page.set_viewport_size({"width": 390, "height": 844})
    return page


def width(page) -> int:
    return page.viewport_size["width"]


def axe_within(page, selector: str, what: str) -> None:
    """axe-core on one part of a page (the ``axe_check`` fixture's rule, narrowed)."""
    from axe_playwright_python.sync_playwright import Axe

    from tests.conftest import AXE_FAILING_IMPACTS

    results = Axe().run(
        page,
        context={"include": [[selector]]},
        options={"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    )
    failing = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in AXE_FAILING_IMPACTS
    ]
    assert not failing, f"{what}: axe-core violations: {failing}"


def no_sideways_page_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= width(page)


@pytest.mark.parametrize("screen", SCREENS)
def test_the_subject_reads_the_summary_first_and_downloads_their_own_pdf(
    request, screen, world, screenshot, axe_check, tmp_path
):
    page = on(request, screen)
    log_in(page, "sam@example.com")
    page.goto(f"/reports/requests/{world['request'].id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your feedback")
    # The first section is the summary, and its first list is the top strengths.
    expect(page.locator("main h2").first).to_have_text("Summary")
    strengths = page.get_by_role("region", name="Summary").get_by_role("list").first
    items = items_of(world["cycle"])
    expect(strengths.get_by_role("listitem")).to_have_count(3)
    for index, position in enumerate(STRENGTHS):
        expect(strengths.get_by_role("listitem").nth(index)).to_contain_text(
            items[position].rater_text
        )
    expect(page.get_by_text("Chosen from the 28 statements rated by at least 3")).to_be_visible()
    expect(page.get_by_text("you rate yourself 4.00, everyone else 1.00").first).to_be_visible()
    no_sideways_page_scroll(page)
    axe_check(page, f"the subject's report ({screen})")
    screenshot(page, f"reading-report-subject-{screen}")

    # Rendered on the spot: allow for a busy machine.
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("link", name="Download PDF").click()
    content = download.value.path().read_bytes()
    text = " ".join(pdf_text(content, tmp_path).split())
    assert "Top strengths" in text and "you rate yourself" in text
    assert text.index("Summary") < text.index("How to read this report")
    assert download.value.suggested_filename.endswith(".pdf")


@pytest.mark.parametrize("screen", SCREENS)
def test_a_manager_reads_the_name_and_sorts_the_heatmap(
    request, screen, world, screenshot, axe_check
):
    page = on(request, screen)
    log_in(page, "boss@example.com")
    page.goto("/reports/manager/")
    table = page.get_by_role("table", name="People by behaviour")
    rows = table.locator("tbody tr th[scope=row] a")
    expect(rows).to_have_text(["Abe Able", "Sam Subject", "Tia Team"])
    expect(table.get_by_role("columnheader", name="Visionary / Goal setter")).to_be_visible()
    no_sideways_page_scroll(page)
    if screen == "phone":
        expect(page.get_by_text("Scroll sideways to see every behaviour")).to_be_visible()
        region = page.get_by_role("region", name="People by behaviour (scrolls sideways)")
        assert region.evaluate("e => e.scrollWidth > e.clientWidth")  # it does scroll
        region.focus()
        expect(region).to_be_focused()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "() => document.querySelector('.table-wrap').scrollLeft > 0"
        )  # the keyboard scrolls it
    else:
        expect(page.get_by_text("Scroll sideways to see every behaviour")).to_be_hidden()
    axe_check(page, f"the manager page's heatmap ({screen})")
    screenshot(page, f"reading-manager-heatmap-{screen}")

    # Highest first, then lowest first: the column says which, in words and aria-sort.
    table.get_by_role("link", name="Sort by visionary (leadership), highest first").click()
    expect(rows).to_have_text(["Sam Subject", "Abe Able", "Tia Team"])
    sorted_header = table.locator("th[aria-sort]")
    expect(sorted_header).to_have_attribute("aria-sort", "descending")
    table.get_by_role("link", name="Sort by visionary (leadership), lowest first").click()
    expect(rows).to_have_text(["Tia Team", "Abe Able", "Sam Subject"])
    expect(sorted_header).to_have_attribute("aria-sort", "ascending")

    rows.filter(has_text="Sam Subject").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback for Sam Subject")
    expect(
        page.get_by_text("Sam Subject rates themself 4.00, everyone else 1.00").first
    ).to_be_visible()
    expect(page.get_by_text("you rate yourself")).to_have_count(0)
    expect(page.get_by_role("link", name="Download PDF")).to_have_count(0)
    no_sideways_page_scroll(page)
    axe_check(page, f"Sam's report read by his manager ({screen})")
    screenshot(page, f"reading-report-manager-{screen}")


@pytest.mark.parametrize("screen", SCREENS)
def test_hr_sorts_the_heatmap_and_opens_a_report(request, screen, world, screenshot, axe_check):
    page = on(request, screen)
    log_in(page, "hr@example.com")
    page.goto("/reports/hr/")
    table = page.get_by_role("table", name="People by behaviour")
    rows = table.locator("tbody tr th[scope=row] a")
    expect(rows).to_have_text(["Abe Able", "Sam Subject", "Tia Team"])
    no_sideways_page_scroll(page)
    # The heatmap only: the page's other tables (response rates) are hr.html's own.
    axe_within(page, "section[aria-labelledby=heatmap-title]", f"the HR heatmap ({screen})")
    screenshot(page, f"reading-hr-heatmap-{screen}")
    table.get_by_role("link", name="Sort by person, Z to A").click()
    expect(rows).to_have_text(["Tia Team", "Sam Subject", "Abe Able"])
    rows.filter(has_text="Tia Team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback for Tia Team")
    no_sideways_page_scroll(page)
    axe_check(page, f"Tia's report read by HR ({screen})")
    page.goto(f"/reports/requests/{world['request'].id}/")
    screenshot(page, f"reading-report-hr-{screen}")


@pytest.mark.parametrize("screen", SCREENS)
def test_a_spanish_subject_reads_the_report_and_downloads_it_in_spanish(
    request, screen, world, screenshot, axe_check, tmp_path
):
    """Issue 18: the subject's own language (Person.language, not the browser's, which is
    English here) chooses the page and the PDF; the figures are the same, written with
    decimal commas."""
    sam = world["sam"]
    sam.language = "es"
    sam.save(update_fields=["language"])
    page = on(request, screen)
    log_in(page, "sam@example.com")
    page.goto(f"/reports/requests/{world['request'].id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Su feedback")
    expect(page.locator("main h2").first).to_have_text("Resumen")
    expect(page.get_by_text("Principales fortalezas").first).to_be_visible()
    # The English test above reads "you rate yourself 4.00, everyone else 1.00".
    expect(page.get_by_text("usted se da 4,00, todos los demás 1,00").first).to_be_visible()
    # The statements are the questionnaire's Spanish translation, not the English source.
    vision = "Muestra a los demás que una visión ambiciosa puede hacerse realidad"
    expect(page.get_by_text(vision).first).to_be_visible()
    assert page.get_by_text("Shows others that an ambitious vision").count() == 0
    assert page.locator("html").get_attribute("lang") == "es"
    no_sideways_page_scroll(page)
    axe_check(page, f"the Spanish subject's report ({screen})")
    screenshot(page, f"i18n-es-report-{screen}")

    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("link", name="Descargar PDF").click()
    text = " ".join(pdf_text(download.value.path().read_bytes(), tmp_path).split())
    assert "Resumen" in text and "Principales fortalezas" in text
    assert "usted 4,00, otros 1,00" in text
    assert vision in text
    assert "Top strengths" not in text and "Shows others that an ambitious" not in text

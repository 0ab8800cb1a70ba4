"""axe-core on every page a person sees (the admin excepted), as each role, on a 390-pixel
phone and a 1280-pixel desktop: no serious or critical WCAG 2.1 A/AA violation, and no
content security policy error in the console. Screenshots of each go to var/screenshots/.

The world is the demo organisation (`seed_demo`): an open cycle with surveys waiting and
a released cycle with reports, and its four logins (HR, a manager, the CEO, an employee).
Pages are reached as a person would: report pages through the links on their dashboards.
"""

import re
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
DEMO = {
    "employee": "liam.chen@example.com",
    "manager": "sofia.martinez@example.com",
    "ceo": "amara.okafor@example.com",
    "hr": "hannah.reyes@example.com",
}
REPORT_LINK = re.compile(r"^/reports/requests/\d+/$")


@pytest.fixture
def demo(db, live_server, settings):
    """The demo organisation, its survey links made for this live server."""
    from demo.seed import demo_seed, demo_survey_link
    from tests.reports.builders import questionnaire

    settings.SITE_URL = live_server.url
    questionnaire()  # a transactional test's flush dropped what the data migration made
    demo_seed()
    replaced = demo_survey_link()
    current = demo_survey_link()  # replaces the first: that link now says a newer one exists
    return {"survey": current, "replaced": replaced}


def open_screen(browser, live_server, width):
    context = browser.new_context(
        viewport=WIDTHS[width], base_url=live_server.url, device_scale_factor=1
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return context, page, violations


def log_in(page, email):
    from demo.seed import DEMO_PASSWORD

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))


def first_report_link(page, path):
    page.goto(path)
    for href in page.locator("main a[href^='/reports/requests/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    ):
        if REPORT_LINK.match(href):
            return href
    return None


def first_plan_link(page):
    page.goto("/plans/")
    hrefs = page.locator("main a[href^='/plans/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    return next((href for href in hrefs if re.fullmatch(r"/plans/\d+/", href)), None)


def pages_for(role, page, demo, settings):
    """(name, how to get there) for every page this role reaches."""
    if role == "visitor":
        return [
            ("login", "/accounts/login/"),
            ("password-reset", "/accounts/password_reset/"),
            ("password-reset-sent", "/accounts/password_reset/done/"),
            ("password-reset-bad-link", "/accounts/reset/MQ/set-password/"),
            ("password-reset-complete", "/accounts/reset/done/"),
            ("survey", urlsplit(demo["survey"]).path),
            ("survey-link-replaced", urlsplit(demo["replaced"]).path),
            ("not-found", "/no-such-page/"),
            ("refused-form", refused_form),
            ("server-error", server_error_page),
        ]
    common = [
        ("home", "/"),
        ("surveys-to-answer", "/surveys/"),
        ("my-feedback", "/reports/"),
        ("development-plans", "/plans/"),
        ("bad-request", "/people/?q=" + "x" * 400),
    ]
    # The demo's plan (issue 16): Liam's own, shared with Sofia, his manager.
    plan = first_plan_link(page)
    if plan:
        common.append(("development-plan", plan))
    if role == "employee":
        common.append(("new-development-plan", "/plans/new/"))
    report = first_report_link(page, "/reports/")
    if role in ("manager", "ceo"):
        common += [
            ("my-team", "/reports/manager/"),
            ("people", "/people/"),
            ("exports", "/reports/exports/"),
        ]
        report = first_report_link(page, "/reports/manager/") or report
    if role == "hr":
        from feedback.models import Cycle, FeedbackRequest

        open_cycle = Cycle.objects.filter(status="open").first()
        # HR reads any released report (by its address: the HR page lists cycles, not people).
        released = FeedbackRequest.objects.filter(cycle__status="released").order_by("id").first()
        report = report or f"/reports/requests/{released.pk}/"
        common += [
            ("cycles", "/reports/hr/"),
            ("cycle-confirm", f"/reports/hr/cycles/{open_cycle.pk}/close/"),
            ("people", "/people/"),
            ("import", "/people/import/"),
            ("exports", "/reports/exports/"),
            ("outbox", outbox_page(settings)),
        ]
    if role == "employee":
        common += [("not-allowed", "/people/import/")]
    if report:
        common.append(("report", report))
    return common


def refused_form(page):
    """A form whose CSRF cookie is gone (an old tab): the CSRF failure page."""
    page.goto("/accounts/login/")
    page.context.clear_cookies()
    page.get_by_label("Email").fill("someone@example.com")
    page.get_by_label("Password").fill("whatever")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Please try again").wait_for()


def server_error_page(page):
    """The 500 page as the handler renders it, shown on this site's origin."""
    from django.test import RequestFactory

    from core.views import server_error

    html = server_error(RequestFactory().get("/")).content.decode()
    page.goto("/accounts/login/")
    page.set_content(html)
    page.wait_for_load_state()


def outbox_page(settings):
    def _visit(page):
        settings.DEBUG = True  # the outbox exists only in development
        try:
            page.goto("/dev/outbox/")
            page.locator("main h1").wait_for()
            link = page.locator("main a[href^='/dev/outbox/']").first
            if link.count():
                link.click()
                page.locator("main h1").wait_for()
        finally:
            settings.DEBUG = False

    return _visit


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("role", ["visitor", "employee", "manager", "ceo", "hr"])
def test_every_page_has_no_serious_accessibility_violation(
    role, width, demo, browser, live_server, settings, axe_check, screenshot
):
    context, page, csp_violations = open_screen(browser, live_server, width)
    try:
        if role != "visitor":
            log_in(page, DEMO[role])
        visited = []
        for name, target in pages_for(role, page, demo, settings):
            if callable(target):
                target(page)
            else:
                response = page.goto(target)
                assert response.status < 500, f"{name}: {response.status}"
            page.locator("h1").first.wait_for()
            screenshot(page, f"a11y-{role}-{width}-{name}")
            axe_check(page, f"{name} as {role} ({width})")
            # Nothing wider than the screen: no sideways scrolling of the whole page.
            assert (
                page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"]
            ), f"{name} as {role} ({width}) scrolls sideways"
            visited.append(name)
        assert "home" in visited or role == "visitor"
    finally:
        context.close()
    assert not csp_violations, f"content security policy violations: {csp_violations}"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_api_docs_keep_the_content_security_policy(width, browser, live_server, db, screenshot):
    """Swagger UI is served from the project (no CDN) and must not trip the policy.

    Not held to axe-core, like the admin: Swagger UI's own markup nests buttons in buttons
    and its colours fall short of AA (README, "Accessibility")."""
    context, page, csp_violations = open_screen(browser, live_server, width)
    try:
        page.goto("/api/docs/")
        page.locator(".swagger-ui .info").wait_for()
        page.locator(".opblock").first.wait_for()
        screenshot(page, f"a11y-visitor-{width}-api-docs")
    finally:
        context.close()
    assert not csp_violations, f"content security policy violations: {csp_violations}"


def test_hr_reads_every_response_rate_on_a_phone_without_scrolling(demo, browser, live_server):
    """The rates table fits a 390-pixel phone: the last column's percentage is on screen."""
    context, page, _ = open_screen(browser, live_server, "phone")
    try:
        log_in(page, DEMO["hr"])
        page.goto("/reports/hr/")
        for wrap in page.locator(".table-wrap:has(table.rates)").all():
            # One pixel of slack for sub-pixel rounding.
            assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), "it scrolls"
        rates = page.locator("table.rates td:last-child")
        assert rates.count() >= 2
        for cell in rates.all():
            assert re.fullmatch(r"\d+%", cell.inner_text().strip())
    finally:
        context.close()

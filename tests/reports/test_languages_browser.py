"""Issue 18 in Chromium: the Spanish report and the German HR page at phone and desktop
widths. Longer words (German above all) must not push anything sideways."""

import pytest
from playwright.sync_api import expect

from tests.accounts.test_browser import log_in
from tests.reports import test_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Sam's released "Spring review": self, boss, three direct reports and a peer (k = 3).
org, released = test_browser.org, test_browser.released

WIDTHS = (390, 1280)


def _in_language(page, live_server, language: str) -> None:
    from django.conf import settings

    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )


def _no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_spanish_report_fits_a_phone_and_a_desktop(
    desktop, live_server, screenshot, org, released
):
    log_in(desktop, "sam@example.com")
    _in_language(desktop, live_server, "es")
    for width in WIDTHS:
        desktop.set_viewport_size({"width": width, "height": 900})
        desktop.goto(f"/reports/requests/{released.id}/")
        expect(desktop.get_by_role("heading", level=1)).to_have_text("Su feedback")
        expect(
            desktop.get_by_role("img", name="Visionario / Fija objetivos: liderazgo y gestión")
        ).to_be_visible()
        expect(desktop.get_by_text("Solo ha respondido 1 compañero, menos de 3")).to_be_visible()
        _no_sideways_scroll(desktop, width)
        screenshot(desktop, f"i18n-reports-report-es-{width}")


def test_the_german_hr_page_fits_a_phone_and_a_desktop(
    desktop, live_server, screenshot, org, released
):
    log_in(desktop, "hr@example.com")
    _in_language(desktop, live_server, "de")
    for width in WIDTHS:
        desktop.set_viewport_size({"width": width, "height": 900})
        desktop.goto(f"/reports/hr/?cycle={released.cycle_id}")
        expect(desktop.get_by_role("heading", level=1)).to_have_text(
            "Feedbackrunden und Ergebnisse"
        )
        expect(desktop.get_by_role("heading", name="Heatmap: Spring review")).to_be_visible()
        _no_sideways_scroll(desktop, width)
        screenshot(desktop, f"i18n-reports-hr-de-{width}")

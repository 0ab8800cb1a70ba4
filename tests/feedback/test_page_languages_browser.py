"""The longer German and French words on narrow and wide screens (issue 18): the German
cycle set-up and request pages and the French people pages in Chromium at 390 and 1280
pixels, with the browser's language as the only setting. No sideways scrolling, no
serious axe finding; screenshots in var/screenshots/i18n-pages-*.png."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PersonFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCALES = {"de": "de-DE", "fr": "fr-FR"}
LOG_IN = {
    "de": ("E-Mail", "Passwort", "Anmelden"),
    "fr": ("E-mail", "Mot de passe", "Se connecter"),
}


def page_in(browser, live_server, language: str, width: int):
    context = browser.new_context(
        viewport={"width": width, "height": 844 if width < 600 else 900},
        base_url=live_server.url,
        locale=LOCALES[language],
    )
    context.set_default_timeout(10_000)
    return context, context.new_page()


def log_in(page, language: str, email: str, password: str = "correct horse battery"):
    email_label, password_label, button = LOG_IN[language]
    page.goto("/accounts/login/")
    page.get_by_label(email_label).fill(email)
    page.get_by_label(password_label).fill(password)
    page.get_by_role("button", name=button).click()


def check(page, axe_check, screenshot, name: str, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    axe_check(page, name)
    screenshot(page, f"i18n-pages-{name}")


@pytest.fixture
def sales(org, questionnaire):
    team = TeamFactory(name="Vertrieb und Kundenbetreuung")
    sam = PersonFactory(
        email="sam@example.com", name="Samuel Vertriebsmitarbeiter", manager=org["ceo"], team=team
    )
    PersonFactory(email="sue@example.com", name="Susanne Kundenbetreuerin", manager=sam, team=team)
    return team


@pytest.mark.parametrize("width", [390, 1280])
def test_the_german_cycle_and_request_wizards_fit_the_screen(
    browser, live_server, settings, axe_check, screenshot, sales, width
):
    settings.SITE_URL = live_server.url
    size = "phone" if width < 600 else "desktop"
    context, page = page_in(browser, live_server, "de", width)
    log_in(page, "de", "hr@example.com")
    page.goto("/cycles/new/")
    expect(page.get_by_role("heading", name="Neue Feedbackrunde")).to_be_visible()
    check(page, axe_check, screenshot, f"de-cycle-settings-{size}", width)

    page.get_by_role("button", name="Speichern und Teilnehmende wählen").click()
    expect(page.get_by_role("alert")).to_contain_text("Nichts wurde gespeichert")
    check(page, axe_check, screenshot, f"de-cycle-settings-error-{size}", width)

    page.get_by_label("Name", exact=True).fill("Frühjahrsfeedbackrunde 2027")
    page.get_by_role("button", name="Speichern und Teilnehmende wählen").click()
    expect(page.get_by_role("heading", name=re.compile("Teilnehmende für"))).to_be_visible()
    page.get_by_role("checkbox", name=re.compile("Vertrieb")).check()
    page.get_by_role("button", name="Angekreuzte Teams hinzufügen").click()
    expect(page.get_by_role("status")).to_contain_text("2 Personen hinzugefügt.")
    check(page, axe_check, screenshot, f"de-cycle-participants-{size}", width)

    page.get_by_role("link", name="Weiter: prüfen").click()
    expect(page.get_by_role("heading", name=re.compile("prüfen und starten"))).to_be_visible()
    check(page, axe_check, screenshot, f"de-cycle-review-{size}", width)
    page.get_by_role("button", name=re.compile("Feedbackrunde starten")).click()

    page.goto("/requests/new/")
    expect(page.get_by_role("heading", name="Feedback anfordern")).to_be_visible()
    check(page, axe_check, screenshot, f"de-request-new-{size}", width)
    page.get_by_label(re.compile("Dev Eloper")).check()
    page.get_by_role("button", name="Feedbackgebende vorschlagen").click()
    expect(page.get_by_role("heading", name="Feedback zu Dev Eloper")).to_be_visible()
    check(page, axe_check, screenshot, f"de-request-detail-{size}", width)
    context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_french_people_pages_fit_the_screen(
    browser, live_server, settings, axe_check, screenshot, sales, width
):
    settings.SITE_URL = live_server.url
    size = "phone" if width < 600 else "desktop"
    context, page = page_in(browser, live_server, "fr", width)
    log_in(page, "fr", "hr@example.com")
    page.goto("/people/")
    expect(page.get_by_role("heading", name="Personnes", exact=True)).to_be_visible()
    check(page, axe_check, screenshot, f"fr-people-{size}", width)

    page.goto("/people/import/")
    expect(page.get_by_role("heading", name="Importer des personnes")).to_be_visible()
    page.get_by_label("Fichier CSV").set_input_files(
        files=[
            {
                "name": "personnes.csv",
                "mimeType": "text/csv",
                "buffer": b"email,name,title,team,manager_email\nbroken,Bo,,,\n",
            }
        ]
    )
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_role("alert")).to_contain_text("ligne 2 : e-mail invalide")
    check(page, axe_check, screenshot, f"fr-people-import-error-{size}", width)
    context.close()

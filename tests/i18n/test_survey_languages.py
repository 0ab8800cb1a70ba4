"""The survey in the rater's language (issue 18): which language it opens in, the switch
on the page, the questionnaire's translations and their cache, and that the figures do
not depend on the language anyone answered in."""

import re
from html import escape

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Person
from feedback import emails, selectors, services
from feedback.framework_v1 import TRANSLATIONS
from feedback.models import Framework, ItemTranslation, QuestionTranslation, Rater
from feedback.vocabulary import PEER, SELF
from reports.services import gap_analyses_recompute, gap_analysis_documents
from tests.reports.builders import invited, items_of, new_request, open_cycle

pytestmark = pytest.mark.django_db

FIRST_DE = TRANSLATIONS["de"]["items"][0][0]
# As a page shows it: "l'équipe" is escaped.
FIRST_FR = escape(TRANSLATIONS["fr"]["items"][0][0])
FIRST_ES = TRANSLATIONS["es"]["items"][0][0]
FIRST_EN = "Paints a clear picture of where the team is heading and why it matters"


def _rater(*, subject_language="", rater_language=None, relationship=PEER, cycle=None):
    """A rater with a link; in the directory (with rater_language) unless it is None."""
    cycle = cycle or open_cycle(k=2)
    request = new_request(cycle)
    request.subject.language = subject_language
    request.subject.save()
    rater, token = invited(request, relationship)
    if rater_language is not None:
        person = Person.objects.create(
            email=rater.email, name="Rita Rater", language=rater_language
        )
        Rater.objects.filter(pk=rater.pk).update(person=person)
        rater.refresh_from_db()
    return rater, token


def _page(client, token, **headers):
    response = client.get(f"/s/{token}/", **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_a_rater_in_the_directory_gets_their_own_language(client):
    _, token = _rater(subject_language="fr", rater_language="de")
    page = _page(client, token, HTTP_ACCEPT_LANGUAGE="es")
    assert FIRST_DE in page and FIRST_EN not in page
    assert "Kann ich nicht beurteilen" in page  # the page's own words too
    assert 'lang="de"' in page


def test_an_outsider_gets_the_subjects_language(client):
    _, token = _rater(subject_language="fr")
    page = _page(client, token, HTTP_ACCEPT_LANGUAGE="es")
    assert FIRST_FR in page


def test_without_either_it_follows_the_browser(client):
    _, token = _rater()
    assert FIRST_ES in _page(client, token, HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    assert FIRST_EN in _page(client, token, HTTP_ACCEPT_LANGUAGE="en-GB")


def test_the_self_assessment_speaks_in_the_first_person(client):
    _, token = _rater(rater_language="de", relationship=SELF)
    page = _page(client, token)
    assert TRANSLATIONS["de"]["items"][0][1] in page  # "Ich zeichne ..."
    assert "Ihre eigene Sicht" in page


def test_switching_language_saves_the_answers_on_the_page_first(client):
    rater, token = _rater(rater_language="de")
    first, second = items_of(rater.request.cycle)[:2]
    response = client.post(
        f"/s/{token}/?lang=es",
        {"action": "language", f"rating_{first.id}": "4", f"rating_{second.id}": "na"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/s/{token}/?lang=es"
    rater.refresh_from_db()
    assert rater.status == Rater.Status.STARTED
    assert dict(rater.ratings.values_list("item_id", "value")) == {first.id: 4, second.id: None}
    page = client.get(f"/s/{token}/?lang=es").content.decode()
    assert FIRST_ES in page
    # The saved answers are checked on the page in the new language.
    assert re.search(rf'name="rating_{first.id}" value="4" checked', page)
    assert re.search(rf'name="rating_{second.id}" value="na" checked', page)


def test_the_chosen_language_stays_through_saving(client):
    _, token = _rater(rater_language="de")
    response = client.post(f"/s/{token}/?lang=fr", {"action": "save"})
    assert response["Location"] == f"/s/{token}/?lang=fr"
    page = client.get(response["Location"]).content.decode()
    assert FIRST_FR in page
    assert "Brouillon enregistré" in page  # the flash message, in French too


def test_an_unknown_language_in_the_link_is_ignored(client):
    _, token = _rater(rater_language="de")
    assert FIRST_DE in client.get(f"/s/{token}/?lang=xx").content.decode()


def test_translated_rows_are_cached_per_version_and_language():
    rater, _ = _rater()
    english = selectors.survey_rows(rater=rater, language="en-gb")
    german = selectors.survey_rows(rater=rater, language="de")
    assert english[0][0][4] == FIRST_EN and german[0][0][4] == FIRST_DE
    # Same ids, order and slugs: only the words differ.
    assert [row[:4] for row in english[0]] == [row[:4] for row in german[0]]
    for language in ("fr", "es"):
        selectors.survey_rows(rater=rater, language=language)
    # Warm, no language costs a query again, whatever its spelling.
    with CaptureQueriesContext(connection) as queries:
        for language in ("de", "fr", "es", "en-gb", "de-AT", "es-MX", "ja"):
            selectors.survey_rows(rater=rater, language=language)
    assert len(queries) == 0


def test_a_statement_without_a_translation_keeps_its_english_text():
    rater, _ = _rater()
    first = items_of(rater.request.cycle)[0]
    ItemTranslation.objects.filter(item=first, language="fr").delete()
    selectors._framework_rows.cache_clear()
    rows, _ = selectors.survey_rows(rater=rater, language="fr")
    assert rows[0][4] == FIRST_EN
    assert rows[1][4] == TRANSLATIONS["fr"]["items"][1][0]


def test_version_1_ships_every_text_in_every_language():
    framework = Framework.objects.get(version=1)
    for language in ("de", "fr", "es"):
        assert (
            ItemTranslation.objects.filter(item__framework=framework, language=language).count()
            == framework.items.count()
        )
        assert (
            QuestionTranslation.objects.filter(
                question__framework=framework, language=language
            ).count()
            == framework.questions.count()
        )


def test_a_copied_version_takes_its_translations_along():
    framework = Framework.objects.get(version=1)
    copy = services.framework_copy(framework=framework)
    assert ItemTranslation.objects.filter(item__framework=copy).count() == 3 * 30
    assert QuestionTranslation.objects.filter(question__framework=copy).count() == 3 * 3
    first = copy.items.get(position=1)
    assert first.translations.get(language="de").rater_text == FIRST_DE


def test_the_invitation_is_written_in_the_raters_language():
    rater, token = _rater(rater_language="de")
    emails.invitation_send(rater=rater, token=token)
    message = mail.outbox[-1]
    assert message.subject == f"Feedback für {rater.request.subject.name}: Ihre Sicht ist gefragt"
    assert "Guten Tag" in message.body and "Bitte antworten Sie bis" in message.body
    html = message.alternatives[0][0]
    assert '<html lang="de">' in html


def test_an_outsider_is_written_to_in_the_subjects_language_and_dates_are_localised():
    rater, token = _rater(subject_language="fr")
    emails.reminder_send(rater=rater, token=token)
    message = mail.outbox[-1]
    assert message.subject.startswith("Relance : le feedback pour")
    month = rater.request.cycle.closes_at
    french_months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                     "septembre", "octobre", "novembre", "décembre"]  # fmt: skip
    assert french_months[month.month - 1] in message.body


def test_without_any_language_the_email_is_in_english():
    rater, token = _rater()
    emails.invitation_send(rater=rater, token=token)
    assert mail.outbox[-1].subject.endswith(": your view is requested")


def _submit_all(client, token, rater, value_first: int, others: int = 3):
    items = items_of(rater.request.cycle)
    data = {"action": "submit"}
    data.update({f"rating_{item.id}": str(others) for item in items})
    data[f"rating_{items[0].id}"] = str(value_first)
    response = client.post(f"/s/{token}/", data)
    assert response.status_code == 302, response.content.decode()[:500]


def test_figures_do_not_depend_on_the_language_answered_in(client):
    """A German and an English peer answer the same request: their ratings pool into one
    peer figure, the mean of both (5 and 2 give 3.5; either alone would give 5 or 2)."""
    cycle = open_cycle(k=2)
    request = new_request(cycle)
    german, german_token = invited(request, PEER)
    english, english_token = invited(request, PEER)
    Rater.objects.filter(pk=german.pk).update(
        person=Person.objects.create(email=german.email, name="Greta", language="de")
    )
    Rater.objects.filter(pk=english.pk).update(
        person=Person.objects.create(email=english.email, name="Emma", language="en-gb")
    )
    german.refresh_from_db()
    english.refresh_from_db()
    assert FIRST_DE in _page(client, german_token)
    assert FIRST_EN in _page(client, english_token)
    _submit_all(client, german_token, german, value_first=5)
    _submit_all(client, english_token, english, value_first=2)

    gap_analyses_recompute(request_ids=[request.id])
    data = gap_analysis_documents(request_ids=[request.id])[request.id]
    first = items_of(cycle)[0]
    scores = next(item for item in data["items"] if item["id"] == first.id)["scores"]
    assert scores["peer"]["n"] == 2
    assert scores["peer"]["mean"] == 3.5

"""Issue 18: the report, the HR page and the heatmap in the reader's language.

The reader's language comes from the language cookie or Accept-Language (LocaleMiddleware);
the default stays British English, which the other tests of this folder read. Words follow
docs/i18n.md's glossary; figures are written as the language writes them (2,25 in German,
French and Spanish) but are the same figures in every language.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.conf import settings

from feedback.models import Cycle
from tests.reports import test_pages
from tests.reports.test_pages import page

# The fixtures of the report and HR page tests: Sam rates himself 5, his boss 3, three
# direct reports 2 and two peers 4 (k = 3), so every others mean is (3 + 3 x 2) / 4 = 2.25.
org, released = test_pages.org, test_pages.released

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    """What a reader sees: the text between tags (attributes and scripts left out)."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _figures(html: str, decimal: str) -> list[str]:
    """Every two-decimal figure of the visible text, written with a point."""
    pattern = r"(?<![\d.,])[−+-]?\d+" + re.escape(decimal) + r"\d{2}(?![\d])"
    return sorted(m.replace(decimal, ".") for m in re.findall(pattern, _text(html)))


def test_a_spanish_reader_reads_their_report_in_spanish_with_decimal_commas(client, org, released):
    client.force_login(org["sam"].user)
    response = client.get(f"/reports/requests/{released.id}/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert response["Content-Language"] == "es"
    html = unescape(response.content.decode())
    assert "Su feedback" in html and "Your feedback" not in html
    # The glossary's pole pairs and group names, and usted.
    assert "Visionario / Fija objetivos" in html
    assert "Innovador / Se queda con lo que funciona" in html
    assert "Asume riesgos / Minimiza riesgos" in html
    assert "Construye relaciones / Construye sistemas y procesos" in html
    assert "Hace de coach / Dirige" in html
    assert "Colaboradores directos (n=3)" in html and "Jefe (n=1)" in html
    # Decimal commas in the sentences, the tables and the SVG charts' labels.
    assert "todos los demás 2,25 (contados=4)" in html
    assert "Solo han respondido 2 compañeros, menos de 3" in html
    assert ">2,25</text>" in html  # a bar's value label in a chart
    assert "Liderazgo (arriba)" in html  # the chart's legend
    assert "2.25" not in _text(html)


def test_the_language_cookie_chooses_spanish_too(client, org, released):
    client.force_login(org["sam"].user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    html = unescape(client.get(f"/reports/requests/{released.id}/").content.decode())
    assert "Su feedback" in html and "todos los demás 2,25 (contados=4)" in html


def test_one_statement_and_several_are_counted_in_words(client, org, released):
    """The "n statements" summary pluralises by the language's rule, not by an "s"."""
    client.force_login(org["sam"].user)
    html = unescape(
        client.get(f"/reports/requests/{released.id}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    )
    assert re.search(r"Die \d+ Aussagen", html)
    assert "Nur 2 Kollegen haben geantwortet, weniger als 3" in html


def test_a_german_hr_user_reads_the_hr_page_and_heatmap_in_german(client, org, released):
    Cycle.objects.filter(pk=released.cycle_id).update(status=Cycle.Status.CLOSED)
    client.force_login(org["hr"].user)
    response = client.get(f"/reports/hr/?cycle={released.cycle_id}", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "<h1>Feedbackrunden und Ergebnisse</h1>" in html
    assert "Cycles and results" not in html
    assert "Genehmigungen" in html and "Entwicklungspläne" in html
    # The heatmap: German column letters (F for Führung), the mean row, decimal commas.
    assert "Mittelwert" in html and "Visionär / Zielsetzer" in html
    assert "2,25" in html and "2.25" not in _text(html)
    assert "gezählt=4" in html


def test_the_figures_are_the_same_in_every_language(client, org, released):
    """Only the writing of a figure depends on the language: the report and the HR
    heatmap show the same numbers in English, German, French and Spanish."""
    client.force_login(org["sam"].user)
    url = f"/reports/requests/{released.id}/"
    english = _figures(client.get(url, HTTP_ACCEPT_LANGUAGE="en-gb").content.decode(), ".")
    assert "2.25" in english and len(english) > 20
    for language in ("de", "fr", "es"):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert _figures(html, ",") == english, language

    Cycle.objects.filter(pk=released.cycle_id).update(status=Cycle.Status.CLOSED)
    client.force_login(org["hr"].user)
    url = f"/reports/hr/?cycle={released.cycle_id}"
    english = _figures(client.get(url, HTTP_ACCEPT_LANGUAGE="en-gb").content.decode(), ".")
    german = _figures(client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode(), ",")
    assert english and german == english


def test_the_api_speaks_slugs_and_numbers_whatever_the_language(client, org, released):
    """The API's figures, slugs and profile phrases are the contract's: no language
    changes them (docs/i18n.md)."""
    client.force_login(org["sam"].user)
    url = f"/api/v1/requests/{released.id}/results/"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en-gb").json()
    for language in ("de", "es"):
        assert client.get(url, HTTP_ACCEPT_LANGUAGE=language).json() == english


def test_english_stays_the_default(client, org, released):
    assert page(client, org["sam"], f"/reports/requests/{released.id}/").status_code == 200
    html = page(client, org["sam"], f"/reports/requests/{released.id}/").content.decode()
    assert "Your feedback" in html and "everyone else 2.25 (counted=4)" in html

"""The Typst PDFs (issue 19) in the reader's language (issue 18), with hostile text.

Figures as in export_fixtures: Sam's others score is 3.50 from 4 people counted, the
team mean of Product 4.25. In Spanish they read 3,50 and 4,25.
"""

from __future__ import annotations

import io
import subprocess
from types import SimpleNamespace

import pytest
from django.db import transaction
from openpyxl import load_workbook

from exports import files, services
from exports.models import Export
from feedback.models import Cycle
from reports import services as reports_services
from reports.services import cycle_recompute
from tests.exports.export_fixtures import answer, build_closed_cycle, build_organisation
from tests.exports.test_export_files import SCREENSHOTS, need_poppler, pdf_text
from tests.factories import PersonFactory
from tests.reports.builders import new_request, open_cycle

pytestmark = pytest.mark.django_db

# Typst markup and code, and things that would break a naive escaper: each must come out
# of the PDF as the same characters, and none may run.
HOSTILE_COMMENT = '#exit() *bold* _em_ $x^2$ #read("/etc/passwd") ] [ \\ <lbl> @ref `raw` // no'
HOSTILE_NAME = "#set page(width: 1cm) *Eve*"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def org(db):
    return build_organisation()


@pytest.fixture
def closed(org):
    return build_closed_cycle(org)


def flat(text: str) -> str:
    return " ".join(text.split())


def document_of(cycle, request) -> dict:
    (document,) = reports_services.results_for_export(
        cycle=cycle, request_ids=[request.id]
    ).documents
    return document


def test_a_spanish_pdf_has_spanish_headings_and_decimal_commas(org, closed, tmp_path):
    cycle, requests = closed
    content = files.individual_pdf(document_of(cycle, requests["sam"]), language="es")
    text = flat(pdf_text(content, tmp_path))
    for heading in (
        "Resumen",
        "Cómo leer este informe",
        "Quién respondió",
        "Puntos ciegos y fortalezas ocultas",
        "Comentarios",
        "Informe de feedback 360°",
    ):
        assert heading in text, heading
    # The same figures as the English PDF, written the Spanish way.
    assert "3,50 (4)" in text and "4,00" in text and "0,50" in text
    assert "3.50 (4)" not in text and "1,00" not in text
    assert "Página 2 de" in text
    # Each behaviour's profile is a contract value stored in English; the PDF words it.
    assert "En resumen:" in text
    assert not any(
        profile in text
        for profile in ("leads more than", "manages more than", "leads and manages", "both to")
    )
    # Comments are printed as written, in any language.
    assert "Great listener." in text


def test_a_german_team_pdf_and_xlsx_follow_the_language_of_whoever_asked(org, closed, tmp_path):
    cycle, _ = closed
    with transaction.atomic():
        pdf = services.export_create(
            user=org["hr"].user, kind="team_pdf", cycle_id=cycle.id, team="Product"
        )
        xlsx = services.export_create(
            user=org["hr"].user, kind="team_xlsx", cycle_id=cycle.id, team="Product"
        )
    # As if HR had asked from a German page (LocaleMiddleware sets the language).
    Export.objects.filter(pk__in=[pdf.pk, xlsx.pk]).update(language="de")
    for export in (pdf, xlsx):
        services.export_build(export_id=export.id)
        export.refresh_from_db()
        assert export.status == "done", export.error

    text = flat(pdf_text(pdf.file.read(), tmp_path))
    assert "Teambericht" in text and "Team Product" in text
    assert "Personen nach Verhalten" in text and "Team-Mittelwerte" in text
    assert "4,25" in text and "4.25" not in text

    workbook = load_workbook(io.BytesIO(xlsx.file.read()))
    assert workbook.sheetnames == ["Zusammenfassung", "Personen nach Verhalten", "Aussagen"]
    people = workbook["Personen nach Verhalten"]
    header = [cell.value for cell in people[1]]
    assert header[:4] == ["Name", "Funktion", "Team", "Andere gezählt"]
    sam = next(
        row for row in people.iter_rows(min_row=2, values_only=True) if row[0] == "Sam Subject"
    )
    # Figures stay numbers: a spreadsheet formats them in its own locale.
    assert sam[header.index("Andere gezählt")] == 4
    assert all(isinstance(value, float) for value in sam[4:])
    assert sam[4] == 3.5


def test_markup_in_names_and_comments_is_printed_literally(org, tmp_path):
    cycle = open_cycle(k=3)
    eve = PersonFactory(name=HOSTILE_NAME, title="$$ *title* #x", team=org["sam"].team)
    request = new_request(cycle, subject=eve)
    answer(request, cycle, "self", 4, HOSTILE_COMMENT)
    answer(request, cycle, "boss", 3, "line one\nline two = heading? - list?")
    for value in (3, 4, 5):
        answer(request, cycle, "peer", value, HOSTILE_COMMENT)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.CLOSED)
    cycle.refresh_from_db()
    cycle_recompute(cycle_id=cycle.id)

    content = files.individual_pdf(document_of(cycle, request))
    text = flat(pdf_text(content, tmp_path))
    assert flat(HOSTILE_COMMENT) in text
    assert HOSTILE_NAME in text  # on the cover and in the sentences
    assert "$$ *title* #x" in text
    assert "line one line two = heading? - list?" in text
    assert "root:" not in text  # #read() was text, never code
    # The page width was not changed by the name: an A4 page.
    need_poppler()
    path = tmp_path / "hostile.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert "595.276 x 841.89 pts (A4)" in info.stdout


def test_the_typst_pdf_is_tagged_with_real_text(org, closed, tmp_path):
    """Accessible: a tagged PDF (headings and tables in a structure tree), its language
    and title set, and text that can be extracted (never outlined)."""
    cycle, requests = closed
    content = files.individual_pdf(document_of(cycle, requests["sam"]), language="fr")
    need_poppler()
    path = tmp_path / "tagged.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert "Tagged:          yes" in info
    assert "Rapport de feedback à 360° : Sam Subject" in info  # the document title
    # The structure tree: the subject's name as H1, each section an H2, tables with
    # header cells, the charts as figures.
    tree = subprocess.run(
        ["pdfinfo", "-struct", str(path)], capture_output=True, text=True, errors="replace"
    ).stdout
    assert 'H1 "Sam Subject"' in tree and 'H2 "Comment lire ce rapport"' in tree
    assert "Table" in tree and "TH" in tree and "Figure" in tree
    text = flat(pdf_text(content, tmp_path))
    assert "Comment lire ce rapport" in text and "3,50 (4)" in text


def test_the_report_language_is_the_subjects_or_else_the_default(settings):
    assert services.report_language(SimpleNamespace(language="es")) == "es"
    assert services.report_language(SimpleNamespace(language="")) == settings.LANGUAGE_CODE
    assert services.report_language(SimpleNamespace(), default="fr") == "fr"
    assert services.report_language(None) == settings.LANGUAGE_CODE


def test_pages_for_a_person_to_look_at(org, closed):
    """English and Spanish pages as PNGs in var/screenshots/ (typst-*.png)."""
    cycle, requests = closed
    need_poppler()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    document = document_of(cycle, requests["sam"])
    for language in ("en-gb", "es"):
        pdf = SCREENSHOTS / f"typst-{language}.pdf"
        pdf.write_bytes(files.individual_pdf(document, language=language))
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "4",
                str(pdf),
                str(SCREENSHOTS / f"typst-{language}"),
            ],
            check=True,
        )
    assert (SCREENSHOTS / "typst-es-02.png").exists()

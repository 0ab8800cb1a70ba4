"""Issue 16 in the files and the API: the change since the last cycle in the subject's PDF
(read with pdftotext), the team CSV and XLSX, and the results API.

The figures are test_change.py's, worked by hand there: Sam's others score for vision
leadership went from 3.00 to 4.75 (+1.75, notable), his others balance from 0.00 to
1.75 (+1.75, not notable: the cautious bound), his self-others gap from 1.00 to -0.75.
"""

from __future__ import annotations

import csv
import io
import subprocess

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from tests.exports.test_export_files import SCREENSHOTS, build, need_poppler, pdf_text
from tests.factories import TeamFactory, person_with_login
from tests.reports.change_builders import two_cycles
from tests.reports.test_change import EARLIER, LATER

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def org(db):
    team = TeamFactory(name="Product")
    boss = person_with_login(email="boss@example.com", name="Bo Boss", team=team)
    sam = person_with_login(email="sam@example.com", name="Sam Subject", manager=boss, team=team)
    hr = person_with_login(email="hr@example.com", name="Hana HR", hr=True, team=None)
    before, now = two_cycles(sam, earlier=EARLIER, later=LATER)
    return {"boss": boss, "sam": sam, "hr": hr, "before": before, "now": now}


def test_the_results_api_lists_the_comparison_with_the_earlier_cycle(org):
    client = APIClient()
    client.force_authenticate(org["sam"].user)
    response = client.get(f"/api/v1/requests/{org['now'].id}/results/")
    assert response.status_code == 200
    (previous,) = response.json()["previous"]
    assert previous["request"] == org["before"].id
    assert previous["cycle"]["name"] == org["before"].cycle.name
    vision = previous["behaviours"][0]
    assert vision["behaviour"] == "vision"
    assert vision["leadership"]["others"] == {
        "before": 3.0,
        "now": 4.75,
        "change": 1.75,
        "notable": True,
    }
    # The earlier report, read through the API, compares with nothing.
    earlier = client.get(f"/api/v1/requests/{org['before'].id}/results/").json()
    assert earlier["previous"] == []


def test_the_subjects_pdf_has_a_change_section(org, client, tmp_path):
    client.force_login(org["sam"].user)
    response = client.get(f"/reports/requests/{org['now'].id}/pdf/")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = pdf_text(content, tmp_path)
    earlier_name = org["before"].cycle.name
    assert f"Change since {earlier_name}" in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "Others: Visionary 3.00 4.75 +1.75 notable rise" in lines
    assert "Others: balance (leadership − management) 0.00 1.75 +1.75" in lines
    assert "Gap you − others: Visionary 1.00 -0.75 −1.75 notable fall" in lines
    assert "Boss: Visionary 3.00 5.00 +2.00" in lines  # one person: never marked
    # The pages with the section, for a person to look at.
    need_poppler()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SCREENSHOTS / "individual-change.pdf"
    pdf.write_bytes(content)
    page = next(
        number + 1
        for number, page_text in enumerate(text.split("\f"))
        if f"Change since {earlier_name}" in page_text
    )
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "70",
            "-f",
            str(page),
            "-l",
            str(page + 1),
            str(pdf),
            str(SCREENSHOTS / "individual-change"),
        ],
        check=True,
    )


def test_the_team_csv_carries_each_change_beside_its_figure(org):
    export = build(org, org["now"].cycle, "team_csv", team="Product")
    rows = list(csv.DictReader(io.StringIO(export.file.read().decode("utf-8-sig"))))
    sam = [r for r in rows if r["subject"] == "Sam Subject" and r["behaviour"] == "vision"]

    def row(figure, pole, group):
        (found,) = [r for r in sam if (r["figure"], r["pole"], r["group"]) == (figure, pole, group)]
        return found["score"], found["previous_score"], found["change"], found["change_notable"]

    assert row("score", "leadership", "others") == ("4.75", "3.00", "+1.75", "yes")
    assert row("score", "leadership", "boss") == ("5.00", "3.00", "+2.00", "no")
    assert row("balance", "", "others") == ("1.75", "0.00", "+1.75", "no")
    assert row("self_others_gap", "leadership", "") == ("-0.75", "1.00", "-1.75", "yes")
    assert {r["previous_cycle"] for r in sam} == {org["before"].cycle.name}
    # Direct reports were shown in neither cycle: no row at all.
    assert not [r for r in sam if r["group"] == "direct_report"]


def test_the_team_xlsx_has_a_change_sheet(org):
    export = build(org, org["now"].cycle, "team_xlsx", team="Product")
    workbook = load_workbook(io.BytesIO(export.file.read()))
    assert workbook.sheetnames[-1] == "Change"
    sheet = workbook["Change"]
    header = [cell.value for cell in sheet[1]]
    rows = [
        dict(zip(header, (c.value for c in r), strict=True)) for r in sheet.iter_rows(min_row=2)
    ]
    others_lead = next(
        r
        for r in rows
        if (r["Behaviour"], r["Figure"], r["Group"]) == ("Vision", "Leadership", "Others")
    )
    assert (others_lead["Previous"], others_lead["Now"], others_lead["Change"]) == (3.0, 4.75, 1.75)
    assert others_lead["Notable"] == "notable"
    assert others_lead["Previous cycle"] == org["before"].cycle.name
    balance = next(
        r
        for r in rows
        if (r["Behaviour"], r["Figure"], r["Group"]) == ("Vision", "Balance", "Others")
    )
    assert (balance["Change"], balance["Notable"]) == (1.75, None)

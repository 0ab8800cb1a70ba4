"""What is inside the exported files: the figures the results API publishes, nothing it hides.

Hand-worked figures (see export_fixtures): Sam's others score is (2 + 3 + 4 + 5) / 4 = 3.50
on every item and pole, peers 4.00, boss 2.00, self 4.00; his two direct reports (who
rated 1) are below k = 3 and so is their pool, so no 1.00 may appear anywhere. The other
Product subject's others score is the boss's 5.00, so Product's team mean is 4.25.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from exports import files, services
from exports.models import Export
from reports import selectors
from reports import services as reports_services
from tests.exports.export_fixtures import build_closed_cycle, build_organisation

pytestmark = pytest.mark.django_db
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "var" / "screenshots"
BEHAVIOURS = ["vision", "change", "risk", "people", "development"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def org(db):
    return build_organisation()


@pytest.fixture
def closed(org):
    return build_closed_cycle(org)


def need_poppler():
    if not shutil.which("pdftotext") or not shutil.which("pdftoppm"):
        from tests.conftest import need_service

        need_service("PDF tests need poppler-utils (apt-get install poppler-utils)")


def pdf_text(content: bytes, tmp_path: Path) -> str:
    need_poppler()
    path = tmp_path / "file.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return result.stdout


def first_page_png(content: bytes, name: str) -> Path:
    """Page 1 as a PNG in var/screenshots/, for a person to look at."""
    need_poppler()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SCREENSHOTS / f"{name}.pdf"
    pdf.write_bytes(content)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(SCREENSHOTS / name),
        ],
        check=True,
    )
    return SCREENSHOTS / f"{name}.png"


def build(org, cycle, kind, **kwargs) -> Export:
    from django.db import transaction

    with transaction.atomic():
        export = services.export_create(user=org["hr"].user, kind=kind, cycle_id=cycle.id, **kwargs)
    # The on_commit callback does not fire inside the test's transaction: build directly.
    services.export_build(export_id=export.id)
    export.refresh_from_db()
    assert export.status == "done", export.error
    return export


def api_results(org, request) -> dict:
    client = APIClient()
    client.force_authenticate(org["hr"].user)
    response = client.get(f"/api/v1/requests/{request.id}/results/")
    assert response.status_code == 200
    return response.json()


def test_the_individual_pdf_carries_the_figures_and_hides_the_small_group(org, closed, tmp_path):
    cycle, requests = closed
    export = build(org, cycle, "individual_pdf", request_id=requests["sam"].id)
    content = export.file.read()
    text = pdf_text(content, tmp_path)
    results = api_results(org, requests["sam"])
    vision = next(b for b in results["behaviours"] if b["behaviour"] == "vision")
    assert vision["leadership"]["others"] == 3.5 and vision["leadership"]["peer"] == 4.0
    assert "Sam Subject" in text and cycle.name in text
    for figure in ("3.50 (4)", "4.00", "2.00", "0.50"):
        assert figure in text, figure
    assert "1.00" not in text  # the direct reports' ratings, below k
    # Every n and the anonymity note of the hidden group.
    assert "Self 1, Boss 1, Peers 3, Direct reports 2, Outside the team 0" in " ".join(text.split())
    assert "hidden: fewer than 3" in text
    # Comments: peers' (3 surveys) shown, the direct reports' (2) never; self and boss labelled.
    assert "Great listener." in text and "Needs to delegate more." in text
    assert "secret comment" not in text
    assert "BOSS" in text and "SELF" in text and "A PEER" in text
    for behaviour in BEHAVIOURS:
        assert behaviour.capitalize() in text
    assert "How to read this report" in text and "Blind spots" in text
    png = first_page_png(content, "export-individual-page1")
    assert png.stat().st_size > 10_000


def test_the_individual_pdf_lists_blind_spots_in_plain_words(org, closed, tmp_path):
    cycle, requests = closed
    # Mallory rated herself 3, her boss 5: a hidden strength of 2.00 on every item.
    (document,) = reports_services.results_for_export(
        cycle=cycle, request_ids=[requests["mallory"].id]
    ).documents
    # Built for HR or a manager: in Mallory's name. Downloaded by Mallory: to "you".
    text = " ".join(pdf_text(files.individual_pdf(document), tmp_path).split())
    name = document["subject"]["name"]  # a formula-like name: plain text in a PDF
    assert f"others rate {name} 2.00 higher than {name} rates themself" in text
    assert "hidden strength" in text
    assert f"None: on no statement is {name}’s own rating" in text
    assert "you rate" not in text and "others rate you" not in text
    own = " ".join(pdf_text(files.individual_pdf(document, own=True), tmp_path).split())
    assert "others rate you 2.00 higher than you rate yourself" in own
    assert "None: on no statement is your own rating" in own


def test_the_team_xlsx_matches_the_results_api(org, closed):
    cycle, requests = closed
    export = build(org, cycle, "team_xlsx", team="Product")
    workbook = load_workbook(io.BytesIO(export.file.read()))
    assert workbook.sheetnames == ["Summary", "People by behaviour", "Items"]
    api = {name: api_results(org, requests[name]) for name in ("sam", "mallory")}

    # People by behaviour: each subject's others pole scores, as the API gives them.
    people = workbook["People by behaviour"]
    header = [cell.value for cell in people[1]]
    rows = {row[0]: row for row in people.iter_rows(min_row=2, values_only=True)}
    assert "Sid Seller" not in rows  # Sales is not in this team
    sam = rows["Sam Subject"]
    # Six surveys besides Sam's own, but the two direct reports (below k, a pool of 2)
    # are in no figure: the people counted are the boss and the three peers.
    assert "Others n" not in header
    assert sam[header.index("Others counted")] == api["sam"]["groups"]["others"]["counted"] == 4
    for behaviour in api["sam"]["behaviours"]:
        for pole in ("leadership", "management"):
            column = header.index(f"{behaviour['behaviour'].capitalize()} {pole}")
            assert sam[column] == behaviour[pole]["others"]
    assert people.conditional_formatting  # the colour-scale heatmap

    # Summary: team means with the number of subjects, equal to the SQL team figures.
    summary = list(workbook["Summary"].iter_rows(values_only=True))
    means = {
        row[0]: row for row in summary if row and row[0] in [b.capitalize() for b in BEHAVIOURS]
    }
    team = selectors.subject_score_means(
        requests=cycle.requests.filter(subject__team__name="Product")
    )
    for behaviour in BEHAVIOURS:
        row = means[behaviour.capitalize()]
        by_hand = (3.5 + 5.0) / 2
        assert row[1] == row[3] == by_hand == pytest.approx(team[behaviour, "leadership"]["mean"])
        assert row[2] == row[4] == 2
    assert workbook["Summary"]._charts, "a native Excel chart"
    rates = {row[0]: row for row in summary if row and row[0] in ("Team", "Sam Subject")}
    assert rates["Sam Subject"][1:4] == (7, 7, 100.0)

    # Items: the team mean of the subjects' others item means.
    items = list(workbook["Items"].iter_rows(min_row=2, values_only=True))
    assert len(items) == len(api["sam"]["items"])
    first = api["sam"]["items"][0]
    expected = (
        first["scores"]["others"]["mean"] + api["mallory"]["items"][0]["scores"]["others"]["mean"]
    ) / 2
    assert items[0][2] == first["text"] and items[0][3] == expected and items[0][4] == 2


def test_user_text_cannot_run_as_a_formula_in_the_xlsx(org, closed):
    cycle, _ = closed
    export = build(org, cycle, "team_xlsx", team="Product")
    workbook = load_workbook(io.BytesIO(export.file.read()))
    for sheet in workbook:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    names = [
        row[0] for row in workbook["People by behaviour"].iter_rows(min_row=2, values_only=True)
    ]
    assert '\'=HYPERLINK("http://evil","x")' in names


def test_the_team_csv_has_one_row_per_published_score_with_n(org, closed):
    cycle, requests = closed
    export = build(org, cycle, "team_csv")
    rows = list(csv.DictReader(io.StringIO(export.file.read().decode("utf-8-sig"))))
    sam = [r for r in rows if r["subject"] == "Sam Subject" and r["figure"] == "score"]
    # 5 behaviours x 2 poles x (self, boss, peer, others); direct reports are hidden.
    assert len(sam) == 5 * 2 * 4
    assert {r["group"] for r in sam} == {"self", "boss", "peer", "others"}
    peer = next(r for r in sam if r["group"] == "peer" and r["behaviour"] == "risk")
    assert (peer["score"], peer["n"], peer["counted"]) == ("4.00", "3", "")
    others = next(r for r in sam if r["group"] == "others")
    # others: labelled by the 4 people counted (boss, 3 peers), not the 6 surveys
    assert (others["score"], others["n"], others["counted"]) == ("3.50", "", "4")
    assert not any(r["score"] == "1.00" for r in rows)
    mallory = [r for r in rows if r["title"].startswith("'+cmd")]
    assert mallory and all(r["subject"].startswith("'=") for r in mallory)
    assert {r["subject"] for r in rows} == {"Sam Subject", "Sid Seller", mallory[0]["subject"]}


def test_the_team_pdf_shows_the_heatmap_and_distributions(org, closed, tmp_path):
    cycle, _ = closed
    export = build(org, cycle, "team_pdf", team="Product")
    content = export.file.read()
    text = pdf_text(content, tmp_path)
    assert "Team Product" in text and "People by behaviour" in text and "Distributions" in text
    assert "4.25" in text  # the team mean, (3.50 + 5.00) / 2
    assert "3.50" in text and "5.00" in text
    assert "Sid Seller" not in text and "1.00" not in text
    first_page_png(content, "export-team-page1")


def test_the_bundle_holds_one_pdf_per_subject_with_safe_names(org, closed, settings, tmp_path):
    settings.EXPORT_BUNDLE_PART_SIZE = 2  # two parts for three subjects
    cycle, requests = closed
    export = build(org, cycle, "bundle_zip")
    assert export.items_total == 3 and export.items_done == 3 and export.progress == 100
    with zipfile.ZipFile(io.BytesIO(export.file.read())) as archive:
        names = archive.namelist()
        assert len(names) == 3
        assert all("/" not in n and "\\" not in n and not n.startswith(".") for n in names)
        assert f"sam-subject-{requests['sam'].id}.pdf" in names
        text = pdf_text(archive.read(f"sam-subject-{requests['sam'].id}.pdf"), tmp_path)
    assert "3.50 (4)" in text
    assert not (Path(settings.MEDIA_ROOT) / "exports" / "parts" / str(export.id)).exists()


def test_a_redelivered_bundle_part_is_not_counted_twice(org, closed, settings):
    settings.EXPORT_BUNDLE_PART_SIZE = 2
    cycle, requests = closed
    from django.db import transaction

    from exports.tasks import build_bundle_part

    with transaction.atomic():
        export = services.export_create(user=org["hr"].user, kind="bundle_zip", cycle_id=cycle.id)
    Export.objects.filter(pk=export.pk).update(status="running", items_total=3)
    ids = services._scope_request_ids(export)
    build_bundle_part(export.id, 0, 2, ids[:2])
    build_bundle_part(export.id, 0, 2, ids[:2])  # the same message delivered again
    export.refresh_from_db()
    assert export.items_done == 2 and export.status == "running"
    build_bundle_part(export.id, 1, 2, ids[2:])
    export.refresh_from_db()
    assert export.status == "done" and export.items_done == 3


def test_a_failing_build_marks_the_export_failed(org, closed, monkeypatch):
    cycle, _ = closed

    def broken(report):
        raise ValueError("boom")

    monkeypatch.setattr(files, "team_csv", broken)
    from django.db import transaction

    with transaction.atomic():
        export = services.export_create(user=org["hr"].user, kind="team_csv", cycle_id=cycle.id)
    services.export_build(export_id=export.id)
    export.refresh_from_db()
    assert export.status == "failed" and "could not be built" in export.error
    assert services.export_build(export_id=export.id) == "skipped"

"""groups.others.counted (CONTRACT.md section 4) and how every reader labels others figures.

The demo's Liam case, worked by hand (k = 3): Liam rates himself 5, his boss 3, two peers
4 and 1. Two peers are fewer than k, and the pool of small groups (2 ratings per item)
is too, so every others figure is the boss's 3.00 alone: 3 surveys besides his own, but
1 person counted. Labelling those figures "n=3" overstates who is behind them.
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from exports import files
from feedback.models import Cycle, Rater
from reports import services
from reports.models import GapAnalysis
from reports.services import cycle_recompute
from tests.exports.test_export_files import build, pdf_text
from tests.factories import TeamFactory, person_with_login
from tests.reports.builders import items_of, new_request, open_cycle, respond

pytestmark = pytest.mark.django_db
BOSS_ONLY = (
    "“Others” here means your boss only: peers are below the anonymity minimum of 3, "
    "so none of their ratings is counted."
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def org(db):
    team = TeamFactory(name="Product")
    sofia = person_with_login(email="sofia@example.com", name="Sofia Boss", team=team)
    liam = person_with_login(email="liam@example.com", name="Liam Chen", team=team, manager=sofia)
    hr = person_with_login(email="hr@example.com", name="Hana HR", hr=True, team=None)
    return {"sofia": sofia, "liam": liam, "hr": hr}


def everything(cycle, value):
    return {item.id: value for item in items_of(cycle)}


def release(cycle):
    cycle_recompute(cycle_id=cycle.id)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.RELEASED)
    cycle.refresh_from_db()


@pytest.fixture
def liam(org):
    cycle = open_cycle(k=3)
    request = new_request(cycle, subject=org["liam"])
    respond(request, "self", everything(cycle, 5))
    respond(request, "boss", everything(cycle, 3))
    respond(request, "peer", everything(cycle, 4))
    respond(request, "peer", everything(cycle, 1))
    release(cycle)
    return cycle, request


def results(person, request):
    client = APIClient()
    client.force_authenticate(person.user)
    response = client.get(f"/api/v1/requests/{request.id}/results/")
    assert response.status_code == 200, response.content
    return response.json()


def report_page(client, person, request) -> str:
    client.force_login(person.user)
    response = client.get(f"/reports/requests/{request.id}/")
    assert response.status_code == 200
    return response.content.decode()


def words(text: str) -> str:
    return " ".join(text.split())


def test_it_counts_only_the_boss_when_the_peers_and_their_pool_are_below_k(org, liam):
    _, request = liam
    body = results(org["liam"], request)
    assert body["groups"]["others"] == {"n": 3, "shown": True, "counted": 1}
    assert {i["scores"]["others"]["mean"] for i in body["items"]} == {3.0}


def test_the_report_page_labels_others_with_counted_and_says_it_is_the_boss(client, org, liam):
    _, request = liam
    html = report_page(client, org["liam"], request)
    assert BOSS_ONLY in html
    assert "Others (counted=1)" in html
    assert "Others (n=" not in html and "Everyone but you (n=" not in html
    assert '<th scope="col">Others (counted)</th>' in html
    assert '3.00 <span class="muted">(boss only)</span>' in html
    # The blind spots rest on the boss alone, and say so.
    assert "your boss alone 3.00 (boss only). Your boss sees this in you less" in html
    assert "everyone else 3.00" not in html
    assert "counted=1 (your boss only)" in html


def test_the_individual_pdf_labels_others_with_counted_and_says_it_is_the_boss(org, liam, tmp_path):
    cycle, request = liam
    (document,) = services.results_for_export(cycle=cycle, request_ids=[request.id]).documents
    # A file built for HR or a manager names Liam; the one Liam downloads says "you".
    text = words(pdf_text(files.individual_pdf(document), tmp_path))
    assert BOSS_ONLY.replace("your boss", "Liam Chen’s boss") in text
    assert "Others (counted)" in text and "Others (n)" not in text
    assert "3.00 (boss only)" in text
    assert "counted=1, the people behind its figures (Liam Chen’s boss only)" in text
    assert "your boss" not in text
    own = words(pdf_text(files.individual_pdf(document, own=True), tmp_path))
    assert BOSS_ONLY in own
    assert "counted=1, the people behind its figures (your boss only)" in own


def test_the_team_files_label_others_with_counted(org, liam, tmp_path):
    cycle, _ = liam
    rows = list(
        csv.DictReader(io.StringIO(build(org, cycle, "team_csv").file.read().decode("utf-8-sig")))
    )
    others = [r for r in rows if r["group"] == "others"]
    assert others and {(r["n"], r["counted"]) for r in others} == {("", "1")}
    assert {(r["n"], r["counted"]) for r in rows if r["group"] == "boss"} == {("1", "")}

    workbook = load_workbook(io.BytesIO(build(org, cycle, "team_xlsx").file.read()))
    people = workbook["People by behaviour"]
    header = [cell.value for cell in people[1]]
    assert "Others n" not in header
    assert people.cell(row=2, column=header.index("Others counted") + 1).value == 1

    text = words(pdf_text(build(org, cycle, "team_pdf").file.read(), tmp_path))
    assert "Counted" in text and "1 (boss only)" in text


def test_the_team_report_api_and_the_heatmap_give_counted(client, org, liam):
    cycle, _ = liam
    api = APIClient()
    api.force_authenticate(org["hr"].user)
    (subject,) = api.get(f"/api/v1/cycles/{cycle.id}/team-report/").json()["results"]
    assert (subject["others_n"], subject["others_counted"]) == (3, 1)
    client.force_login(org["hr"].user)
    html = client.get("/reports/hr/").content.decode()
    assert "counted=1, boss only" in html and "n=3" not in html


def test_it_counts_the_pool_members_when_the_pool_reaches_k(client, org):
    """Boss, two peers and one direct report: the pool of 2 + 1 = 3 reaches k on every
    item but the first, where one peer says "can't say" (pool of 2: boss alone there). A
    second direct report answers "can't say" throughout: surveyed, never counted.
    counted = boss + 2 peers + 1 direct report = 4 of 5 surveys."""
    cycle = open_cycle(k=3)
    first = items_of(cycle)[0]
    request = new_request(cycle, subject=org["liam"])
    respond(request, "self", everything(cycle, 5))
    respond(request, "boss", everything(cycle, 2))
    respond(request, "peer", {**everything(cycle, 4), first.id: None})
    respond(request, "peer", everything(cycle, 4))
    respond(request, "direct_report", everything(cycle, 3))
    respond(request, "direct_report", everything(cycle, None))
    release(cycle)
    body = results(org["liam"], request)
    assert body["groups"]["others"] == {"n": 5, "shown": True, "counted": 4}
    by_id = {i["id"]: i["scores"]["others"] for i in body["items"]}
    assert by_id[first.id] == {"mean": 2.0, "n": 1, "sd": None}
    # (2 + 4 + 4 + 3) / 4 = 3.25 on every other item
    assert {s["mean"] for i, s in by_id.items() if i != first.id} == {3.25}
    html = report_page(client, org["liam"], request)
    assert "Others (counted=4)" in html and "your boss only" not in html


def strip_counted(request):
    """A result as it was stored before counted existed: no column, no key."""
    analysis = GapAnalysis.objects.get(request=request)
    data = analysis.data
    del data["groups"]["others"]["counted"]
    GapAnalysis.objects.filter(pk=analysis.pk).update(data=data, others_counted=None)
    return GapAnalysis.objects.get(pk=analysis.pk)


def test_a_result_frozen_before_counted_keeps_its_figures_and_every_reader_works(
    client, org, liam, tmp_path
):
    cycle, request = liam
    services.cycle_results_freeze(cycle_id=cycle.id)
    stored = strip_counted(request)
    assert stored.frozen_at is not None

    body = results(org["liam"], request)
    assert body["groups"]["others"] == {"n": 3, "shown": True, "counted": None}
    assert body["items"] == stored.data["items"]
    assert body["behaviours"] == stored.data["behaviours"]
    after = GapAnalysis.objects.get(pk=stored.pk)
    assert after.data == stored.data and after.others_counted is None
    assert after.computed_at == stored.computed_at

    html = report_page(client, org["liam"], request)
    assert "the number of people counted in “everyone but you” was recorded" in html
    assert BOSS_ONLY in html  # read from the items: every others mean is the boss's
    assert "Others (n=" not in html
    (document,) = services.results_for_export(cycle=cycle, request_ids=[request.id]).documents
    assert "was recorded" in words(pdf_text(files.individual_pdf(document), tmp_path))
    for kind in ("team_csv", "team_xlsx", "team_pdf"):
        build(org, cycle, kind)
    api = APIClient()
    api.force_authenticate(org["hr"].user)
    (subject,) = api.get(f"/api/v1/cycles/{cycle.id}/team-report/").json()["results"]
    assert subject["others_counted"] is None
    client.force_login(org["hr"].user)
    assert "counted: not recorded" in client.get("/reports/hr/").content.decode()
    assert GapAnalysis.objects.get(pk=stored.pk).data == stored.data


def test_an_unfrozen_result_computed_before_counted_is_recomputed_on_read(org):
    cycle = open_cycle(k=3)
    request = new_request(cycle, subject=org["liam"])
    respond(request, "boss", everything(cycle, 3))
    respond(request, "peer", everything(cycle, 4), status=Rater.Status.SUBMITTED)
    cycle_recompute(cycle_id=cycle.id)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.CLOSED)
    services.gap_analysis_documents(request_ids=[request.id])
    strip_counted(request)
    body = results(org["hr"], request)
    assert body["groups"]["others"]["counted"] == 1
    assert GapAnalysis.objects.get(request=request).others_counted == 1

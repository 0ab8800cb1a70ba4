"""One rounding rule (CONTRACT.md section 4): two decimals, half away from zero, from the
exact value, the same in the API, the pages and the files.

Ria's figures, worked by hand (k = 3): her boss and seven peers rate each vision /
leadership statement 4, 4, 3, 3, 3, 3, 3, 2 (sum 25 over 8 ratings: exactly 3.125) and
each vision / management statement 5, 5, 5, 4, 4, 4, 4, 3 (34 / 8 = 4.25). So her others
vision leadership score is exactly 3.125, published 3.13 (Python's round() gives 3.12),
and her others vision balance is 3.125 - 4.25 = -1.125, published -1.13. She is the
only subject, so the team mean is 3.125 too. Sixteen raters hold a link and nine
answered: a response rate of exactly 56.25 %, published to one decimal as 56.3.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from fractions import Fraction

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from feedback.models import Cycle, Rater
from reports.analysis import r2, round_half_away
from reports.services import cycle_recompute
from tests.exports.test_export_files import build
from tests.factories import TeamFactory, person_with_login
from tests.reports.builders import items_of, new_request, open_cycle, respond

pytestmark = pytest.mark.django_db

LEADERSHIP = [4, 4, 3, 3, 3, 3, 3, 2]  # boss first, then the seven peers
MANAGEMENT = [5, 5, 5, 4, 4, 4, 4, 3]


@pytest.mark.parametrize(
    ("value", "places", "published"),
    [
        (Fraction(25, 8), 2, 3.13),
        (Fraction(-25, 8), 2, -3.13),
        (3.125, 2, 3.13),
        (-3.125, 2, -3.13),
        (Decimal("0.005"), 2, 0.01),
        (Fraction(1, 3), 2, 0.33),
        (Fraction(-1, 1000), 2, 0.0),
        # A float stands for the decimal it prints as: 2.675 is stored as 2.67499999...
        (2.675, 2, 2.68),
        # The last bits of an average computed in binary do not move a half.
        (3.1249999999999996, 2, 3.13),
        (Fraction(225, 4), 1, 56.3),
        (6.25, 1, 6.3),
        (Fraction(25, 2), 0, 13),
        (Fraction(-25, 2), 0, -13),
    ],
)
def test_it_rounds_half_away_from_zero(value, places, published):
    assert round_half_away(value, places) == published


def test_r2_is_the_same_rule_and_keeps_none():
    assert r2(None) is None
    assert r2(Fraction(-25, 8)) == -3.13


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def org(db):
    team = TeamFactory(name="Product")
    boss = person_with_login(email="boss@example.com", name="Bo Boss", team=team)
    ria = person_with_login(email="ria@example.com", name="Ria Round", team=team, manager=boss)
    hr = person_with_login(email="hr@example.com", name="Hana HR", hr=True, team=None)
    return {"boss": boss, "ria": ria, "hr": hr}


@pytest.fixture
def released(org):
    cycle = open_cycle(k=3)
    request = new_request(cycle, subject=org["ria"])
    items = items_of(cycle)

    def ratings(position: int) -> dict:
        values = {}
        for item in items:
            if item.behaviour == "vision":
                pole = LEADERSHIP if item.pole == "leadership" else MANAGEMENT
                values[item.id] = pole[position]
            else:
                values[item.id] = 3
        return values

    respond(request, "self", {item.id: 5 for item in items})
    respond(request, "boss", ratings(0))
    for position in range(1, 8):
        respond(request, "peer", ratings(position))
    for _ in range(7):  # links sent, never answered
        respond(request, "peer", {}, status=Rater.Status.INVITED)
    cycle_recompute(cycle_id=cycle.id)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.RELEASED)
    cycle.refresh_from_db()
    return cycle, request


def api(org):
    client = APIClient()
    client.force_authenticate(org["hr"].user)
    return client


def vision(behaviours):
    return next(b for b in behaviours if b["behaviour"] == "vision")


def test_a_half_rounds_away_from_zero_in_the_api_the_pages_and_the_files(client, org, released):
    cycle, request = released

    body = api(org).get(f"/api/v1/requests/{request.id}/results/").json()
    assert vision(body["behaviours"])["leadership"]["others"] == 3.13
    assert vision(body["behaviours"])["balance"]["others"] == -1.13
    leadership_item = next(
        i for i in body["items"] if i["behaviour"] == "vision" and i["pole"] == "leadership"
    )
    assert leadership_item["scores"]["others"]["mean"] == 3.13

    team = api(org).get(f"/api/v1/cycles/{cycle.id}/team-report/").json()
    (subject,) = team["results"]
    assert vision(subject["behaviours"])["leadership"]["score"] == 3.13
    assert vision(team["team_figures"]["behaviours"])["leadership"]["mean"] == 3.13
    assert team["response_rates"]["total"]["rate"] == 56.3

    client.force_login(org["ria"].user)
    report = client.get(f"/reports/requests/{request.id}/").content.decode()
    assert '<td data-label="Others">3.13 <span' in report and "3.12" not in report
    client.force_login(org["hr"].user)
    heatmap = client.get("/reports/hr/").content.decode()
    assert ">3.13</td>" in heatmap and "3.12" not in heatmap

    rows = list(
        csv.DictReader(io.StringIO(build(org, cycle, "team_csv").file.read().decode("utf-8-sig")))
    )
    others = next(
        r
        for r in rows
        if (r["behaviour"], r["pole"], r["group"]) == ("vision", "leadership", "others")
    )
    assert others["score"] == "3.13"

    workbook = load_workbook(io.BytesIO(build(org, cycle, "team_xlsx").file.read()))
    people = workbook["People by behaviour"]
    header = [cell.value for cell in people[1]]
    assert people.cell(row=2, column=header.index("Vision leadership") + 1).value == 3.13
    summary = {row[0]: row for row in workbook["Summary"].iter_rows(values_only=True) if row}
    assert summary["Vision"][1] == 3.13  # the team mean
    assert summary["Team"][3] == 56.3  # the response rate, in %


def test_the_team_mean_of_an_item_is_computed_from_exact_means(org):
    """Two subjects' others means of the first statement: 1 (Ria's boss alone) and 7/6
    (Ann's boss 2 and five peers 1), published 1.00 and 1.17. The team mean is exactly
    (1 + 7/6) / 2 = 13/12 = 1.0833, so 1.08; averaging the published figures would give
    (1.00 + 1.17) / 2 = 1.085, so 1.09."""
    ann = person_with_login(
        email="ann@example.com", name="Ann Other", team=org["ria"].team, manager=org["boss"]
    )
    cycle = open_cycle(k=3)
    first = items_of(cycle)[0]
    ria, other = new_request(cycle, subject=org["ria"]), new_request(cycle, subject=ann)
    respond(ria, "boss", {first.id: 1})
    respond(other, "boss", {first.id: 2})
    for _ in range(5):
        respond(other, "peer", {first.id: 1})
    cycle_recompute(cycle_id=cycle.id)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.RELEASED)
    cycle.refresh_from_db()
    workbook = load_workbook(io.BytesIO(build(org, cycle, "team_xlsx").file.read()))
    rows = list(workbook["Items"].iter_rows(min_row=2, values_only=True))
    assert rows[0][3:] == (1.08, 2)  # team mean, subjects

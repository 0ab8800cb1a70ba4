"""Erasing a person removes their words everywhere and moves no released figure of anyone
else (issue 11, finding 3).

The released "Spring" cycle has four Product subjects under Bo. Xena's others score is far
below the rest (boss 1, peers 1, 1, 2: 1.25 on every item, against Ann 4.00, Ben 4.50 and
Cal 3.50), so the team mean is 3.31 with her and 4.00 without; and she has a declined and
an unanswered rater, so her response rate (5 of 7) differs from everyone else's (all
answered): a team mean, a subject count or a response rate that moved would show. Xena also answered a peer
survey about Ann with a one-of-a-kind comment and a second comment another peer wrote word
for word, so exactly one copy of it must go.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from openpyxl import load_workbook
from rest_framework.test import APIClient

from accounts.models import Person
from exports import files
from exports import services as export_services
from exports.models import Export
from feedback import services as feedback_services
from feedback.models import Comment, Cycle, FeedbackRequest, Rater, Rating
from reports import services
from reports.models import GapAnalysis, SubjectScore
from tests.factories import TeamFactory, person_with_login
from tests.reports.builders import items_of, new_request, open_cycle, questions_of, respond

pytestmark = pytest.mark.django_db

REMARK = "Xena's one-of-a-kind remark about Ann"
SHARED = "Great listener."


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def org(db):
    product = TeamFactory(name="Product")
    ceo = person_with_login(email="ceo@example.com", name="Cleo Chief", team=None)
    bo = person_with_login(email="bo@example.com", name="Bo Boss", team=product, manager=ceo)
    people = {"ceo": ceo, "bo": bo}
    for key, name in (("ann", "Ann"), ("ben", "Ben"), ("cal", "Cal"), ("xena", "Xena")):
        people[key] = person_with_login(
            email=f"{key}@example.com", name=f"{name} Person", team=product, manager=bo
        )
    people["hr"] = person_with_login(email="hr@example.com", name="Hana HR", hr=True, team=None)
    return people


def everything(cycle, value):
    return {item.id: value for item in items_of(cycle)}


def as_rater(rater: Rater, person: Person) -> None:
    Rater.objects.filter(pk=rater.pk).update(person=person, email=person.email, name=person.name)


@pytest.fixture
def spring(org, django_capture_on_commit_callbacks):
    """Released through the services (close computes, release freezes), k = 3."""
    cycle = open_cycle(k=3)
    first, second = questions_of(cycle)[:2]
    scores = {"ann": (4, [4, 4, 4]), "ben": (5, [5, 4, 4]), "cal": (3, [4, 4, 3])}
    scores["xena"] = (1, [1, 1, 2])
    requests = {}
    for key, (boss, peers) in scores.items():
        request = new_request(cycle, subject=org[key])
        requests[key] = request
        respond(request, "self", everything(cycle, 3))
        respond(request, "boss", everything(cycle, boss))
        for value in peers:
            respond(request, "peer", everything(cycle, value))
    respond(requests["xena"], "peer", {}, status=Rater.Status.DECLINED)
    respond(requests["xena"], "direct_report", {}, status=Rater.Status.INVITED)
    respond(requests["xena"], "boss", {}, status=Rater.Status.PENDING)
    # Xena, a fourth peer of Ann, writes a unique remark and words another peer also wrote.
    xena_on_ann = respond(
        requests["ann"],
        "peer",
        everything(cycle, 4),
        {first.id: REMARK, second.id: SHARED},
    )
    as_rater(xena_on_ann, org["xena"])
    other = Rater.objects.filter(request=requests["ann"], relationship="peer").first()
    Comment.objects.create(rater=other, question=second, text=SHARED)
    # Xena's own comments about herself, as self.
    self_rater = Rater.objects.get(request=requests["xena"], relationship="self")
    Comment.objects.create(rater=self_rater, question=first, text="Xena on Xena")
    with django_capture_on_commit_callbacks(execute=True):
        feedback_services.cycle_close(cycle=cycle)
    with django_capture_on_commit_callbacks(execute=True):
        feedback_services.cycle_release(cycle=Cycle.objects.get(pk=cycle.pk))
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.RELEASED
    assert GapAnalysis.objects.filter(request__cycle=cycle, frozen_at__isnull=True).count() == 0
    return cycle, requests


def api(person):
    client = APIClient()
    client.force_authenticate(person.user)
    return client


def team_report(person, cycle, **params):
    response = api(person).get(
        f"/api/v1/cycles/{cycle.id}/team-report/", {"page_size": 50, **params}
    )
    assert response.status_code == 200, response.content
    return response.json()


def heatmap(person, cycle, url):
    client = Client()
    client.force_login(person.user)
    response = client.get(url, {"cycle": cycle.id})
    assert response.status_code == 200
    team = response.context["team"]
    cycles = response.context.get("cycles") or []
    return {
        "figures": team["figures"],
        "subjects": team["subjects"],
        "rates": [getattr(c, "team_rates", None) for c in cycles],
    }


def build(org, cycle, kind, **kwargs) -> Export:
    from django.db import transaction

    with transaction.atomic():
        export = export_services.export_create(
            user=org["hr"].user, kind=kind, cycle_id=cycle.id, **kwargs
        )
    export_services.export_build(export_id=export.id)
    export.refresh_from_db()
    assert export.status == "done", export.error
    return export


def xlsx(org, cycle) -> dict:
    workbook = load_workbook(io.BytesIO(build(org, cycle, "team_xlsx").file.read()))
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook
    }


def team_csv(org, cycle) -> list[dict]:
    content = build(org, cycle, "team_csv").file.read().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(content)))


def snapshot(org, cycle) -> dict:
    return {
        "hr": team_report(org["hr"], cycle),
        "hr_product": team_report(org["hr"], cycle, team="Product"),
        "bo": team_report(org["bo"], cycle),
        "hr_page": heatmap(org["hr"], cycle, "/reports/hr/"),
        "bo_page": heatmap(org["bo"], cycle, "/reports/manager/"),
        "xlsx": xlsx(org, cycle),
        "csv": team_csv(org, cycle),
    }


def without(rows, name):
    return [row for row in rows if name not in json.dumps(row, default=str)]


def test_erasure_moves_no_released_team_figure_and_removes_only_the_erased_row(
    org, spring, django_capture_on_commit_callbacks
):
    cycle, requests = spring
    before = snapshot(org, cycle)
    xena = "Xena Person"
    # The data can tell: Xena's row is there and the team mean is not the mean without her.
    vision = before["hr"]["team_figures"]["behaviours"][0]["leadership"]
    assert vision == {"mean": 3.31, "subjects": 4}  # (4.0 + 4.5 + 3.5 + 1.25) / 4 = 3.3125
    assert before["hr"]["response_rates"]["total"] == {
        "invited": 23,
        "submitted": 21,
        "declined": 1,
        "rate": 91.3,
    }
    assert any(r["subject"]["name"] == xena for r in before["hr"]["results"])
    stale_exports = list(Export.objects.values_list("file", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        response = api(org["hr"]).post(f"/api/v1/people/{org['xena'].id}/erase/")
    assert response.status_code == 204

    after = snapshot(org, cycle)
    for key in ("hr", "hr_product", "bo"):
        assert after[key]["team_figures"] == before[key]["team_figures"], key
        assert after[key]["response_rates"] == before[key]["response_rates"], key
        assert after[key]["results"] == without(before[key]["results"], xena), key
        assert after[key]["count"] == before[key]["count"] - 1
        assert after[key]["team_figures"]["subjects"] == 4
    for key in ("hr_page", "bo_page"):
        assert after[key]["figures"] == before[key]["figures"], key
        assert after[key]["subjects"] == without(before[key]["subjects"], xena), key
        assert after[key]["rates"] == before[key]["rates"], key
    assert len(after["hr_page"]["subjects"]) == 3

    # The files: every figure the same, Xena's row gone (and no "Erased person" row).
    for sheet in ("Summary", "Items"):
        assert after["xlsx"][sheet] == without(before["xlsx"][sheet], xena), sheet
    assert ["Subjects", 4] in [row[:2] for row in after["xlsx"]["Summary"]]
    assert after["xlsx"]["People by behaviour"] == without(
        before["xlsx"]["People by behaviour"], xena
    )
    assert after["csv"] == without(before["csv"], xena)
    assert not any("Erased" in json.dumps(r) for r in after["csv"])
    # Files built before the erasure named her: they are gone.
    for name in stale_exports:
        assert not default_storage.exists(name)

    # Her own report can no longer be read by anyone.
    xena_request = requests["xena"].id
    for reader in (org["hr"], org["bo"]):
        assert api(reader).get(f"/api/v1/requests/{xena_request}/results/").status_code == 404
    page = Client()
    page.force_login(org["hr"].user)
    assert page.get(f"/reports/requests/{xena_request}/").status_code == 404
    with pytest.raises(Exception, match="(?i)not found"):
        export_services.export_create(
            user=org["hr"].user, kind="individual_pdf", cycle_id=cycle.id, request_id=xena_request
        )
    # Nothing about her remains but her anonymous share of the team figures.
    assert not Rater.objects.filter(request_id=xena_request).exists()
    assert not Rating.objects.filter(rater__request_id=xena_request).exists()
    assert SubjectScore.objects.filter(analysis__request_id=xena_request).count() == 10
    stored = GapAnalysis.objects.get(request_id=xena_request).data
    assert "Xena" not in json.dumps(stored) and "comments" not in stored


def test_erasure_removes_her_comments_from_every_released_document(
    org, spring, tmp_path, django_capture_on_commit_callbacks
):
    from tests.exports.test_export_files import pdf_text

    cycle, requests = spring
    ann = requests["ann"]
    before = api(org["hr"]).get(f"/api/v1/requests/{ann.id}/results/").json()
    texts = [c["text"] for c in before["comments"]]
    assert REMARK in texts and texts.count(SHARED) == 2
    (document,) = services.results_for_export(cycle=cycle, request_ids=[ann.id]).documents
    assert REMARK in pdf_text(files.individual_pdf(document), tmp_path)
    individual = build(org, cycle, "individual_pdf", request_id=ann.id)

    with django_capture_on_commit_callbacks(execute=True):
        response = api(org["hr"]).post(f"/api/v1/people/{org['xena'].id}/erase/")
    assert response.status_code == 204

    after = api(org["ann"]).get(f"/api/v1/requests/{ann.id}/results/").json()
    texts = [c["text"] for c in after["comments"]]
    assert REMARK not in texts
    assert texts.count(SHARED) == 1  # one copy per deleted comment: the other peer's stays
    expected = [c for c in before["comments"] if c["text"] != REMARK]
    expected.remove({"question": expected_question(cycle, 1), "group": "peer", "text": SHARED})
    assert after["comments"] == expected
    # Every figure of Ann's released report is as it was.
    assert {k: v for k, v in after.items() if k != "comments"} == {
        k: v for k, v in before.items() if k != "comments"
    }
    page = Client()
    page.force_login(org["ann"].user)
    html = page.get(f"/reports/requests/{ann.id}/").content.decode()
    assert SHARED in html and REMARK not in html
    (document,) = services.results_for_export(cycle=cycle, request_ids=[ann.id]).documents
    assert REMARK not in pdf_text(files.individual_pdf(document), tmp_path)
    assert not Export.objects.filter(pk=individual.pk).exists()
    assert not default_storage.exists(individual.file.name)
    # And in the database: no comment row, no stored document, no audit detail.
    assert not Comment.objects.filter(text__in=[REMARK, "Xena on Xena"]).exists()
    assert Comment.objects.filter(text=SHARED).count() == 1
    every_document = json.dumps(list(GapAnalysis.objects.values_list("data", flat=True)))
    assert REMARK not in every_document and "Xena on Xena" not in every_document
    assert "Xena" not in every_document
    from core.models import AuditEvent

    audit = json.dumps(list(AuditEvent.objects.values("detail", "target_label", "actor_label")))
    assert REMARK not in audit and "Xena" not in audit
    # Her ratings stay, anonymous, so Ann's frozen figures hold; her survey link is dead.
    xena_on_ann = Rater.objects.get(request=ann, email__startswith="erased-rater-")
    assert xena_on_ann.person is None and xena_on_ann.token_hash is None
    assert Rating.objects.filter(rater=xena_on_ann).count() == len(items_of(cycle))


def expected_question(cycle, index):
    return questions_of(cycle)[index].rater_text


def test_erasure_drops_an_unreleased_cycle_as_before(org, spring):
    autumn = open_cycle(k=3)
    request = new_request(autumn, subject=org["xena"])
    respond(request, "boss", everything(autumn, 2))
    ben = new_request(autumn, subject=org["ben"])
    draft = respond(
        ben,
        "peer",
        everything(autumn, 3),
        {questions_of(autumn)[0].id: "Xena's draft about Ben"},
        status=Rater.Status.STARTED,
    )
    as_rater(draft, org["xena"])

    assert api(org["hr"]).post(f"/api/v1/people/{org['xena'].id}/erase/").status_code == 204

    assert not FeedbackRequest.objects.filter(pk=request.pk).exists()
    assert not Comment.objects.filter(text="Xena's draft about Ben").exists()
    xena = Person.objects.get(pk=org["xena"].pk)
    assert xena.erased_at is not None and "xena" not in xena.email
    # Erasing twice is refused rather than silently done again.
    assert api(org["hr"]).post(f"/api/v1/people/{xena.id}/erase/").status_code == 409


def test_erasing_a_manager_deletes_the_exports_named_after_their_line(
    org, spring, django_capture_on_commit_callbacks
):
    """Bo's line export of another cycle is named after Bo; HR's export of it is not."""
    cycle, _ = spring
    other = open_cycle(k=3)
    respond(new_request(other, subject=org["ann"]), "boss", everything(other, 3))
    Cycle.objects.filter(pk=other.pk).update(status=Cycle.Status.RELEASED)
    from django.db import transaction

    with transaction.atomic():
        line = export_services.export_create(
            user=org["bo"].user, kind="team_csv", cycle_id=other.id
        )
    export_services.export_build(export_id=line.id)
    kept = build(org, other, "team_csv")
    line.refresh_from_db()
    assert "bo-boss" in line.download_name

    with django_capture_on_commit_callbacks(execute=True):
        assert api(org["hr"]).post(f"/api/v1/people/{org['bo'].id}/erase/").status_code == 204

    assert not Export.objects.filter(pk=line.pk).exists()
    assert not default_storage.exists(line.file.name)
    assert Export.objects.filter(pk=kept.pk).exists()

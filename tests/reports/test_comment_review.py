"""Comments that do not give their writer away (issue 16): screening when a cycle closes,
HR's review (redact a passage, keep as is), "[removed]" wherever the comment is read, the
composition with erasure, who may do it, and the shuffled order.

The "Spring" cycle (k = 3): Bo Boss manages Ann, Ben and Cal Person (team Product). Ann
has three peers; one wrote NAMING (Ben's full name and a phone number), another a harmless
comment. Her boss wrote about Cal (identified group: not screened). Ben has only two peers,
one of whom named Cal: a hidden group's comment is never shown, so never listed either.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from rest_framework.test import APIClient

from core.models import AuditEvent
from exports import files
from exports.models import Export
from feedback import services as feedback_services
from feedback.models import Comment, Cycle, Rater
from reports import services
from reports.models import CommentFlag, GapAnalysis
from tests.factories import TeamFactory, person_with_login
from tests.reports.builders import items_of, new_request, open_cycle, questions_of, respond

pytestmark = pytest.mark.django_db

NAMING = "Ben Person and I saw it happen; call me on +44 20 7946 0958 to talk."
HARMLESS = "A great listener."
BOSS_WORDS = "Better than Cal Person at planning."
HIDDEN = "Cal told me so."


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def org(db):
    product = TeamFactory(name="Product")
    bo = person_with_login(email="bo@example.com", name="Bo Boss", team=product)
    people = {"bo": bo}
    for key in ("ann", "ben", "cal"):
        people[key] = person_with_login(
            email=f"{key}@example.com", name=f"{key.title()} Person", team=product, manager=bo
        )
    people["hr"] = person_with_login(email="hr@example.com", name="Hana Resources", hr=True)
    people["outsider"] = person_with_login(email="out@example.com", name="Otto Side", team=None)
    return people


def everything(cycle, value=4):
    return {item.id: value for item in items_of(cycle)}


@pytest.fixture
def spring(org, django_capture_on_commit_callbacks):
    """Closed through the service: its receivers compute and screen (tasks in-process)."""
    cycle = open_cycle(k=3)
    first, second = questions_of(cycle)[:2]
    ann = new_request(cycle, subject=org["ann"])
    ben = new_request(cycle, subject=org["ben"])
    respond(ann, "self", everything(cycle))
    respond(ann, "boss", everything(cycle), {first.id: BOSS_WORDS})
    respond(ann, "peer", everything(cycle), {first.id: NAMING, second.id: "Ships on time."})
    respond(ann, "peer", everything(cycle), {first.id: HARMLESS})
    respond(ann, "peer", everything(cycle))
    respond(ben, "peer", everything(cycle), {first.id: HIDDEN})
    respond(ben, "peer", everything(cycle))
    with django_capture_on_commit_callbacks(execute=True):
        feedback_services.cycle_close(cycle=cycle)
    cycle.refresh_from_db()
    return cycle, ann, ben


def api(person):
    client = APIClient()
    client.force_authenticate(person.user)
    return client


def page(person):
    client = Client()
    client.force_login(person.user)
    return client


def flag_of(text):
    return CommentFlag.objects.get(comment__text=text)


def test_closing_a_cycle_flags_only_comments_that_may_give_their_writer_away(spring):
    cycle, ann, _ben = spring
    flag = CommentFlag.objects.get(cycle=cycle)  # one: not the boss's, not a hidden group's
    assert flag.comment.text == NAMING and flag.request_id == ann.id
    assert flag.status == CommentFlag.Status.PENDING
    assert [(m["kind"], NAMING[m["start"] : m["end"]]) for m in flag.matches] == [
        ("team_name", "Ben Person"),
        ("phone", "+44 20 7946 0958"),
    ]


def test_screening_again_keeps_reviews_and_refreshes_what_changed(spring, org):
    cycle, ann, _ben = spring
    flag = flag_of(NAMING)
    services.comment_keep(flag=flag, actor=org["hr"].user)
    assert services.cycle_comments_screen(cycle_id=cycle.id) == 0
    assert flag_of(NAMING).status == CommentFlag.Status.KEPT
    # A harmless comment edited to hold an email (as a reopened survey could): flagged.
    Comment.objects.filter(text=HARMLESS).update(text="Mail ben@example.com")
    assert services.cycle_comments_screen(cycle_id=cycle.id) == 1
    assert CommentFlag.objects.filter(cycle=cycle).count() == 2


def test_redacting_a_passage_shows_removed_everywhere_and_keeps_it_nowhere(
    spring, org, tmp_path, django_capture_on_commit_callbacks
):
    from tests.exports.test_export_files import pdf_text

    cycle, ann, _ben = spring
    flag = flag_of(NAMING)
    name, phone = flag.matches
    # Read (and so rendered and cached) before the redaction, as HR would have.
    first = api(org["hr"]).get(f"/api/v1/requests/{ann.id}/results/").json()
    assert NAMING in [c["text"] for c in first["comments"]]
    with django_capture_on_commit_callbacks(execute=True):
        response = api(org["hr"]).post(
            f"/api/v1/comment-flags/{flag.id}/redact/",
            {"start": name["start"], "end": name["end"]},
            format="json",
        )
    assert response.status_code == 200, response.content
    expected = "[removed] and I saw it happen; call me on +44 20 7946 0958 to talk."
    body = response.json()
    assert body["text"] == expected and body["status"] == "pending"
    # The phone is still flagged, at its new place.
    assert [m["text"] for m in body["matches"]] == ["+44 20 7946 0958"]
    response = api(org["hr"]).post(
        f"/api/v1/comment-flags/{flag.id}/redact/", {"passage": "+44 20 7946 0958"}, format="json"
    )
    assert response.json()["status"] == "redacted"
    final = "[removed] and I saw it happen; call me on [removed] to talk."
    assert Comment.objects.filter(text=final).exists()

    results = api(org["hr"]).get(f"/api/v1/requests/{ann.id}/results/").json()
    texts = [c["text"] for c in results["comments"]]
    assert final in texts and not any("Ben Person" in t or "7946" in t for t in texts)
    html = page(org["hr"]).get(f"/reports/requests/{ann.id}/").content.decode()
    assert "[removed] and I saw it happen" in html and "Ben Person" not in html
    (document,) = services.results_for_export(cycle=cycle, request_ids=[ann.id]).documents
    text = pdf_text(files.individual_pdf(document), tmp_path)
    assert "[removed]" in text and "7946" not in text
    # Nothing holds the passage: the audit records offsets and lengths only.
    events = AuditEvent.objects.filter(action="comment.redact").order_by("id")
    assert [e.detail["start"] for e in events] == [name["start"], expected.index("+44")]
    assert [e.actor_label for e in events] == ["hr@example.com"] * 2
    everything_stored = json.dumps(
        [list(GapAnalysis.objects.values_list("data", flat=True))]
        + [list(AuditEvent.objects.values("detail", "target_label"))]
        + [list(CommentFlag.objects.values("matches"))]
    )
    assert "Ben Person" not in everything_stored and "7946" not in everything_stored


def test_redacting_after_release_changes_the_frozen_document_and_composes_with_erasure(
    spring, org, django_capture_on_commit_callbacks
):
    cycle, ann, _ben = spring
    with django_capture_on_commit_callbacks(execute=True):
        feedback_services.cycle_release(cycle=cycle)
    before = api(org["ann"]).get(f"/api/v1/requests/{ann.id}/results/").json()
    export = services_build_individual(org, cycle, ann)
    flag = flag_of(NAMING)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_redact(flag=flag, start=0, end=10, actor=org["hr"].user)
    after = api(org["ann"]).get(f"/api/v1/requests/{ann.id}/results/").json()
    assert GapAnalysis.objects.get(request=ann).frozen_at is not None
    redacted = NAMING.replace("Ben Person", "[removed]")
    assert [c["text"] for c in after["comments"]] == [
        redacted if c["text"] == NAMING else c["text"] for c in before["comments"]
    ]
    assert {k: v for k, v in after.items() if k != "comments"} == {
        k: v for k, v in before.items() if k != "comments"
    }
    # A file built before the redaction may hold the passage: it is gone.
    assert not Export.objects.filter(pk=export.pk).exists()
    assert not default_storage.exists(export.file.name)
    # Erasing the writer still takes the (redacted) comment out of the frozen document.
    writer = Rater.objects.get(comments__text=redacted)
    Rater.objects.filter(pk=writer.pk).update(person=org["cal"], email=org["cal"].email)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(org["hr"]).post(f"/api/v1/people/{org['cal'].id}/erase/")
    assert response.status_code == 204
    erased = api(org["ann"]).get(f"/api/v1/requests/{ann.id}/results/").json()
    assert redacted not in [c["text"] for c in erased["comments"]]
    assert not CommentFlag.objects.filter(pk=flag.pk).exists()


def services_build_individual(org, cycle, request):
    from django.db import transaction

    from exports import services as export_services

    with transaction.atomic():
        export = export_services.export_create(
            user=org["hr"].user, kind="individual_pdf", cycle_id=cycle.id, request_id=request.id
        )
    export_services.export_build(export_id=export.id)
    export.refresh_from_db()
    assert export.status == "done", export.error
    return export


def test_keep_as_is_leaves_the_comment_and_records_who(spring, org):
    flag = flag_of(NAMING)
    response = api(org["hr"]).post(f"/api/v1/comment-flags/{flag.id}/keep/")
    assert response.status_code == 200 and response.json()["status"] == "kept"
    assert Comment.objects.filter(text=NAMING).exists()
    flag.refresh_from_db()
    assert flag.reviewed_by == org["hr"].user and flag.reviewed_at is not None


def test_offsets_outside_the_comment_or_a_missing_passage_are_refused(spring, org):
    flag = flag_of(NAMING)
    client = api(org["hr"])
    for body in (
        {"start": 5, "end": 500},
        {"start": 9, "end": 3},
        {"passage": "not in it"},
        {"start": 1},
        {"start": 1, "end": 3, "passage": "Ben"},
        {},
        {"start": "1.0", "end": 3},
    ):
        response = client.post(f"/api/v1/comment-flags/{flag.id}/redact/", body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert set(response.json()) == {"detail", "errors"}
    assert Comment.objects.filter(text=NAMING).exists()


def test_the_list_shows_flags_to_hr_without_the_writer_and_marks_the_cycle_read(spring, org):
    cycle, ann, _ben = spring
    response = api(org["hr"]).get(f"/api/v1/cycles/{cycle.id}/comment-flags/")
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["subject"] == {"id": org["ann"].id, "name": "Ann Person"}
    assert row["group"] == "peer" and row["text"] == NAMING
    assert [m["kind"] for m in row["matches"]] == ["team_name", "phone"]
    writer = Rater.objects.get(comments__text=NAMING)
    assert writer.email not in json.dumps(row)
    cycle.refresh_from_db()
    assert cycle.results_read_at is not None  # reviewed comments are results: no reopening
    assert (
        api(org["hr"])
        .get(f"/api/v1/cycles/{cycle.id}/comment-flags/", {"status": "kept"})
        .json()["results"]
        == []
    )


@pytest.mark.parametrize("who", ["ann", "bo", "ben", "outsider"])
def test_nobody_but_hr_reaches_flags_and_out_of_reach_looks_like_missing(spring, org, who):
    cycle, _ann, _ben = spring
    flag = flag_of(NAMING)
    client = api(org[who])
    missing = api(org["hr"]).post("/api/v1/comment-flags/999999/keep/")
    assert missing.status_code == 404
    for method, url, body in (
        ("get", f"/api/v1/cycles/{cycle.id}/comment-flags/", None),
        ("post", f"/api/v1/cycles/{cycle.id}/comment-flags/screen/", None),
        ("post", f"/api/v1/comment-flags/{flag.id}/redact/", {"start": 0, "end": 3}),
        ("post", f"/api/v1/comment-flags/{flag.id}/keep/", None),
    ):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 404, (url, response.status_code)
        assert response.json() == missing.json()
    browser = page(org[who])
    assert browser.get(f"/reports/hr/cycles/{cycle.id}/comments/").status_code == 404
    for decision in ("redact", "keep"):
        url = f"/reports/hr/comments/{flag.id}/{decision}/"
        assert browser.post(url, {"start": 0, "end": 3}).status_code == 404
    assert Comment.objects.filter(text=NAMING).exists()
    assert flag_of(NAMING).status == CommentFlag.Status.PENDING


def test_anonymous_callers_are_asked_to_log_in(spring):
    cycle, _ann, _ben = spring
    flag = flag_of(NAMING)
    assert APIClient().get(f"/api/v1/cycles/{cycle.id}/comment-flags/").status_code == 401
    assert APIClient().post(f"/api/v1/comment-flags/{flag.id}/keep/").status_code == 401
    response = Client().get(f"/reports/hr/cycles/{cycle.id}/comments/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_an_open_cycle_has_nothing_to_review(org):
    cycle = open_cycle(k=3)
    response = api(org["hr"]).get(f"/api/v1/cycles/{cycle.id}/comment-flags/")
    assert response.status_code == 409
    cycle.refresh_from_db()
    assert cycle.results_read_at is None


def test_the_review_page_redacts_a_flagged_passage_and_a_typed_one(spring, org):
    cycle, ann, _ben = spring
    flag = flag_of(NAMING)
    browser = page(org["hr"])
    hr_page = browser.get("/reports/hr/").content.decode()
    assert "Comments to review (1)" in hr_page
    html = browser.get(f"/reports/hr/cycles/{cycle.id}/comments/").content.decode()
    assert '<mark title="a name from the subject’s team">Ben Person</mark>' in html
    assert "A peer, about Ann Person" in html
    name = flag.matches[0]
    response = browser.post(
        f"/reports/hr/comments/{flag.id}/redact/", {"start": name["start"], "end": name["end"]}
    )
    assert response.status_code == 302
    response = browser.post(f"/reports/hr/comments/{flag.id}/redact/", {"passage": "saw it"})
    assert Comment.objects.filter(
        text="[removed] and I [removed] happen; call me on +44 20 7946 0958 to talk."
    ).exists()
    confirm = browser.get(f"/reports/hr/cycles/{cycle.id}/release/").content.decode()
    assert "1 comment may give its writer away" in confirm
    browser.post(f"/reports/hr/comments/{flag.id}/keep/")
    confirm = browser.get(f"/reports/hr/cycles/{cycle.id}/release/").content.decode()
    assert "may give" not in confirm
    assert "Comments to review (0)" in browser.get("/reports/hr/").content.decode()


def test_a_shuffled_cycle_mixes_each_groups_comments_across_questions(org):
    cycle = open_cycle(k=2)
    Cycle.objects.filter(pk=cycle.pk).update(shuffle_comments=True)
    questions = questions_of(cycle)
    request = new_request(cycle, subject=org["ann"])
    written = []
    for n in range(4):
        texts = {q.id: f"Peer {n} on question {q.position}" for q in questions}
        written += texts.values()
        respond(request, "peer", everything(cycle), texts)
    respond(request, "self", everything(cycle), {questions[0].id: "Self words"})
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.CLOSED)
    document = api(org["hr"]).get(f"/api/v1/requests/{request.id}/results/").json()
    groups = [c["group"] for c in document["comments"]]
    assert groups == ["self"] + ["peer"] * len(written)  # grouped, self first
    peer_texts = [c["text"] for c in document["comments"] if c["group"] == "peer"]
    assert sorted(peer_texts) == sorted(written)
    by_question = sorted(written, key=lambda t: (t.split()[-1], t))
    assert peer_texts != by_question and peer_texts != sorted(written)
    # Stable: the same order on every reading, and on the page, PDF and files alike.
    GapAnalysis.objects.filter(request=request).update(data=None)
    again = api(org["hr"]).get(f"/api/v1/requests/{request.id}/results/").json()
    assert again["comments"] == document["comments"]
    html = page(org["hr"]).get(f"/reports/requests/{request.id}/").content.decode()
    positions = [html.index(text) for text in peer_texts]
    assert positions == sorted(positions)
    assert "one mixed list across the questions" in html
    cycle.refresh_from_db()
    (document,) = services.results_for_export(cycle=cycle, request_ids=[request.id]).documents
    pdf_html = files.individual_html(document)
    positions = [pdf_html.index(text) for text in peer_texts]
    assert positions == sorted(positions)
    assert "mixed across the questions" in pdf_html
    # Each comment is labelled with its question, under its group's heading (self's too).
    assert pdf_html.count(f'<span class="who">{questions[0].rater_text}</span>') == 5


def test_a_button_from_a_page_shown_before_another_redaction_changes_nothing(spring, org):
    cycle, _ann, _ben = spring
    flag = flag_of(NAMING)
    name, phone = flag.matches
    browser = page(org["hr"])
    stale_phone = {"start": phone["start"], "end": phone["end"], "expected": "+44 20 7946 0958"}
    browser.post(
        f"/reports/hr/comments/{flag.id}/redact/",
        {"start": name["start"], "end": name["end"], "expected": "Ben Person"},
    )
    shortened = Comment.objects.get(pk=flag.comment_id).text
    response = browser.post(f"/reports/hr/comments/{flag.id}/redact/", stale_phone, follow=True)
    assert "The comment changed since this page was shown" in response.content.decode()
    assert Comment.objects.get(pk=flag.comment_id).text == shortened

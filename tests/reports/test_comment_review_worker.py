"""Issue 16 on PostgreSQL with the real worker: HR closes a cycle through the API, the
worker screens its comments, and the flag appears for HR; "Screen again" goes through the
worker too and keeps the review."""

from __future__ import annotations

from rest_framework.test import APIClient

from reports.models import CommentFlag
from tests.factories import TeamFactory, person_with_login
from tests.reports.builders import items_of, new_request, open_cycle, questions_of, respond

NAMING = "Jörg Ångström knows I said this; mail me at peer.one@example.com."


def test_closing_a_cycle_flags_a_comment_by_the_worker(postgres, celery_worker, wait_for):
    team = TeamFactory(name="Product")
    lea = person_with_login(email="lea@example.com", name="Léa Müller", team=team)
    ann = person_with_login(email="ann@example.com", name="Ann Berg", team=team, manager=lea)
    person_with_login(email="jorg@example.com", name="Jörg Ångström", team=team, manager=lea)
    hr = person_with_login(email="hr@example.com", name="Hana HR", hr=True, team=None)
    cycle = open_cycle(k=3)
    request = new_request(cycle, subject=ann)
    question = questions_of(cycle)[0]
    ratings = {item.id: 4 for item in items_of(cycle)}
    respond(request, "peer", ratings, {question.id: NAMING})
    respond(request, "peer", ratings, {question.id: "Kind and clear."})
    respond(request, "peer", ratings)

    client = APIClient()
    client.force_authenticate(hr.user)
    assert client.post(f"/api/v1/cycles/{cycle.id}/close/").status_code == 200
    flag = wait_for(lambda: CommentFlag.objects.filter(cycle=cycle).first(), timeout=60)
    assert flag.comment.text == NAMING
    assert [(m["kind"], NAMING[m["start"] : m["end"]]) for m in flag.matches] == [
        ("team_name", "Jörg Ångström"),
        ("email", "peer.one@example.com"),
    ]
    listed = client.get(f"/api/v1/cycles/{cycle.id}/comment-flags/").json()
    assert [row["id"] for row in listed["results"]] == [flag.id]

    assert client.post(f"/api/v1/comment-flags/{flag.id}/keep/").status_code == 200
    # The directory gains someone the other comment names: screening again (by the worker)
    # flags it and leaves the reviewed flag as it was.
    person_with_login(email="kim@example.com", name="Kind Clear", team=team, manager=lea)
    response = client.post(f"/api/v1/cycles/{cycle.id}/comment-flags/screen/")
    assert response.status_code == 202
    second = wait_for(
        lambda: CommentFlag.objects.filter(cycle=cycle).exclude(pk=flag.pk).first(), timeout=60
    )
    assert second.comment.text == "Kind and clear." and second.status == "pending"
    assert CommentFlag.objects.get(pk=flag.pk).status == CommentFlag.Status.KEPT

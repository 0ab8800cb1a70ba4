"""The feedback API: permission matrix, state changes, raters, launch, progress, surveys."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from feedback import services
from feedback.models import Cycle, Framework, Rater
from tests.feedback.conftest import in_days


def item_ids():
    return list(
        Framework.objects.get(version=1).items.order_by("position").values_list("id", flat=True)
    )


# --- cycles ---------------------------------------------------------------------


# Anonymous callers get 401 (token auth answers first, with a WWW-Authenticate header).
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "expected"), [(None, 401), ("dev", 403), ("lead", 403), ("hr", 200)]
)
def test_it_lets_only_hr_list_cycles(api_as, org, draft_cycle, who, expected):
    response = api_as(org.get(who)).get("/api/v1/cycles/")
    assert response.status_code == expected
    assert set(response.json()) == (
        {"count", "next", "previous", "results"} if expected == 200 else {"detail", "errors"}
    )


@pytest.mark.django_db
def test_it_creates_a_cycle_with_the_contract_defaults(api_as, org):
    response = api_as(org["hr"]).post(
        "/api/v1/cycles/",
        {"name": "Autumn", "closes_at": in_days(10).isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["min_anonymous_raters"], body["gap_threshold"]) == (
        "draft",
        3,
        1.0,
    )
    assert Cycle.objects.get(pk=body["id"]).created_by == org["hr"].user


@pytest.mark.django_db
def test_it_reports_bad_cycle_settings_by_field(api_as, org):
    response = api_as(org["hr"]).post(
        "/api/v1/cycles/",
        {"name": "x", "closes_at": in_days(10).isoformat(), "min_anonymous_raters": 1},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"min_anonymous_raters": ["Must be at least 2."]}


@pytest.mark.django_db
def test_it_moves_a_cycle_through_its_states_and_answers_409_for_wrong_moves(
    api_as, org, draft_cycle
):
    client = api_as(org["hr"])
    url = f"/api/v1/cycles/{draft_cycle.pk}"
    response = client.post(f"{url}/close/")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Only an open cycle can be closed; this cycle is draft.",
        "errors": {},
    }
    assert client.post(f"{url}/open/").json()["status"] == "open"
    assert client.post(f"{url}/open/").status_code == 409
    assert client.post(f"{url}/close/").json()["status"] == "closed"
    assert client.post(f"{url}/reopen/").json()["status"] == "open"
    client.post(f"{url}/close/")
    assert client.post(f"{url}/release/").json()["status"] == "released"
    response = client.post(f"{url}/reopen/")
    assert response.status_code == 409
    assert "final" in response.json()["detail"]


@pytest.mark.django_db
def test_it_hides_cycles_from_non_hr_on_state_changes(api_as, org, draft_cycle):
    response = api_as(org["lead"]).post(f"/api/v1/cycles/{draft_cycle.pk}/open/")
    assert response.status_code == 404


@pytest.mark.django_db
def test_it_answers_404_for_an_unknown_cycle(api_as, org):
    assert api_as(org["hr"]).post("/api/v1/cycles/999999/open/").status_code == 404


# --- requests ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "subject", "expected"),
    [
        ("hr", "dev", 201),
        ("lead", "dev", 201),
        ("vp", "dev", 201),
        ("hr", "outsider", 201),
        ("dev", "peer", 404),  # not a manager: nobody is in reach
        ("lead", "vp", 404),  # above them, not below
        ("outsider", "dev", 404),
    ],
)
def test_it_lets_hr_and_managers_above_create_requests(
    api_as, org, open_cycle, who, subject, expected
):
    response = api_as(org[who]).post(
        f"/api/v1/cycles/{open_cycle.pk}/requests/", {"subject": org[subject].pk}, format="json"
    )
    assert response.status_code == expected, response.json()


@pytest.mark.django_db
def test_it_returns_the_proposed_raters_and_warnings(api_as, org, open_cycle):
    response = api_as(org["lead"]).post(
        f"/api/v1/cycles/{open_cycle.pk}/requests/", {"subject": org["dev"].pk}, format="json"
    )
    body = response.json()
    assert body["subject"] == {
        "id": org["dev"].pk,
        "name": "Dev Eloper",
        "email": "dev@example.com",
    }
    assert sorted((r["relationship"], r["email"], r["status"]) for r in body["raters"]) == [
        ("boss", "lead@example.com", "pending"),
        ("peer", "peer@example.com", "pending"),
        ("self", "dev@example.com", "pending"),
    ]
    assert body["warnings"] == [
        "Only 1 peer: fewer than 3, so their ratings will not be shown on their own, "
        "only pooled into 'others'."
    ]


@pytest.mark.django_db
def test_it_answers_409_for_a_request_in_a_draft_cycle(api_as, org, draft_cycle):
    response = api_as(org["hr"]).post(
        f"/api/v1/cycles/{draft_cycle.pk}/requests/", {"subject": org["dev"].pk}, format="json"
    )
    assert response.status_code == 409


# --- raters, launch, progress -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "expected"),
    [("lead", 200), ("hr", 200), ("vp", 404), ("dev", 404), ("outsider", 404), (None, 401)],
)
def test_it_shows_raters_to_the_requester_and_hr_only(api_as, org, dev_request, who, expected):
    response = api_as(org.get(who)).get(f"/api/v1/requests/{dev_request.pk}/raters/")
    assert response.status_code == expected


@pytest.mark.django_db
def test_it_lists_raters_in_a_fixed_number_of_queries(
    api_as, org, dev_request, django_assert_max_num_queries
):
    for n in range(20):
        services.rater_add(request=dev_request, email=f"{n}@partner.example", relationship="other")
    with django_assert_max_num_queries(6):
        response = api_as(org["lead"]).get(f"/api/v1/requests/{dev_request.pk}/raters/")
    assert len(response.json()) == 23
    assert set(response.json()[0]) == {
        *("id", "relationship", "person", "email", "name", "status"),
        *("approval", "approval_decided_by", "approval_decided_at"),
        *("delivery", "delivery_error"),
    }


@pytest.mark.django_db
def test_it_adds_and_removes_raters(api_as, org, dev_request):
    client = api_as(org["lead"])
    url = f"/api/v1/requests/{dev_request.pk}/raters/"
    response = client.post(
        url, {"email": "Ext@Partner.example", "relationship": "other"}, format="json"
    )
    assert response.status_code == 201
    rater = response.json()
    assert (rater["email"], rater["person"], rater["status"]) == (
        "ext@partner.example",
        None,
        "pending",
    )
    response = client.post(
        url, {"email": "ext@partner.example", "relationship": "other"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["errors"] == {"email": ["Already a rater on this request."]}
    response = client.post(url, {"email": "dev@example.com", "relationship": "peer"}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Dev Eloper is the subject of this request: they cannot be their own peer."
    )
    assert client.delete(f"{url}{rater['id']}/").status_code == 204
    assert client.delete(f"{url}{rater['id']}/").status_code == 404
    other = services.request_create(
        cycle=dev_request.cycle, subject=org["lead"], requested_by=org["hr"].user
    ).request
    foreign = other.raters.first()
    assert client.delete(f"{url}{foreign.pk}/").status_code == 404  # not this request's rater


@pytest.mark.django_db
def test_it_launches_once_and_reports_progress(
    api_as, org, dev_request, django_capture_on_commit_callbacks
):
    client = api_as(org["lead"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/requests/{dev_request.pk}/launch/")
    assert response.status_code == 200
    assert response.json()["invited"] == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/v1/requests/{dev_request.pk}/launch/").json()["invited"] == 0
    assert len(mail.outbox) == 3
    Rater.objects.filter(relationship="peer").update(status="declined")
    progress = api_as(org["dev"]).get(f"/api/v1/requests/{dev_request.pk}/progress/").json()
    assert progress["relationships"]["peer"] == {
        "pending": 0,
        "invited": 0,
        "started": 0,
        "submitted": 0,
        "declined": 1,
        "withdrawn": 0,
        "total": 1,
        "failed": 0,
    }
    assert progress["relationships"]["self"]["invited"] == 1
    assert progress["relationships"]["direct_report"]["total"] == 0
    assert "raters" not in progress  # the subject sees counts only
    hr_view = api_as(org["hr"]).get(f"/api/v1/requests/{dev_request.pk}/progress/").json()
    assert sorted((r["email"], r["status"]) for r in hr_view["raters"]) == [
        ("dev@example.com", "invited"),
        ("lead@example.com", "invited"),
        ("peer@example.com", "declined"),
    ]
    assert set(hr_view["raters"][0]) == {
        "id",
        "relationship",
        "name",
        "email",
        "status",
        "delivery",
        "delivery_error",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "expected"),
    [("lead", 200), ("dev", 200), ("hr", 200), ("vp", 404), ("peer_login", 404), ("outsider", 404)],
)
def test_it_shows_progress_to_requester_subject_and_hr(api_as, org, dev_request, who, expected):
    if who == "peer_login":
        from tests.factories import person_with_login

        person = person_with_login(email="p2@example.com", manager=org["lead"])
    else:
        person = org[who]
    response = api_as(person).get(f"/api/v1/requests/{dev_request.pk}/progress/")
    assert response.status_code == expected


@pytest.mark.django_db
def test_it_refuses_launch_to_the_subject(api_as, org, dev_request):
    assert api_as(org["dev"]).post(f"/api/v1/requests/{dev_request.pk}/launch/").status_code == 404


# --- survey API -----------------------------------------------------------------------


@pytest.mark.django_db
def test_it_serves_a_survey_by_token_without_login(client, launched):
    response = client.get(f"/api/v1/survey/{launched['peer']}/")
    assert response.status_code == 200
    body = response.json()
    assert body["subject"]["name"] == "Dev Eloper"
    assert (body["relationship"], body["status"], body["accepts_answers"]) == (
        "peer",
        "invited",
        True,
    )
    assert len(body["items"]) == 30 and len(body["questions"]) == 3
    assert body["items"][3] == {
        "id": item_ids()[3],
        "behaviour": "vision",
        "pole": "management",
        "text": "Sets clear, measurable goals for the team",
    }
    assert [p["value"] for p in body["scale"]] == [1, 2, 3, 4, 5, None]
    assert body["answers"] == {"ratings": {}, "comments": {}}
    own = client.get(f"/api/v1/survey/{launched['self']}/").json()
    assert own["items"][3]["text"] == "I set clear, measurable goals for my team"


@pytest.mark.django_db
def test_it_answers_404_for_an_unknown_token(client, launched):
    response = client.get("/api/v1/survey/not-a-real-token/")
    assert response.status_code == 404
    assert "not valid" in response.json()["detail"]


@pytest.mark.django_db
def test_it_saves_drafts_and_submits_through_the_api_without_csrf(launched):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    url = f"/api/v1/survey/{launched['peer']}/"
    ids = item_ids()
    response = client.put(url, {"ratings": {str(ids[0]): 6}}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [f"ratings.{ids[0]}"]
    response = client.put(url, {"ratings": {str(ids[0]): "x"}}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [f"ratings.{ids[0]}"]
    response = client.put(url, {"ratings": {str(i): 3 for i in ids[:-1]}}, format="json")
    assert response.status_code == 200
    # A write answers with the survey's state: what is left to answer before submitting.
    assert response.json() == {
        "status": "started",
        "accepts_answers": True,
        "answered": len(ids) - 1,
        "unanswered": [ids[-1]],
    }
    response = client.post(f"{url}submit/")
    assert response.status_code == 400
    assert response.json()["errors"] == {f"ratings.{ids[-1]}": ["Unanswered."]}
    client.put(url, {"ratings": {str(ids[-1]): None}}, format="json")
    response = client.post(f"{url}submit/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "submitted",
        "accepts_answers": False,
        "answered": len(ids),
        "unanswered": [],
    }
    assert client.post(f"{url}submit/").status_code == 409


@pytest.mark.django_db
def test_it_declines_through_the_api(client, launched):
    url = f"/api/v1/survey/{launched['peer']}/decline/"
    response = client.post(url, {"reason": "On leave"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {
        "status": "declined",
        "accepts_answers": False,
        "answered": 0,
        "unanswered": [],
    }
    assert Rater.objects.get(relationship="peer").decline_reason == "On leave"


@pytest.mark.django_db
def test_it_answers_409_after_the_cycle_closed(client, launched, open_cycle):
    services.cycle_close(cycle=open_cycle)
    response = client.post(f"/api/v1/survey/{launched['peer']}/submit/")
    assert response.status_code == 409
    assert response.json()["detail"].startswith("This cycle closed on ")


@pytest.mark.django_db
def test_it_documents_every_feedback_endpoint_with_its_errors(client):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path, method, codes in [
        ("/api/v1/cycles/{id}/open/", "post", {"200", "400", "403", "404", "409"}),
        ("/api/v1/cycles/{id}/requests/", "post", {"201", "404", "409"}),
        ("/api/v1/requests/{id}/raters/", "post", {"201", "400", "409"}),
        ("/api/v1/requests/{id}/raters/{rater_id}/", "delete", {"204", "404", "409"}),
        ("/api/v1/requests/{id}/launch/", "post", {"200", "409"}),
        ("/api/v1/requests/{id}/progress/", "get", {"200", "404"}),
        ("/api/v1/survey/{token}/", "put", {"200", "400", "404", "409"}),
        ("/api/v1/survey/{token}/submit/", "post", {"200", "400", "404", "409"}),
    ]:
        assert codes <= set(paths[path][method]["responses"]), (path, method)
    # Survey writes answer with the receipt, and the schema says which fields it has.
    for path, method in [
        ("/api/v1/survey/{token}/", "put"),
        ("/api/v1/survey/{token}/submit/", "post"),
        ("/api/v1/survey/{token}/decline/", "post"),
    ]:
        ok = paths[path][method]["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": "#/components/schemas/SurveyReceipt"}, (path, method)
    receipt = schema["components"]["schemas"]["SurveyReceipt"]
    assert set(receipt["properties"]) == {"status", "accepts_answers", "answered", "unanswered"}


@pytest.mark.django_db
def test_it_resends_a_link_to_an_invited_rater_only(
    api_as, org, dev_request, launched, django_capture_on_commit_callbacks
):
    client = api_as(org["lead"])
    peer = dev_request.raters.get(relationship="peer")
    url = f"/api/v1/requests/{dev_request.pk}/raters/{peer.pk}/resend/"
    # The invitation arrived two days ago: a resend (a reminder) is allowed.
    Rater.objects.filter(pk=peer.pk).update(invited_at=timezone.now() - datetime.timedelta(days=2))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 200
    assert [m.to[0] for m in mail.outbox] == ["peer@example.com"]
    assert client.get(f"/api/v1/survey/{launched['peer']}/").status_code == 404
    new_token = re.search(r"/s/([A-Za-z0-9_-]+)/", mail.outbox[0].body).group(1)
    assert client.get(f"/api/v1/survey/{new_token}/").status_code == 200
    services.survey_decline(token=new_token)
    response = client.post(url)
    assert (response.status_code, response.json()["detail"]) == (
        409,
        "Only invited raters get a new link; this one is declined.",
    )

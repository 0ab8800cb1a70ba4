"""Deactivating someone (SCIM's active=false or DELETE, issue 17): no login, never proposed
or found as a rater, pending invitations withdrawn; past feedback and reports unchanged.
Reactivating gives the login back and resurrects nothing."""

import pytest
from django.core import mail
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services import person_deactivate, person_reactivate
from feedback import selectors, services
from feedback.models import Cycle, Rater
from privacy.services import person_erase
from reports.models import ResponseCount
from tests.factories import PersonFactory
from tests.reports.builders import answer_all

PASSWORD = "correct horse battery"


def submit(token: str, cycle: Cycle) -> None:
    client = APIClient()
    response = client.put(
        f"/api/v1/survey/{token}/", {"ratings": answer_all(cycle, 4), "comments": {}}, format="json"
    )
    assert response.status_code == 200, response.content
    assert client.post(f"/api/v1/survey/{token}/submit/").status_code == 200


# --- proposing and finding raters -------------------------------------------------------


def test_a_deactivated_peer_or_boss_is_not_proposed_as_a_rater(org, open_cycle):
    person_deactivate(person=org["peer"])
    person_deactivate(person=org["lead"])
    org["dev"].refresh_from_db()  # as a request would load the subject: fresh
    created = services.request_create(
        cycle=open_cycle, subject=org["dev"], requested_by=org["hr"].user
    )
    assert list(created.request.raters.values_list("relationship", "email")) == [
        ("self", "dev@example.com")
    ]


def test_an_erased_peer_is_not_proposed_either(org, open_cycle):
    # The known debt of docs/decisions.md: erased people were still proposed.
    person_erase(person=org["peer"], actor=org["hr"].user)
    created = services.request_create(
        cycle=open_cycle, subject=org["dev"], requested_by=org["hr"].user
    )
    assert sorted(created.request.raters.values_list("relationship", flat=True)) == ["boss", "self"]


def test_the_bulk_plan_leaves_deactivated_people_out_the_same_way(org, draft_cycle):
    person_deactivate(person=org["peer"])
    person_deactivate(person=org["lead"])
    plan = selectors.cycle_requests_plan(cycle=draft_cycle, subjects=[org["dev"], org["vp"]])
    raters = {
        p.subject.email: sorted((r, person.email) for r, person in p.raters) for p in plan.requests
    }
    assert raters["dev@example.com"] == [("self", "dev@example.com")]
    # vp's direct report (lead) is deactivated; vp's boss (ceo) and peer (hr) stay.
    assert raters["vp@example.com"] == [
        ("boss", "ceo@example.com"),
        ("peer", "hr@example.com"),
        ("self", "vp@example.com"),
    ]


def test_the_rater_directory_search_does_not_find_a_deactivated_person(org, dev_request):
    PersonFactory(email="paula@example.com", name="Paula Person")
    assert [
        p.email for p in selectors.directory_candidates(request=dev_request, query="Paula")
    ] == ["paula@example.com"]
    person_deactivate(person=org["ceo"])  # "Cleo": not a rater of dev's request
    assert selectors.directory_candidates(request=dev_request, query="Cleo") == []
    person_reactivate(person=org["ceo"])
    assert [p.email for p in selectors.directory_candidates(request=dev_request, query="Cleo")] == [
        "ceo@example.com"
    ]


# --- login ---------------------------------------------------------------------------


def sign_in(client, email):
    response = client.post("/accounts/login/", {"username": email, "password": PASSWORD})
    return response.status_code == 302 and "_auth_user_id" in client.session


def test_a_deactivated_person_cannot_sign_in_and_their_session_ends(org, client):
    assert sign_in(client, "dev@example.com")
    assert client.get("/").status_code == 200
    person_deactivate(person=org["dev"])
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not sign_in(client, "dev@example.com")


def test_a_deactivated_persons_api_token_stops_working(org):
    token = Token.objects.create(user=org["dev"].user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/cycles/").status_code in (200, 403)
    person_deactivate(person=org["dev"])
    assert client.get("/api/v1/cycles/").status_code == 401


def test_reactivation_gives_the_login_back(org, client):
    person_deactivate(person=org["dev"])
    assert not sign_in(client, "dev@example.com")
    person_reactivate(person=org["dev"])
    assert sign_in(client, "dev@example.com")


# --- invitations -----------------------------------------------------------------------


def test_pending_invitations_are_withdrawn_and_their_link_says_so(org, dev_request, launched):
    person_deactivate(person=org["peer"])
    rater = dev_request.raters.get(relationship="peer")
    assert rater.status == Rater.Status.WITHDRAWN
    page = APIClient().get(f"/s/{launched['peer']}/")
    assert page.status_code == 410
    assert "This invitation was withdrawn" in page.content.decode()
    api = APIClient().get(f"/api/v1/survey/{launched['peer']}/")
    assert api.status_code == 410
    assert "withdrawn" in api.json()["detail"]
    assert APIClient().post(f"/api/v1/survey/{launched['peer']}/submit/").status_code == 410


def test_a_withdrawn_rater_gets_no_reminder_no_resend_and_counts_nowhere_as_invited(
    org, dev_request, launched
):
    person_deactivate(person=org["peer"])
    rater = dev_request.raters.get(relationship="peer")
    with pytest.raises(services.DomainError):
        services.rater_resend(rater=rater)
    assert services.rater_remind(rater=rater, now=rater.token_issued_at) is False
    progress = selectors.request_progress(request=dev_request, with_raters=False)["relationships"]
    assert (
        progress["peer"]["invited"],
        progress["peer"]["withdrawn"],
        progress["peer"]["total"],
    ) == (
        0,
        1,
        1,
    )


def test_submitted_answers_stay_and_only_unanswered_invitations_are_withdrawn(
    org, dev_request, launched
):
    submit(launched["boss"], dev_request.cycle)  # lead answered
    person_deactivate(person=org["lead"])
    boss = dev_request.raters.get(relationship="boss")
    assert boss.status == Rater.Status.SUBMITTED
    assert boss.ratings.count() == len(answer_all(dev_request.cycle))


def test_reactivation_resurrects_no_invitation(org, dev_request, launched):
    person_deactivate(person=org["peer"])
    person_reactivate(person=org["peer"])
    assert dev_request.raters.get(relationship="peer").status == Rater.Status.WITHDRAWN
    assert APIClient().get(f"/api/v1/survey/{launched['peer']}/").status_code == 410


def test_a_closed_cycles_raters_and_a_reports_figures_are_identical_after_deactivation(
    org, dev_request, launched
):
    cycle = dev_request.cycle
    submit(launched["self"], cycle)
    submit(launched["boss"], cycle)
    services.cycle_close(cycle=cycle)
    hr = APIClient()
    hr.force_authenticate(org["hr"].user)
    results_before = hr.get(f"/api/v1/requests/{dev_request.id}/results/").json()
    team_before = hr.get(f"/api/v1/cycles/{cycle.id}/team-report/").json()
    statuses_before = dict(dev_request.raters.values_list("email", "status"))
    assert "items" in results_before and team_before["count"] == 1

    for who in ("lead", "peer", "dev"):  # the boss who answered, a rater who did not, the subject
        person_deactivate(person=org[who])

    assert hr.get(f"/api/v1/requests/{dev_request.id}/results/").json() == results_before
    assert hr.get(f"/api/v1/cycles/{cycle.id}/team-report/").json() == team_before
    # The peer never answered, but the cycle is closed: their invitation is history.
    assert dict(dev_request.raters.values_list("email", "status")) == statuses_before


def test_deactivating_twice_changes_nothing_more(org, dev_request, launched):
    first = person_deactivate(person=org["peer"])
    again = person_deactivate(person=org["peer"])
    assert first.deactivated_at == again.deactivated_at
    assert not mail.outbox or all("withdrawn" not in m.subject for m in mail.outbox)


@pytest.mark.django_db(transaction=True)
def test_deactivation_effects_on_postgresql(postgres, questionnaire, org, dev_request, launched):
    """The row locks and the bulk withdrawal on the production database."""
    submit(launched["self"], dev_request.cycle)
    person_deactivate(person=org["peer"])
    person_deactivate(person=org["dev"])  # the subject, who already answered their self survey
    statuses = dict(dev_request.raters.values_list("relationship", "status"))
    assert statuses == {"self": "submitted", "boss": "invited", "peer": "withdrawn"}
    assert APIClient().get(f"/s/{launched['peer']}/").status_code == 410
    org["dev"].user.refresh_from_db()
    assert org["dev"].user.is_active is False


def test_a_withdrawn_invitation_counts_as_not_invited_in_response_rates(
    org, dev_request, launched, django_capture_on_commit_callbacks
):
    cycle = dev_request.cycle
    submit(launched["self"], cycle)
    person_deactivate(person=org["peer"])  # withdrawn while the cycle is open
    services.cycle_close(cycle=cycle)
    hr = APIClient()
    hr.force_authenticate(org["hr"].user)
    closed = hr.get(f"/api/v1/cycles/{cycle.id}/team-report/").json()["response_rates"]
    with django_capture_on_commit_callbacks(execute=True):
        services.cycle_release(cycle=cycle)  # counts frozen on release, by a task
    assert ResponseCount.objects.filter(request=dev_request).exists()
    released = hr.get(f"/api/v1/cycles/{cycle.id}/team-report/").json()["response_rates"]
    for rates in (closed, released):
        assert rates["relationships"]["peer"]["invited"] == 0
        assert rates["relationships"]["boss"]["invited"] == 1
        assert rates["relationships"]["self"]["submitted"] == 1

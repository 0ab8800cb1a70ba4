"""The request pages (issue 14): a manager requests feedback, reviews the raters the org
chart proposed and why, adds and removes raters, launches, and follows the answers.

The org (tests/conftest.py): Cleo (CEO) > Victor (VP) > Lena (lead) > Dev, and Pat, who
also reports to Lena; Hana is HR; Otto is in the directory outside every line.
"""

import html as html_lib
import re

import pytest
from django.core import mail

from feedback import services
from feedback.models import Cycle, FeedbackRequest, Rater
from tests.feedback.conftest import in_days

pytestmark = pytest.mark.django_db


def as_user(client, person):
    client.force_login(person.user)
    return client


def text(response) -> str:
    """The page as a person reads it: tags removed, spaces collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    words = html_lib.unescape(re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"\s+", " ", words).replace(" .", ".").strip()


def test_a_manager_chooses_a_report_and_an_open_cycle_and_gets_the_proposed_raters(
    client, org, open_cycle
):
    services.cycle_create(name="Next year draft", closes_at=in_days(300))  # a draft: not offered
    page = as_user(client, org["lead"]).get("/requests/new/")
    assert page.status_code == 200
    shown = text(page)
    assert "Spring 2026" in shown and "Next year draft" not in shown
    assert "Yourself (Lena Lead)" in shown and "Dev Eloper" in shown and "Pat Peer" in shown
    # Only their line and themself: not their own manager, not HR, not Otto.
    for name in ("Victor Vice", "Hana HR", "Otto Outside", "Cleo Executive"):
        assert name not in shown

    response = client.post(
        "/requests/new/", {"subject": org["dev"].pk, "cycle": open_cycle.pk}, follow=True
    )
    request = FeedbackRequest.objects.get(subject=org["dev"])
    assert response.redirect_chain[-1][0] == f"/requests/{request.pk}/"
    assert request.requested_by == org["lead"].user and request.launched_at is None
    assert sorted(request.raters.values_list("relationship", "email")) == [
        ("boss", "lead@example.com"),
        ("peer", "peer@example.com"),
        ("self", "dev@example.com"),
    ]
    shown = text(response)
    # Grouped by relationship, each with the reason it was proposed.
    assert "Self (1) Dev Eloper dev@example.com Not invited yet Dev's own view" in shown
    assert "Boss (1) Lena Lead lead@example.com Not invited yet Dev's manager" in shown
    assert "Peers (1) Pat Peer peer@example.com Not invited yet Reports to Lena, like Dev" in shown
    assert not mail.outbox  # nobody is emailed before launch


def test_the_reason_for_a_direct_report_names_the_subject(client, org, open_cycle):
    request = services.request_create(
        cycle=open_cycle, subject=org["lead"], requested_by=org["vp"].user
    ).request
    shown = text(as_user(client, org["vp"]).get(f"/requests/{request.pk}/"))
    assert "Dev Eloper dev@example.com Not invited yet Reports to Lena" in shown
    assert "Victor Vice vp@example.com Not invited yet Lena's manager" in shown


@pytest.mark.parametrize("who", ["vp", "hr", "outsider"])
def test_someone_outside_the_line_is_refused_and_nothing_is_written(client, org, open_cycle, who):
    response = as_user(client, org["lead"]).post(
        "/requests/new/", {"subject": org[who].pk, "cycle": open_cycle.pk}
    )
    assert response.status_code == 400
    assert "Choose the person the feedback is about." in text(response)
    assert not FeedbackRequest.objects.exists()


def test_a_second_request_for_the_same_person_and_cycle_re_shows_the_page(client, org, dev_request):
    response = as_user(client, org["lead"]).post(
        "/requests/new/", {"subject": org["dev"].pk, "cycle": dev_request.cycle_id}
    )
    assert response.status_code == 409
    assert "There is already a feedback request for Dev Eloper in this cycle." in text(response)
    assert FeedbackRequest.objects.count() == 1


def test_a_closed_cycle_is_not_offered_and_cannot_be_posted(client, org, open_cycle):
    Cycle.objects.filter(pk=open_cycle.pk).update(status=Cycle.Status.CLOSED)
    page = as_user(client, org["lead"]).get("/requests/new/")
    assert "No cycle is open for requests right now." in text(page)
    response = client.post("/requests/new/", {"subject": org["dev"].pk, "cycle": open_cycle.pk})
    assert response.status_code == 400 and not FeedbackRequest.objects.exists()


def test_someone_without_a_line_has_no_request_page(client, org, open_cycle):
    assert as_user(client, org["dev"]).get("/requests/new/").status_code == 404
    assert client.post("/requests/new/", {"subject": org["dev"].pk}).status_code == 404


def test_the_request_page_is_the_requesters_and_hrs_only(client, org, dev_request):
    url = f"/requests/{dev_request.pk}/"
    assert as_user(client, org["lead"]).get(url).status_code == 200
    assert as_user(client, org["hr"]).get(url).status_code == 200
    # Victor is above Dev but did not make the request; Dev is its subject.
    for who in ("vp", "dev", "outsider"):
        assert as_user(client, org[who]).get(url).status_code == 404
        response = client.post(f"{url}raters/add/", {"email": "x@mail.example"})
        assert response.status_code == 404
    assert dev_request.raters.count() == 3


def test_an_outsider_added_by_email_waits_for_approval_and_launch_says_so(
    client, org, dev_request, django_capture_on_commit_callbacks
):
    as_user(client, org["lead"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/requests/{dev_request.pk}/raters/add/",
            {"email": " Olga@Mail.Example ", "name": "Olga Out"},
            follow=True,
        )
    outsider = dev_request.raters.get(email="olga@mail.example")
    assert outsider.relationship == "other" and outsider.approval == "waiting"
    assert outsider.nominated_by == org["lead"].user
    shown = text(response)
    assert "olga@mail.example added as other rater." in shown
    assert "HR or Dev must approve them" in shown
    assert (
        "Outside the team (1) Olga Out olga@mail.example Waiting for approval Added by you" in shown
    )
    # The approvers (HR and Dev) were emailed; nobody else yet.
    assert sorted(m.to[0] for m in mail.outbox) == ["dev@example.com", "hr@example.com"]

    confirm = text(client.get(f"/requests/{dev_request.pk}/launch/"))
    assert "3 invitations go out now" in confirm
    assert "1 rater from outside the directory waits for approval by HR or Dev" in confirm
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/requests/{dev_request.pk}/launch/", follow=True)
    assert (
        "Launched: 3 invitations are on the way. 1 rater waits for approval by HR or Dev: "
        "each invitation goes out once approved." in text(response)
    )
    assert sorted(m.to[0] for m in mail.outbox) == [
        "dev@example.com",
        "lead@example.com",
        "peer@example.com",
    ]
    outsider.refresh_from_db()
    assert outsider.status == "pending" and outsider.token_hash is None


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-email", "'not-an-email' is not a valid email address."),
        ("peer@example.com", "peer@example.com is already a rater on this request."),
    ],
)
def test_bad_input_re_shows_the_page_with_the_message_and_writes_nothing(
    client, org, dev_request, email, message
):
    response = as_user(client, org["lead"]).post(
        f"/requests/{dev_request.pk}/raters/add/", {"email": email, "name": "Typed Name"}
    )
    assert response.status_code in (400, 409)
    shown = text(response)
    assert f"Not added: {message}" in shown
    html = response.content.decode()
    assert 'value="Typed Name"' in html and f'value="{email}"' in html
    assert dev_request.raters.count() == 3 and not mail.outbox


def test_the_directory_search_finds_colleagues_who_are_not_raters_yet(client, org, dev_request):
    as_user(client, org["lead"])
    shown = text(client.get(f"/requests/{dev_request.pk}/?q=o"))
    assert "Type at least two letters." in shown
    shown = text(client.get(f"/requests/{dev_request.pk}/?q=OTT"))
    assert "Otto Outside" in shown
    # Pat is already a rater and Dev is the subject: neither is offered.
    assert "Nobody else in the directory matches “pat”." in text(
        client.get(f"/requests/{dev_request.pk}/?q=pat")
    )
    assert (
        'aria-label="Add Dev Eloper"'
        not in client.get(f"/requests/{dev_request.pk}/?q=dev").content.decode()
    )

    response = client.post(
        f"/requests/{dev_request.pk}/raters/add/",
        {"person": org["outsider"].pk, "relationship": "other", "q": "OTT"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?q=OTT#add")
    otto = dev_request.raters.get(email="outsider@example.com")
    # A directory person needs no approval.
    assert otto.relationship == "other" and otto.approval == "not_needed"
    assert otto.person == org["outsider"]


def test_the_directory_suggests_what_the_org_chart_says(client, org, open_cycle):
    request = services.request_create(
        cycle=open_cycle, subject=org["lead"], requested_by=org["vp"].user
    ).request
    request.raters.filter(email__in=["dev@example.com", "vp@example.com"]).delete()
    html = as_user(client, org["vp"]).get(f"/requests/{request.pk}/?q=example").content.decode()
    assert re.search(
        rf'id="rel-{org["dev"].pk}">.*?<option value="direct_report" selected>', html, re.S
    )
    assert re.search(rf'id="rel-{org["vp"].pk}">.*?<option value="boss" selected>', html, re.S)
    assert re.search(rf'id="rel-{org["hr"].pk}">.*?<option value="other" selected>', html, re.S)


def test_removing_a_rater_takes_them_off_and_a_submitted_one_stays(client, org, dev_request):
    as_user(client, org["lead"])
    pat = dev_request.raters.get(email="peer@example.com")
    response = client.post(f"/requests/{dev_request.pk}/raters/{pat.pk}/remove/", follow=True)
    assert "Pat Peer removed: they will not be asked." in text(response)
    assert not dev_request.raters.filter(pk=pat.pk).exists()

    boss = dev_request.raters.get(relationship="boss")
    Rater.objects.filter(pk=boss.pk).update(status=Rater.Status.SUBMITTED)
    response = client.post(f"/requests/{dev_request.pk}/raters/{boss.pk}/remove/", follow=True)
    assert "has already submitted their answers: they cannot be removed." in text(response)
    assert dev_request.raters.filter(pk=boss.pk).exists()


def test_the_cap_on_requests_per_rater_and_small_groups_are_warned_about(client, org, open_cycle):
    Cycle.objects.filter(pk=open_cycle.pk).update(max_requests_per_rater=1)
    services.request_create(cycle=open_cycle, subject=org["peer"], requested_by=org["hr"].user)
    # HR's request about Pat has Lena as boss: Lena is at the cap of one request, so she
    # is left out of Dev's request, and Pat (whose own rating is a self-assessment) is not.
    response = as_user(client, org["lead"]).post(
        "/requests/new/", {"subject": org["dev"].pk, "cycle": open_cycle.pk}, follow=True
    )
    shown = text(response)
    assert (
        "Lena Lead was not proposed as boss: lead@example.com already rates 1 request in "
        "this cycle, the most one person is asked (1)." in shown
    )
    assert "Only 1 peer: fewer than 3, so their ratings will not be shown on their own" in shown
    request = FeedbackRequest.objects.get(subject=org["dev"])
    response = client.post(
        f"/requests/{request.pk}/raters/add/",
        {"person": org["lead"].pk, "relationship": "boss"},
    )
    assert response.status_code == 409
    assert "Not added: lead@example.com already rates 1 request in this cycle" in text(response)


def test_a_manager_may_ask_about_themself_until_launch_and_hr_chases_it_after(
    client, org, open_cycle, django_capture_on_commit_callbacks
):
    as_user(client, org["lead"])
    shown = text(client.get("/reports/"))
    assert "Request feedback about yourself" in shown
    response = client.post(
        "/requests/new/", {"subject": org["lead"].pk, "cycle": open_cycle.pk}, follow=True
    )
    request = FeedbackRequest.objects.get(subject=org["lead"])
    assert request.requested_by == org["lead"].user
    assert "Feedback about Lena Lead" in text(response)
    assert "Request feedback about yourself" not in text(client.get("/reports/"))
    # An outsider Lena nominates waits for HR: the subject who made the request never
    # approves their own nominations.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/requests/{request.pk}/raters/add/", {"email": "pal@mail.example"})
    assert [m.to for m in mail.outbox] == [["hr@example.com"]]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/requests/{request.pk}/launch/")
    # From launch on, rater by rater states would tell Lena who answered: not hers to see.
    assert client.get(f"/requests/{request.pk}/").status_code == 404
    assert client.get(f"/api/v1/requests/{request.pk}/raters/").status_code == 404
    shown = text(client.get("/reports/manager/"))
    assert "This is feedback about you: HR chases it" in shown


def test_someone_without_a_line_cannot_ask_about_themself(client, org, open_cycle, api_as):
    assert "Request feedback about yourself" not in text(
        as_user(client, org["dev"]).get("/reports/")
    )
    response = api_as(org["dev"]).post(
        f"/api/v1/cycles/{open_cycle.pk}/requests/", {"subject": org["dev"].pk}, format="json"
    )
    assert response.status_code == 404
    response = api_as(org["lead"]).post(
        f"/api/v1/cycles/{open_cycle.pk}/requests/", {"subject": org["lead"].pk}, format="json"
    )
    assert response.status_code == 201


def test_the_subject_sees_who_nominated_a_rater_waiting_for_their_approval(
    client, org, dev_request
):
    services.rater_add(
        request=dev_request, email="ann@mail.example", relationship="other", actor=org["lead"].user
    )
    shown = text(as_user(client, org["dev"]).get("/reports/"))
    assert (
        "ann@mail.example awaiting approval Proposed by Lena Lead, from outside the directory."
        in shown
    )

"""My team, per request (issue 14): progress by group (done / waiting / declined / failed),
Remind, and when there is no Remind button, the reason in words.

Bo manages Sam; Grace manages Bo; Hana is HR. Raters are built as after a launch
(tests/reports/builders.py), their invitations delivered two days ago.
"""

import datetime
import re

import pytest
from django.utils import timezone

from feedback.models import Cycle, FeedbackRequest, Rater
from tests.factories import TeamFactory, person_with_login
from tests.reports.builders import invited, new_request, open_cycle, respond

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(db):
    team = TeamFactory(name="Product")
    grace = person_with_login(email="grace@example.com", name="Grace", team=team)
    bo = person_with_login(email="bo@example.com", name="Bo", manager=grace, team=team)
    sam = person_with_login(email="sam@example.com", name="Sam", manager=bo, team=team)
    hr = person_with_login(email="hr@example.com", name="Hana", hr=True, team=None)
    return {"grace": grace, "bo": bo, "sam": sam, "hr": hr}


def request_about_sam(org, *, by) -> FeedbackRequest:
    request = new_request(open_cycle(k=3), subject=org["sam"])
    request.requested_by = org[by].user
    request.launched_at = timezone.now() - datetime.timedelta(days=2)
    request.save()
    return request


def card(client, person, request) -> str:
    """The words of the request's card on My team."""
    client.force_login(person.user)
    html = client.get("/reports/manager/").content.decode()
    start = html.index('<article class="card request">')
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start : html.index("</article>")]))
    return words.replace("&#x27;", "'").strip()


def test_progress_counts_done_waiting_declined_and_failed_per_group(client, org):
    request = request_about_sam(org, by="bo")
    respond(request, "peer", {}, status=Rater.Status.SUBMITTED)
    respond(request, "peer", {}, status=Rater.Status.DECLINED)
    invited(request, "peer")
    failed, _ = invited(request, "peer")
    Rater.objects.filter(pk=failed.pk).update(
        delivery_failed_at=timezone.now(), delivery_error="The mail server refused it (550)."
    )
    # A nomination the approver refused was never asked: it counts nowhere.
    Rater.objects.create(
        request=request, relationship="peer", email="no@mail.example", approval="rejected"
    )
    words = card(client, org["bo"], request)
    assert "Group Done Waiting Declined Failed Peer 1 of 4 1 1 1" in words
    assert "Emails that never arrived" in words and "Retry" in words


def test_a_request_hr_made_has_no_remind_button_and_says_why(client, org):
    request = request_about_sam(org, by="hr")
    invited(request, "peer")
    words = card(client, org["bo"], request)
    assert "HR made this request." in words and "Remind" not in words
    # Bo cannot open it either: the request page is the requester's and HR's.
    assert client.get(f"/requests/{request.pk}/").status_code == 404


def test_a_closed_cycle_says_so_instead_of_remind(client, org):
    request = request_about_sam(org, by="bo")
    invited(request, "peer")
    Cycle.objects.filter(pk=request.cycle_id).update(status=Cycle.Status.CLOSED)
    words = card(client, org["bo"], request)
    assert "The cycle is closed." in words and "Remind" not in words


def test_when_everyone_has_answered_the_page_says_so(client, org):
    request = request_about_sam(org, by="bo")
    respond(request, "peer", {})
    respond(request, "self", {}, status=Rater.Status.DECLINED)
    words = card(client, org["bo"], request)
    assert "Everyone has answered." in words and "Remind" not in words


def test_when_only_the_presser_waits_the_page_says_so(client, org):
    request = request_about_sam(org, by="bo")
    rater, _ = invited(request, "boss")
    Rater.objects.filter(pk=rater.pk).update(email="bo@example.com", person=org["bo"])
    words = card(client, org["bo"], request)
    assert "Only your own survey is waiting." in words and "Remind 1" not in words


def test_a_request_not_launched_links_to_its_page(client, org):
    request = request_about_sam(org, by="bo")
    FeedbackRequest.objects.filter(pk=request.pk).update(launched_at=None)
    Rater.objects.create(request=request, relationship="self", email="sam@example.com")
    words = card(client, org["bo"], request)
    assert "Review the raters and launch" in words and "Not launched yet." in words
    html = client.get("/reports/manager/").content.decode()
    assert f'href="/requests/{request.pk}/"' in html
    assert 'href="/requests/new/">Request feedback</a>' in html


def test_the_request_page_counts_by_group_and_says_when_the_next_reminder_is_possible(
    client, org, django_capture_on_commit_callbacks
):
    request = request_about_sam(org, by="bo")
    respond(request, "peer", {})
    invited(request, "peer")
    client.force_login(org["bo"].user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/reports/requests/{request.pk}/remind/",
            {"next": f"/requests/{request.pk}/"},
            follow=True,
        )
    assert response.redirect_chain[-1][0] == f"/requests/{request.pk}/"
    html = response.content.decode()
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Reminder sent to 1 rater about Sam" in words
    assert "Peers 1 of 2 1 0 0" in words
    reminded = Rater.objects.filter(request=request, status="invited").get()
    next_at = timezone.localtime(reminded.last_reminded_at + datetime.timedelta(days=1))
    assert f"Reminded today. Next reminder possible on {next_at:%a} {next_at.day} " in words

""" "Surveys to answer": a signed-in person finds every survey they were asked to answer,
across cycles, and opens one with a fresh link instead of hunting for the email."""

import re

import pytest
from django.core import mail
from django.test import Client

from core.models import AuditEvent
from feedback import selectors, services
from feedback.models import Rater, SupersededToken
from tests.feedback.conftest import in_days, tokens_from_outbox

pytestmark = pytest.mark.django_db


def rows(html: str) -> dict[str, str]:
    """Survey title -> its state badge, as the list shows them."""
    found = re.findall(
        r"<strong>(Your own view|Feedback for [^<]+)</strong>\s*<span class=\"badge state-\w+\">([^<]+)</span>",
        html,
    )
    return dict(found)


@pytest.fixture
def two_cycles(org, launched, django_capture_on_commit_callbacks):
    """Cycle 1 (open): about Dev; Lena (boss) keeps a draft, Dev's self is untouched.
    Cycle 2 (closed): about Pat; Lena (boss) submitted, Dev (peer) never answered."""
    first = Rater.objects.get(relationship="boss", request__subject=org["dev"])
    item = selectors.survey_items(rater=first).first()
    services.survey_save_draft(token=launched["boss"], ratings={str(item.id): 4})

    cycle2 = services.cycle_open(
        cycle=services.cycle_create(name="Winter 2025", closes_at=in_days(20))
    )
    request2 = services.request_create(
        cycle=cycle2, subject=org["peer"], requested_by=org["lead"].user
    ).request
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_launch(request=request2)
    tokens = tokens_from_outbox()
    boss2 = Rater.objects.get(request=request2, relationship="boss")
    ratings = {str(i.id): 3 for i in selectors.survey_items(rater=boss2)}
    services.survey_save_draft(token=tokens[boss2.pk], ratings=ratings)
    services.survey_submit(token=tokens[boss2.pk])
    services.cycle_close(cycle=cycle2)
    return {"draft": first, "cycle2": cycle2}


def test_a_manager_asked_as_a_boss_finds_every_survey_with_its_state(client, org, two_cycles):
    client.force_login(org["lead"].user)
    home = client.get("/").content.decode()
    assert "Surveys to answer" in home
    # The home page lists what can still be answered, with a button that POSTs.
    assert rows(home) == {"Feedback for Dev Eloper": "Draft saved"}
    assert f'action="/surveys/{two_cycles["draft"].pk}/open/"' in home
    assert "you were asked as their boss" in home

    listing = client.get("/surveys/").content.decode()
    assert rows(listing) == {
        "Feedback for Dev Eloper": "Draft saved",
        "Feedback for Pat Peer": "Submitted",
    }
    # Only the open, unanswered one has a button.
    assert listing.count("/open/") == 1
    # The navigation leads there from every page.
    assert 'href="/surveys/">Surveys to answer</a>' in listing


def test_it_shows_to_do_and_closed_and_nothing_of_anyone_else(client, org, two_cycles):
    client.force_login(org["dev"].user)
    listing = client.get("/surveys/").content.decode()
    assert rows(listing) == {"Your own view": "To do", "Feedback for Pat Peer": "Closed"}
    assert listing.count("/open/") == 1

    client.force_login(org["outsider"].user)
    html = client.get("/").content.decode()
    assert "Nothing to answer right now." in html
    assert rows(client.get("/surveys/").content.decode()) == {}


def test_it_finds_a_survey_asked_by_email_before_the_person_had_a_login(client, org, launched):
    """A rater row added by address (person not linked) is theirs too."""
    request = Rater.objects.get(relationship="boss").request
    Rater.objects.create(
        request=request, relationship="other", email="outsider@example.com", status="invited"
    )
    client.force_login(org["outsider"].user)
    assert rows(client.get("/surveys/").content.decode()) == {"Feedback for Dev Eloper": "To do"}


def test_it_opens_a_survey_with_a_fresh_link_keeping_the_draft(client, org, two_cycles, launched):
    rater = two_cycles["draft"]
    old = launched["boss"]
    client.force_login(org["lead"].user)
    response = client.post(f"/surveys/{rater.pk}/open/")
    assert response.status_code == 302
    new = re.fullmatch(r"/s/([A-Za-z0-9_-]{43})/", response["Location"]).group(1)
    assert new != old
    page = client.get(response["Location"])
    assert page.status_code == 200
    item = selectors.survey_items(rater=rater).first()
    assert re.search(rf'name="rating_{item.id}" value="4" checked', page.content.decode())
    # The emailed link stops working, as with a reminder, and says a newer one exists.
    stale = client.get(f"/s/{old}/")
    assert stale.status_code == 410
    assert "A newer link was sent" in stale.content.decode()
    # The new link reached its owner: nothing is left "sending" on the requester's page.
    rater.refresh_from_db()
    assert rater.delivery == "sent"
    (event,) = AuditEvent.objects.filter(action="survey.link_issued")
    assert event.actor == org["lead"].user and event.target_id == rater.pk
    assert old not in str(event.detail) and new not in str(event.detail)


def test_it_issues_links_only_by_post_with_csrf(org, two_cycles):
    rater = two_cycles["draft"]
    before = Rater.objects.get(pk=rater.pk).token_hash
    client = Client(enforce_csrf_checks=True)
    client.force_login(org["lead"].user)
    assert client.get(f"/surveys/{rater.pk}/open/").status_code == 405
    assert client.post(f"/surveys/{rater.pk}/open/").status_code == 403
    assert Rater.objects.get(pk=rater.pk).token_hash == before


def test_it_refuses_someone_elses_survey_as_not_found(client, org, two_cycles):
    rater = two_cycles["draft"]  # Lena's
    before = Rater.objects.get(pk=rater.pk).token_hash
    client.force_login(org["dev"].user)
    assert client.post(f"/surveys/{rater.pk}/open/").status_code == 404
    assert client.post("/surveys/999999/open/").status_code == 404
    assert Rater.objects.get(pk=rater.pk).token_hash == before
    client.logout()
    assert client.post(f"/surveys/{rater.pk}/open/").status_code == 302  # to the login page
    assert Rater.objects.get(pk=rater.pk).token_hash == before


def test_it_issues_no_link_for_a_submitted_or_closed_survey(client, org, two_cycles):
    submitted = Rater.objects.get(request__cycle=two_cycles["cycle2"], relationship="boss")
    client.force_login(org["lead"].user)
    response = client.post(f"/surveys/{submitted.pk}/open/", follow=True)
    assert response.redirect_chain == [("/surveys/", 302)]
    assert "nothing left to answer" in response.content.decode()

    unanswered = Rater.objects.get(request__cycle=two_cycles["cycle2"], relationship="peer")
    before = unanswered.token_hash
    client.force_login(org["dev"].user)
    response = client.post(f"/surveys/{unanswered.pk}/open/", follow=True)
    assert "This survey is closed" in response.content.decode()
    assert Rater.objects.get(pk=unanswered.pk).token_hash == before


def test_a_link_replaced_by_a_reminder_says_a_newer_one_was_sent_and_nothing_else(
    client, org, launched, open_cycle
):
    peer = Rater.objects.get(relationship="peer")
    old = launched["peer"]
    Rater.objects.filter(pk=peer.pk).update(invited_at=in_days(-3))
    assert services.rater_remind(rater=peer, now=in_days(0))
    assert SupersededToken.objects.filter(rater=peer).count() == 1
    page = client.get(f"/s/{old}/")
    assert page.status_code == 410
    html = page.content.decode()
    assert "A newer link was sent" in html
    for secret in ("Dev Eloper", open_cycle.name, "peer@example.com", "Pat Peer"):
        assert secret not in html
    # A POST to the old link changes nothing and says the same.
    assert client.post(f"/s/{old}/", {"action": "decline"}).status_code == 410
    assert Rater.objects.get(pk=peer.pk).status == "invited"
    # A link that never existed is still a plain 404.
    assert client.get("/s/" + "x" * 43 + "/").status_code == 404

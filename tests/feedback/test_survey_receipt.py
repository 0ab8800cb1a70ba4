"""Issue 11 finding 4: once a cycle has closed, a survey link is a receipt, not the answers.

The link from the invitation email lives on in mailboxes, browser histories and forwarded
messages. While the cycle is open it is the rater's way back to their draft; once the
cycle is closed or released, whoever opens it learns who it was about and whether and
when it was answered, never what was answered (neither through the API nor the page).
"""

import pytest
from django.utils import timezone

from feedback import services
from feedback.models import Cycle, Framework, Rater

CONTRACT_KEYS = {
    "subject",
    "relationship",
    "cycle",
    "status",
    "scale",
    "items",
    "questions",
    "answers",
}
PEER_COMMENT = "Pat-only remark: misses every stand-up"
SELF_COMMENT = "Draft about myself that was never submitted"


def questionnaire():
    framework = Framework.objects.get(version=1)
    items = list(framework.items.order_by("position").values_list("id", flat=True))
    questions = list(framework.questions.order_by("position").values_list("id", flat=True))
    return items, questions


@pytest.fixture
def answered(launched):
    """The peer submitted (ratings cycling 1..5 and a comment), self keeps a draft, the
    boss declined."""
    items, questions = questionnaire()
    services.survey_save_draft(
        token=launched["peer"],
        ratings={str(item): n % 5 + 1 for n, item in enumerate(items)},
        comments={str(questions[0]): PEER_COMMENT},
    )
    services.survey_submit(token=launched["peer"])
    services.survey_save_draft(
        token=launched["self"],
        ratings={str(items[0]): 2},
        comments={str(questions[0]): SELF_COMMENT},
    )
    services.survey_decline(token=launched["boss"], reason="on leave")
    return launched


def move_cycle_to(status: str, cycle: Cycle) -> None:
    services.cycle_close(cycle=cycle)
    if status == "released":
        services.cycle_release(cycle=cycle)


@pytest.mark.django_db
def test_it_shows_the_rater_their_answers_while_the_cycle_is_open(client, answered):
    # The control: the same links do show answers before the cycle closes.
    peer = client.get(f"/api/v1/survey/{answered['peer']}/").json()
    assert peer["answers_shown"] is True
    assert len(peer["answers"]["ratings"]) == 30
    assert PEER_COMMENT in peer["answers"]["comments"].values()
    own = client.get(f"/api/v1/survey/{answered['self']}/").json()
    assert SELF_COMMENT in own["answers"]["comments"].values()


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["closed", "released"])
def test_it_answers_a_closed_cycles_link_with_a_receipt_and_no_answers(
    client, answered, open_cycle, status
):
    move_cycle_to(status, open_cycle)
    submitted_at = Rater.objects.get(relationship="peer").submitted_at

    response = client.get(f"/api/v1/survey/{answered['peer']}/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) >= CONTRACT_KEYS
    assert body["answers"] == {"ratings": {}, "comments": {}}
    assert body["answers_shown"] is False
    assert (body["status"], body["subject"]["name"]) == ("submitted", "Dev Eloper")
    assert body["cycle"]["status"] == status
    assert body["submitted_at"] == submitted_at.isoformat().replace("+00:00", "Z")
    assert PEER_COMMENT not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["closed", "released"])
def test_it_hides_an_unsubmitted_draft_and_says_when_a_survey_was_declined(
    client, answered, open_cycle, status
):
    move_cycle_to(status, open_cycle)

    own = client.get(f"/api/v1/survey/{answered['self']}/")
    assert own.json()["answers"] == {"ratings": {}, "comments": {}}
    assert SELF_COMMENT not in own.content.decode()

    boss = client.get(f"/api/v1/survey/{answered['boss']}/").json()
    assert boss["status"] == "declined"
    assert boss["declined_at"] is not None and boss["submitted_at"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["closed", "released"])
def test_the_page_of_a_closed_cycles_link_is_a_receipt(client, answered, open_cycle, status):
    move_cycle_to(status, open_cycle)
    peer = Rater.objects.get(relationship="peer")
    when = timezone.localtime(peer.submitted_at).strftime("%-d %B %Y, %H:%M")

    html = client.get(f"/s/{answered['peer']}/").content.decode()
    assert "Feedback for Dev Eloper" in html
    assert f"Your answers were submitted on {when}" in html
    assert PEER_COMMENT not in html
    assert 'type="radio"' not in html and "<textarea" not in html

    own = client.get(f"/s/{answered['self']}/").content.decode()
    assert "This survey is closed" in own and SELF_COMMENT not in own

    boss = client.get(f"/s/{answered['boss']}/").content.decode()
    assert "You declined this survey" in boss and "You declined it on " in boss

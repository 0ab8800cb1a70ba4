"""seed_demo's open cycle: answered through the services, a working link printed each run."""

import hashlib
import re

import pytest
from django.core.management import call_command

from feedback.models import Comment, Cycle, FeedbackRequest, Rater, Rating

pytestmark = pytest.mark.django_db
LINK = re.compile(r"http://\S+(/s/[A-Za-z0-9_-]{43,}/)")


def seed(capsys) -> str:
    call_command("seed_demo")
    return LINK.search(capsys.readouterr().out).group(1)


def snapshot():
    return (
        list(Cycle.objects.values_list("name", "status")),
        sorted(FeedbackRequest.objects.values_list("subject__email", flat=True)),
        sorted(Rater.objects.values_list("email", "relationship", "status")),
        Rating.objects.count(),
        Comment.objects.count(),
    )


def test_it_holds_an_open_cycle_with_requests_and_answered_surveys(capsys):
    seed(capsys)
    cycle = Cycle.objects.get(status="open")
    requests = FeedbackRequest.objects.filter(cycle=cycle)
    assert requests.count() == 3
    assert all(r.launched_at for r in requests)
    statuses = list(Rater.objects.values_list("status", flat=True))
    assert statuses.count("submitted") >= 10
    assert "started" in statuses and "invited" in statuses
    for request in requests:
        self_rater = request.raters.get(relationship="self")
        assert self_rater.status == "submitted"
        assert self_rater.ratings.count() == 30
    assert Rating.objects.filter(value__isnull=True).exists()  # some "can't say"
    assert set(Rating.objects.exclude(value=None).values_list("value", flat=True)) <= {
        1,
        2,
        3,
        4,
        5,
    }


def test_it_prints_a_survey_link_that_opens_the_form(client, capsys):
    path = seed(capsys)
    page = client.get(path)
    assert page.status_code == 200
    assert 'name="action" value="submit"' in page.content.decode()


def test_a_second_run_duplicates_nothing_and_prints_a_fresh_working_link(client, capsys):
    first_link = seed(capsys)
    first = snapshot()
    second_link = seed(capsys)
    assert snapshot() == first
    assert second_link != first_link
    assert client.get(second_link).status_code == 200
    # Only the newest token works; the one printed before says a newer link was sent.
    assert client.get(first_link).status_code == 410


def test_links_the_seed_hands_out_count_as_delivered(capsys):
    """A link returned to the caller (the drafts' links, the printed one) reached someone:
    no page may show it as an email still on its way."""
    path = seed(capsys)
    token = path.split("/")[2]
    printed = Rater.objects.get(token_hash=hashlib.sha256(token.encode()).hexdigest())
    started = list(Rater.objects.filter(status="started"))
    assert started
    assert [r.delivery for r in [printed, *started]] == ["sent"] * (1 + len(started))

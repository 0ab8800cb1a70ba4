"""Team and organisation figures (``subject_score_means``, the one team mean of the team
report, its pages and its files): subjects weigh the same; percentiles against the
organisation."""

import pytest

from accounts.models import Team
from reports.selectors import subject_percentiles, subject_score_means
from reports.services import cycle_recompute
from tests.factories import PersonFactory
from tests.reports.builders import items_of, new_request, open_cycle, respond

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle():
    return open_cycle(k=3)


def subject_rated(cycle, team: str, vision_leadership: list[int], boss_count: int = 1):
    """A subject whose boss rated every vision/leadership item with the given values."""
    items = [i for i in items_of(cycle) if (i.behaviour, i.pole) == ("vision", "leadership")]
    person = PersonFactory(team=Team.objects.get_or_create(name=team)[0])
    request = new_request(cycle, subject=person)
    for _ in range(boss_count):
        respond(request, "boss", dict(zip([i.id for i in items], vision_leadership, strict=True)))
    return request


def means(cycle, team: str | None = None) -> dict:
    requests = cycle.requests.all()
    if team is not None:
        requests = requests.filter(subject__team__name=team)
    return {
        key: (figure["mean"], figure["subjects"])
        for key, figure in subject_score_means(requests=requests).items()
    }


def test_it_weighs_each_subject_the_same_in_a_team_mean(cycle):
    # Ann's others score: (5+5+5)/3 = 5 from 1 boss; Bob's: (1+2+3)/3 = 2 from 1 boss.
    subject_rated(cycle, "Product", [5, 5, 5])
    subject_rated(cycle, "Product", [1, 2, 3])
    # Cai, another team, is in the organisation figure only.
    subject_rated(cycle, "Sales", [4, 4, 4])
    cycle_recompute(cycle_id=cycle.id)

    assert means(cycle, team="Product") == {("vision", "leadership"): (3.5, 2)}
    # (5 + 2 + 4) / 3 = 3.666..., rounded once: 3.67.
    assert means(cycle) == {("vision", "leadership"): (3.67, 3)}


def test_it_ranks_each_subject_against_the_organisation(cycle):
    low = subject_rated(cycle, "Product", [1, 1, 1])
    mid = subject_rated(cycle, "Product", [3, 3, 3])
    tie = subject_rated(cycle, "Sales", [3, 3, 3])
    high = subject_rated(cycle, "Sales", [5, 5, 5])
    cycle_recompute(cycle_id=cycle.id)
    percentiles = subject_percentiles(cycle_id=cycle.id)
    key = ("vision", "leadership")
    # share of subjects at or below: 1/4, 3/4 (two tied), 3/4, 4/4
    assert percentiles[(low.id, *key)] == 25.0
    assert percentiles[(mid.id, *key)] == 75.0
    assert percentiles[(tie.id, *key)] == 75.0
    assert percentiles[(high.id, *key)] == 100.0
    assert (low.id, "vision", "management") not in percentiles


def test_a_page_of_subjects_is_ranked_against_the_whole_cycle_not_the_page(cycle):
    """The heatmap asks for one page; the database ranks over every subject of the cycle
    and returns that page's rows. Ranking the page alone would give 33.3, 66.7 and 100;
    PERCENT_RANK instead of CUME_DIST 0, 50 and 100; ranking mid below its tie 60: only
    cycle-wide CUME_DIST gives 20, 80 and 100."""
    low = subject_rated(cycle, "Product", [1, 1, 1])
    mid = subject_rated(cycle, "Product", [3, 3, 3])
    subject_rated(cycle, "Sales", [2, 2, 2])
    subject_rated(cycle, "Sales", [3, 3, 3])
    high = subject_rated(cycle, "Sales", [5, 5, 5])
    # Another cycle's subjects are not the organisation of this one.
    other = open_cycle(k=3)
    subject_rated(other, "Sales", [1, 1, 1])
    cycle_recompute(cycle_id=cycle.id)
    cycle_recompute(cycle_id=other.id)
    page = subject_percentiles(cycle_id=cycle.id, request_ids=[low.id, mid.id, high.id])
    key = ("vision", "leadership")
    assert page == {(low.id, *key): 20.0, (mid.id, *key): 80.0, (high.id, *key): 100.0}
    assert subject_percentiles(cycle_id=cycle.id, request_ids=[]) == {}


def test_it_leaves_out_subjects_without_an_others_score(cycle):
    subject_rated(cycle, "Product", [4, 4, 4])
    silent = new_request(cycle, subject=PersonFactory(team=Team.objects.get(name="Product")))
    respond(silent, "peer", {items_of(cycle)[0].id: 5})  # one peer: below k, nothing shown
    cycle_recompute(cycle_id=cycle.id)
    assert means(cycle, team="Product") == {("vision", "leadership"): (4.0, 1)}

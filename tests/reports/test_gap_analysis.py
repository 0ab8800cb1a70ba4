"""The figures of contract section 4 against hand-worked expectations.

k = 3 and t = 1.0 unless a test says otherwise. Numbers in comments are worked by hand.
"""

import pytest

from reports.models import GapAnalysis
from reports.services import gap_analyses_recompute, gap_analysis_documents
from tests.reports.builders import items_of, new_request, open_cycle, questions_of, respond

pytestmark = pytest.mark.django_db


def compute(request):
    gap_analyses_recompute(request_ids=[request.id])
    return gap_analysis_documents(request_ids=[request.id])[request.id]


def item_doc(data, item):
    return next(i for i in data["items"] if i["id"] == item.id)


@pytest.fixture
def cycle():
    return open_cycle(k=3, threshold="1.0")


@pytest.fixture
def a(cycle):
    return items_of(cycle)[0]  # vision / leadership


def test_it_pools_small_anonymous_groups_into_others_when_the_pool_reaches_k(cycle, a):
    request = new_request(cycle)
    respond(request, "self", {a.id: 5})
    respond(request, "boss", {a.id: 3})
    for value in (4, 4, 2):
        respond(request, "peer", {a.id: value})
    for value in (5, 3):
        respond(request, "direct_report", {a.id: value})
    respond(request, "other", {a.id: 1})

    data = compute(request)
    scores = item_doc(data, a)["scores"]
    assert scores["self"] == {"mean": 5.0, "n": 1, "sd": None}
    assert scores["boss"] == {"mean": 3.0, "n": 1, "sd": None}
    # peers 4, 4, 2: mean 10/3, sd sqrt(4/3) = 1.1547
    assert scores["peer"] == {"mean": 3.33, "n": 3, "sd": 1.15}
    assert scores["direct_report"] is None and scores["other"] is None
    # others: boss 3 + peers 4, 4, 2 + pool 5, 3, 1 = 22/7; sd sqrt(76/42) = 1.3452
    assert scores["others"] == {"mean": 3.14, "n": 7, "sd": 1.35}
    # gap 5 - 22/7 = 13/7 = 1.857: a blind spot
    assert item_doc(data, a)["self_others_gap"] == 1.86
    assert data["blind_spots"] == [a.id]
    assert data["hidden_strengths"] == []
    assert data["groups"] == {
        "self": {"n": 1, "shown": True},
        "boss": {"n": 1, "shown": True},
        "peer": {"n": 3, "shown": True},
        "direct_report": {"n": 2, "shown": False},
        "other": {"n": 1, "shown": False},
        # counted: the boss, the 3 peers and the 3 pooled raters (pool of 3 = k)
        "others": {"n": 7, "shown": True, "counted": 7},
    }


def test_it_leaves_a_pool_below_k_out_of_others(cycle, a):
    request = new_request(cycle)
    respond(request, "boss", {a.id: 3})
    for value in (4, 4, 2):
        respond(request, "peer", {a.id: value})
    for value in (5, 1):
        respond(request, "direct_report", {a.id: value})  # pool of 2 < 3: left out
    scores = item_doc(compute(request), a)["scores"]
    # others: 3 + 4 + 4 + 2 = 13/4
    assert scores["others"]["mean"] == 3.25 and scores["others"]["n"] == 4


def test_it_lets_cant_say_push_one_item_of_a_shown_group_below_k(cycle):
    a, b = items_of(cycle)[:2]
    request = new_request(cycle)
    respond(request, "peer", {a.id: 4, b.id: 2})
    respond(request, "peer", {a.id: 4, b.id: 4})
    respond(request, "peer", {a.id: 1, b.id: None})  # can't say on b
    data = compute(request)
    assert data["groups"]["peer"] == {"n": 3, "shown": True}
    assert item_doc(data, a)["scores"]["peer"] == {"mean": 3.0, "n": 3, "sd": 1.73}
    # b: two peer ratings only, and a pool of 2 is below k: nothing about b is published.
    assert item_doc(data, b)["scores"]["peer"] is None
    assert item_doc(data, b)["scores"]["others"] is None


def test_it_weighs_every_item_the_same_in_a_pole_score(cycle):
    a, b = items_of(cycle)[:2]  # both vision / leadership
    request = new_request(cycle)
    respond(request, "boss", {a.id: 4, b.id: 2})
    for _ in range(3):
        respond(request, "peer", {a.id: 4, b.id: None})
    data = compute(request)
    vision = data["behaviours"][0]
    assert vision["behaviour"] == "vision"
    # others: item a = 4 (n=4), item b = 2 (n=1); pole = (4 + 2) / 2 = 3, not 18/5 = 3.6
    assert vision["leadership"]["others"] == 3.0
    assert vision["leadership"]["peer"] == 4.0  # peers rated only a
    assert vision["leadership"]["boss"] == 3.0
    assert vision["management"]["others"] is None
    assert vision["balance"]["others"] is None


def test_it_computes_balance_and_self_others_gap_per_behaviour(cycle):
    items = items_of(cycle)
    lead = [i for i in items if i.behaviour == "coach" or i.behaviour == "development"]
    leadership = [i for i in lead if i.pole == "leadership"]
    management = [i for i in lead if i.pole == "management"]
    request = new_request(cycle)
    respond(request, "self", {**{i.id: 2 for i in leadership}, **{i.id: 5 for i in management}})
    respond(request, "boss", {**{i.id: 4 for i in leadership}, **{i.id: 3 for i in management}})
    data = compute(request)
    development = next(b for b in data["behaviours"] if b["behaviour"] == "development")
    assert development["leadership"]["self"] == 2.0 and development["management"]["self"] == 5.0
    assert development["balance"] == {
        "self": -3.0,
        "boss": 1.0,
        "peer": None,
        "direct_report": None,
        "other": None,
        "others": 1.0,
    }
    assert development["self_others_gap"] == {"leadership": -2.0, "management": 2.0}
    # self 2 vs others 4 on every leadership item: hidden strengths; 5 vs 3: blind spots.
    assert data["hidden_strengths"] == [i.id for i in leadership]
    assert data["blind_spots"] == [i.id for i in management]
    assert development["profile"] == "leads more than manages"


def test_it_counts_a_gap_exactly_at_the_threshold(cycle, a):
    request = new_request(cycle)
    respond(request, "self", {a.id: 4})
    respond(request, "boss", {a.id: 3})
    assert compute(request)["blind_spots"] == [a.id]


def test_it_uses_the_cycles_threshold(a):
    cycle = open_cycle(k=3, threshold="1.5")
    a = items_of(cycle)[0]
    request = new_request(cycle)
    respond(request, "self", {a.id: 4})
    respond(request, "boss", {a.id: 3})
    assert compute(request)["blind_spots"] == []


def test_it_ignores_surveys_not_submitted(cycle, a):
    request = new_request(cycle)
    respond(request, "boss", {a.id: 3})
    respond(request, "peer", {a.id: 1}, status="started")
    data = compute(request)
    assert data["groups"]["peer"]["n"] == 0
    assert item_doc(data, a)["scores"]["others"]["n"] == 1


def test_it_shows_anonymous_comments_only_from_groups_of_k_surveys(cycle, a):
    q1, q2 = questions_of(cycle)[:2]
    request = new_request(cycle)
    respond(request, "self", {a.id: 3}, {q1.id: "I try."})
    respond(request, "boss", {a.id: 3}, {q1.id: "Solid year."})
    for text in ("Zeal", "Always there", "Mentors well"):
        respond(request, "peer", {a.id: 3}, {q2.id: text})
    for text in ("Secret 1", "Secret 2"):
        respond(request, "direct_report", {a.id: 3}, {q1.id: text})
    comments = compute(request)["comments"]
    assert comments == [
        {"question": q1.rater_text, "group": "self", "text": "I try."},
        {"question": q1.rater_text, "group": "boss", "text": "Solid year."},
        # peers: sorted by text, never in submission order, never with a name
        {"question": q2.rater_text, "group": "peer", "text": "Always there"},
        {"question": q2.rater_text, "group": "peer", "text": "Mentors well"},
        {"question": q2.rater_text, "group": "peer", "text": "Zeal"},
    ]


def test_it_picks_strengths_developments_and_disagreements_from_others(cycle):
    items = items_of(cycle)[:8]
    request = new_request(cycle)
    values = [5, 4, 4, 3, 2, 1, 3, 3]
    respond(request, "boss", {i.id: v for i, v in zip(items, values, strict=True)})
    # Three peers agree with the boss except on item 7, where they split 1 / 5 / 5.
    for split in (1, 5, 5):
        respond(
            request,
            "peer",
            {**{i.id: v for i, v in zip(items, values, strict=True)}, items[6].id: split},
        )
    data = compute(request)
    ids = [i.id for i in items]
    # means: 5, 4, 4, 3, 2, 1, (3+1+5+5)/4 = 3.5, 3
    assert data["strengths"] == [ids[0], ids[1], ids[2]]
    assert data["to_develop"] == [ids[5], ids[4], ids[3]]
    # item 7: values 3, 1, 5, 5: sd = sqrt(11/3) = 1.91
    assert data["disagreements"] == [ids[6]]


def test_it_publishes_counts_of_every_group_even_below_k(cycle, a):
    request = new_request(cycle)
    respond(request, "direct_report", {a.id: 5})
    data = compute(request)
    assert data["groups"]["direct_report"] == {"n": 1, "shown": False}
    # one survey, but nobody behind any others figure
    assert data["groups"]["others"] == {"n": 1, "shown": False, "counted": 0}
    assert all(v is None for v in item_doc(data, a)["scores"].values())


def test_it_records_the_answers_a_result_reflects(cycle, a):
    request = new_request(cycle)
    respond(request, "boss", {a.id: 3})
    respond(request, "peer", {a.id: 3}, status="started")
    gap_analyses_recompute(request_ids=[request.id])
    stored = GapAnalysis.objects.get(request=request)
    assert stored.submitted_count == 1 and stored.computed_at is not None
    document = gap_analysis_documents(request_ids=[request.id])[request.id]
    assert document["computed_at"] == stored.computed_at.isoformat()

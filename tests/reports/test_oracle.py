"""The engine against an independent oracle, and the anonymity promise as a property.

Both run on random cycles drawn by hypothesis. Each example writes its answers inside a
savepoint that is rolled back, so examples never see each other's data.
"""

from fractions import Fraction

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.models import Comment, Rating
from reports.services import gap_analyses_recompute, gap_analysis_documents
from tests.reports.builders import items_of, new_request, open_cycle, questions_of, respond
from tests.reports.oracle import oracle, rounded

pytestmark = pytest.mark.django_db

GROUP_SIZES = {
    "self": (0, 1),
    "boss": (0, 1),
    "peer": (0, 5),
    "direct_report": (0, 5),
    "other": (0, 4),
}
EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# A few items are enough to exercise every rule; all 30 make examples slow for nothing.
ITEMS_USED = 10
COMMENTS = ["", "Keeps us focused", "More coaching, please", "Zealous", "Always late"]


@st.composite
def cycles(draw):
    k = draw(st.integers(2, 4))
    threshold = draw(st.sampled_from(["0.5", "1.0", "1.5"]))
    rating = st.one_of(st.none(), st.integers(1, 5))
    # Now and then a rater answers "can't say" throughout: surveyed, but behind no figure.
    survey = st.one_of(
        st.lists(rating, min_size=ITEMS_USED, max_size=ITEMS_USED),
        st.just([None] * ITEMS_USED),
    )
    responses = []
    for group, (low, high) in GROUP_SIZES.items():
        for _ in range(draw(st.integers(low, high))):
            values = draw(survey)
            comment = draw(st.sampled_from(COMMENTS))
            responses.append((group, values, comment))
    # The same answers submitted in another order: nothing published may depend on it.
    order = draw(st.permutations(range(len(responses))))
    return k, threshold, responses, order


def write(cycle, responses):
    items = items_of(cycle)[:ITEMS_USED]
    question = questions_of(cycle)[0]
    request = new_request(cycle)
    raw = []
    for group, values, comment in responses:
        ratings = {item.id: value for item, value in zip(items, values, strict=True)}
        comments = {question.id: comment} if comment else {}
        respond(request, group, ratings, comments)
        raw.append((group, ratings, comments))
    return request, items, raw


def engine(request):
    gap_analyses_recompute(request_ids=[request.id])
    data = gap_analysis_documents(request_ids=[request.id])[request.id]
    data.pop("computed_at")
    return data


@EXAMPLES
@given(case=cycles())
def test_it_agrees_with_the_oracle_on_random_cycles(case):
    k, threshold, responses, order = case
    with transaction.atomic():
        cycle = open_cycle(k=k, threshold=threshold)
        request, items, raw = write(cycle, responses)
        got = engine(request)
        reordered, _, _ = write(cycle, [responses[i] for i in order])
        got_reordered = engine(reordered)
        every_item = [(i.id, i.behaviour, i.pole) for i in items_of(cycle)]
        want = oracle(raw, every_item, k, Fraction(threshold))
        question_text = {q.id: q.rater_text for q in questions_of(cycle)}
        transaction.set_rollback(True)

    for group, expected in want["groups"].items():
        assert got["groups"][group]["n"] == expected["n"], group
        if "shown" in expected:
            assert got["groups"][group]["shown"] == expected["shown"], group
    assert got["groups"]["others"]["counted"] == want["groups"]["others"]["counted"]
    # Comments: exactly the contract's, never with a name, and in an order that does not
    # depend on the order the surveys were submitted in.
    assert all(set(c) == {"question", "group", "text"} for c in got["comments"])
    assert sorted((c["question"], c["group"], c["text"]) for c in got["comments"]) == sorted(
        (question_text[q], g, text) for q, g, text in want["comments"]
    )
    assert got["comments"] == got_reordered["comments"]
    assert [i["id"] for i in got["items"][:ITEMS_USED]] == [i.id for i in items]
    for item in got["items"]:
        expected = want["items"][item["id"]]
        for group, score in item["scores"].items():
            if group not in expected:
                assert score is None, (item["id"], group)
                continue
            assert score == {
                "mean": rounded(expected[group]["mean"]),
                "n": expected[group]["n"],
                "sd": rounded(expected[group]["sd"]),
            }, (item["id"], group)
        assert item["self_others_gap"] == rounded(expected["gap"])
    for behaviour in got["behaviours"]:
        for pole in ("leadership", "management"):
            for group, score in behaviour[pole].items():
                assert score == rounded(want["poles"][behaviour["behaviour"], pole, group])
        for group, balance in behaviour["balance"].items():
            lead = want["poles"][behaviour["behaviour"], "leadership", group]
            manage = want["poles"][behaviour["behaviour"], "management", group]
            assert balance == (None if lead is None or manage is None else rounded(lead - manage))
    assert got["blind_spots"] == want["blind_spots"]
    assert got["hidden_strengths"] == want["hidden_strengths"]


def non_reportable_ratings(raw, k):
    """(rater index, item id) of anonymous ratings that no published figure may depend on:
    their group has fewer than k ratings of the item and so does the pool."""
    hidden = []
    item_ids = raw[0][1].keys() if raw else []
    for item_id in item_ids:
        by_group = {}
        for index, (group, ratings, _) in enumerate(raw):
            if group in ("peer", "direct_report", "other") and ratings[item_id] is not None:
                by_group.setdefault(group, []).append(index)
        small = [i for members in by_group.values() if len(members) < k for i in members]
        if len(small) < k:
            hidden += [(i, item_id) for i in small]
    return hidden


@EXAMPLES
@given(case=cycles(), shift=st.integers(1, 4))
def test_it_publishes_nothing_that_depends_on_non_reportable_answers(case, shift):
    k, threshold, responses, _ = case
    with transaction.atomic():
        cycle = open_cycle(k=k, threshold=threshold)
        request, _, raw = write(cycle, responses)
        before = engine(request)
        raters = list(request.raters.order_by("id"))
        # Change every rating the rules make non-reportable to another 1..5 value, and
        # the comments of every anonymous group with fewer than k surveys.
        for index, item_id in non_reportable_ratings(raw, k):
            rating = Rating.objects.get(rater=raters[index], item_id=item_id)
            rating.value = (rating.value - 1 + shift) % 5 + 1
            rating.save()
        sizes = {}
        for group, _, _ in raw:
            sizes[group] = sizes.get(group, 0) + 1
        for rater in raters:
            if (
                rater.relationship in ("peer", "direct_report", "other")
                and sizes[rater.relationship] < k
            ):
                Comment.objects.filter(rater=rater).update(text="changed entirely")
        after = engine(request)
        transaction.set_rollback(True)
    assert after == before

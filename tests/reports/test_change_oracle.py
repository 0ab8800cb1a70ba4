"""Issue 16: the change since the last cycle against the independent oracle, and the
anonymity promise for it as a property (the style of test_oracle.py).

Random pairs of released cycles of one subject, drawn by hypothesis:

- every figure of the comparison is what the oracle (tests/reports/oracle.py, written
  from the contract, sharing no code with reports) computes from the raw answers of each
  cycle, over the statements the group is shown for in both, rounded once;
- changing every rating that the anonymity rules keep out of either released report
  (an anonymous group and the item's pool both below k) changes nothing in the
  comparison: it reveals no rating of fewer than k anonymous raters beyond the two
  reports themselves.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Person
from feedback.models import Rating
from reports import services
from tests.factories import person_with_login
from tests.reports.builders import items_of, new_request, open_cycle, respond
from tests.reports.change_builders import release_frozen
from tests.reports.oracle import oracle, rounded
from tests.reports.test_oracle import non_reportable_ratings

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Two behaviours (12 statements) exercise every rule; the rest stay unanswered.
ITEMS_USED = 12
GROUP_SIZES = {
    "self": (0, 1),
    "boss": (0, 1),
    "peer": (0, 5),
    "direct_report": (0, 4),
    "other": (0, 3),
}
POLES = ("leadership", "management")
GROUPS = ("self", "boss", "peer", "direct_report", "other", "others")


@st.composite
def answers(draw):
    rating = st.one_of(st.none(), st.integers(1, 5))
    responses = []
    for group, (low, high) in GROUP_SIZES.items():
        for _ in range(draw(st.integers(low, high))):
            responses.append(
                (group, draw(st.lists(rating, min_size=ITEMS_USED, max_size=ITEMS_USED)))
            )
    return responses


@st.composite
def histories(draw):
    return draw(st.integers(2, 4)), draw(answers()), draw(answers()), draw(st.integers(1, 4))


def _cycle(subject, k, responses, *, closes_days_ago, shift=None):
    cycle = open_cycle(k=k)
    items = items_of(cycle)[:ITEMS_USED]
    request = new_request(cycle, subject=subject)
    raw = []
    for group, values in responses:
        ratings = {item.id: value for item, value in zip(items, values, strict=True)}
        respond(request, group, ratings)
        raw.append((group, ratings, {}))
    if shift is not None:
        # Every rating no published figure may depend on, moved to another value.
        raters = list(request.raters.order_by("id"))
        for index, item_id in non_reportable_ratings(raw, k):
            rating = Rating.objects.get(rater=raters[index], item_id=item_id)
            rating.value = (rating.value - 1 + shift) % 5 + 1
            rating.save()
    release_frozen(cycle, closes_days_ago=closes_days_ago)
    every_item = [(i.id, i.behaviour, i.pole) for i in items_of(cycle)]
    return request, oracle(raw, every_item, k, Fraction(1)), {i.id: i.key for i in items_of(cycle)}


def _compare(k, earlier, later, shift=None):
    with transaction.atomic():
        subject = Person.objects.create(email="subject@example.com", name="Sam Subject")
        before, want_before, keys_before = _cycle(
            subject, k, earlier, closes_days_ago=200, shift=shift
        )
        now, want_now, keys_now = _cycle(subject, k, later, closes_days_ago=10, shift=shift)
        now.refresh_from_db()
        reader = person_with_login(email="reader@example.com", name="R", hr=True)
        document = services.results_read(request=now, user=reader.user)
        transaction.set_rollback(True)
    (previous,) = document["previous"]
    # Ids differ between two builds; the figures must not.
    figures = {key: previous[key] for key in ("groups", "rater_mix_changed", "behaviours")}
    return figures, (want_before, want_now, keys_before, keys_now, document)


def _by_key(want, keys):
    """The oracle's per-item figures by stable key (ids differ between cycles)."""
    return {keys[item_id]: figures for item_id, figures in want["items"].items()}


@EXAMPLES
@given(case=histories())
def test_the_change_is_the_oracles_change_of_the_two_reports(case):
    k, earlier, later, _ = case
    figures, (want_before, want_now, keys_before, keys_now, document) = _compare(k, earlier, later)
    before_items, now_items = _by_key(want_before, keys_before), _by_key(want_now, keys_now)
    item_meta = {keys_now[i["id"]]: (i["behaviour"], i["pole"]) for i in document["items"]}

    def pole(items, behaviour, pole_name, group):
        means = [
            items[key][group]["mean"]
            for key, (b, p) in item_meta.items()
            if b == behaviour
            and p == pole_name
            and group in before_items.get(key, {})
            and group in now_items.get(key, {})
        ]
        return sum(means) / len(means) if means else None

    for behaviour in figures["behaviours"]:
        slug = behaviour["behaviour"]
        exact = {}
        for pole_name in POLES:
            for group in GROUPS:
                old = pole(before_items, slug, pole_name, group)
                new = pole(now_items, slug, pole_name, group)
                exact[pole_name, group] = (old, new)
                got = behaviour[pole_name][group]
                if old is None:
                    assert got is None, (slug, pole_name, group)
                    continue
                assert (got["before"], got["now"], got["change"]) == (
                    rounded(old),
                    rounded(new),
                    rounded(new - old),
                ), (slug, pole_name, group)
        for group in GROUPS:
            (lo, ln), (mo, mn) = exact["leadership", group], exact["management", group]
            got = behaviour["balance"][group]
            if None in (lo, mo):
                assert got is None
            else:
                assert got["change"] == rounded((ln - mn) - (lo - mo))
        for pole_name in POLES:
            (so, sn), (oo, on) = exact[pole_name, "self"], exact[pole_name, "others"]
            got = behaviour["self_others_gap"][pole_name]
            if None in (so, oo):
                assert got is None
            else:
                assert got["change"] == rounded((sn - on) - (so - oo))
    counts = {g: sum(1 for rel, _ in later if rel == g) for g in GROUP_SIZES}
    assert {g: figures["groups"][g]["now"] for g in GROUP_SIZES} == counts


@EXAMPLES
@given(case=histories())
def test_the_change_depends_on_no_rating_either_report_keeps_out(case):
    k, earlier, later, shift = case
    figures, _ = _compare(k, earlier, later)
    moved, _ = _compare(k, earlier, later, shift=shift)
    assert moved == figures

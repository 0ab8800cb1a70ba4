"""Issue 16, change since the last cycle: the figures against hand-worked expectations.

k = 3. Sam rates himself 4 everywhere in both cycles. His boss rates 3 everywhere in the
earlier cycle; in the later one 5 on the vision leadership statements, 3 elsewhere.
Three peers rate 2, 3 and 4 everywhere in the earlier cycle; in the later one 4, 5, 5 on
the vision leadership statements and 2, 3, 4 elsewhere.

Vision, leadership (each statement the same, so a pole score is one statement's):

    group   before          now                 change  standard errors (sd / sqrt n)
    peer    3.00 (sd 1)     14/3 = 4.67 (0.58)  +1.67   0.577 / 0.333: 2 x 0.667 = 1.33 -> notable
    others  3.00 (0.8165)   19/4 = 4.75 (0.5)   +1.75   0.408 / 0.25:  2 x 0.479 = 0.96 -> notable
    boss    3.00            5.00                +2.00   one person: no spread -> never notable
    self    4.00            4.00                 0.00
    gap     4 - 3 = 1.00    4 - 4.75 = -0.75    -1.75   others' errors: 0.96 -> notable
    others' balance  0.00   1.75                +1.75   (0.408 + 0.25, 0.408 + 0.408): 2 x 1.048
                                                        = 2.10 -> not notable (cautious)
"""

from __future__ import annotations

import pytest

from feedback.models import Cycle, Item, item_key_new
from feedback.services import framework_copy
from reports import services
from tests.factories import person_with_login
from tests.reports.builders import open_cycle
from tests.reports.change_builders import answered, release_frozen, two_cycles, vision_leadership

pytestmark = pytest.mark.django_db

EARLIER = {"self": [4], "boss": [3], "peer": [2, 3, 4]}
LATER = {
    "self": [4],
    "boss": [vision_leadership(5, 3)],
    "peer": [vision_leadership(4, 2), vision_leadership(5, 3), vision_leadership(5, 4)],
}


@pytest.fixture
def sam(db):
    boss = person_with_login(email="boss@example.com", name="Bo Boss")
    return person_with_login(email="sam@example.com", name="Sam Subject", manager=boss)


def read(request, person):
    request.refresh_from_db()
    return services.results_read(request=request, user=person.user)


def vision(comparison):
    return next(b for b in comparison["behaviours"] if b["behaviour"] == "vision")


def test_it_compares_each_figure_with_the_earlier_cycle(sam):
    before, now = two_cycles(sam, earlier=EARLIER, later=LATER)
    document = read(now, sam)
    (previous,) = document["previous"]
    assert previous["request"] == before.id
    assert previous["cycle"]["id"] == before.cycle_id
    assert previous["statements"] == {"compared": 30, "not_compared": [], "no_longer_asked": 0}
    assert previous["rater_mix_changed"] is False
    figures = vision(previous)
    lead = figures["leadership"]
    assert lead["peer"] == {"before": 3.0, "now": 4.67, "change": 1.67, "notable": True}
    assert lead["others"] == {"before": 3.0, "now": 4.75, "change": 1.75, "notable": True}
    assert lead["boss"] == {"before": 3.0, "now": 5.0, "change": 2.0, "notable": False}
    assert lead["self"] == {"before": 4.0, "now": 4.0, "change": 0.0, "notable": False}
    assert lead["direct_report"] is None  # shown in neither cycle
    assert figures["management"]["others"] == {
        "before": 3.0,
        "now": 3.0,
        "change": 0.0,
        "notable": False,
    }
    assert figures["balance"]["others"] == {
        "before": 0.0,
        "now": 1.75,
        "change": 1.75,
        "notable": False,
    }
    assert figures["self_others_gap"]["leadership"] == {
        "before": 1.0,
        "now": -0.75,
        "change": -1.75,
        "notable": True,
    }
    # When every statement matches, "before" and "now" are the two reports' own figures.
    earlier_document = read(before, sam)
    for side, source in (("before", earlier_document), ("now", document)):
        for behaviour, published in zip(previous["behaviours"], source["behaviours"], strict=True):
            for pole in ("leadership", "management"):
                for group, figure in behaviour[pole].items():
                    if figure is not None:
                        assert figure[side] == published[pole][group], (side, group)


def test_a_small_change_within_the_spread_is_not_notable(sam):
    # One peer moves from 4 to 5 on every risk statement: +0.33 against a spread of ~1.
    later = {
        "self": [4],
        "boss": [3],
        "peer": [2, 3, lambda item: 5 if item.behaviour == "risk" else 4],
    }
    _, now = two_cycles(sam, earlier=EARLIER, later=later)
    (previous,) = read(now, sam)["previous"]
    risk = next(b for b in previous["behaviours"] if b["behaviour"] == "risk")
    assert risk["leadership"]["peer"]["change"] == 0.33
    assert risk["leadership"]["peer"]["notable"] is False


def test_a_group_shown_in_one_cycle_only_has_no_change_and_the_mix_warning_is_set(sam):
    earlier = {**EARLIER, "direct_report": [3, 3]}  # two: below k, not shown
    later = {**LATER, "direct_report": [4, 4, 4]}
    _, now = two_cycles(sam, earlier=earlier, later=later)
    (previous,) = read(now, sam)["previous"]
    assert previous["rater_mix_changed"] is True
    assert previous["groups"]["direct_report"] == {"before": 2, "now": 3}
    for behaviour in previous["behaviours"]:
        for pole in ("leadership", "management"):
            assert behaviour[pole]["direct_report"] is None
        assert behaviour["balance"]["direct_report"] is None


def test_statements_are_matched_by_key_and_a_changed_meaning_is_not_compared(sam):
    first = open_cycle(k=3)
    before = answered(first, sam, EARLIER)
    release_frozen(first, closes_days_ago=200)
    copy = framework_copy(framework=first.framework)
    changed = Item.objects.get(framework=copy, key="vision-leadership-1")
    changed.rater_text = "Something else entirely"
    changed.key = item_key_new()
    changed.save()
    second = open_cycle(k=3)
    Cycle.objects.filter(pk=second.pk).update(framework=copy)
    second.refresh_from_db()
    now = answered(second, sam, LATER)
    release_frozen(second, closes_days_ago=10)
    (previous,) = read(now, sam)["previous"]
    assert previous["request"] == before.id
    assert previous["statements"] == {
        "compared": 29,
        "not_compared": [changed.id],
        "no_longer_asked": 1,
    }
    # The item ids differ in every statement; the other 29 are still compared.
    assert vision(previous)["leadership"]["others"]["change"] == 1.75


def test_only_earlier_released_cycles_are_compared(sam):
    before, now = two_cycles(sam, earlier=EARLIER, later=LATER)
    # The earlier report compares with nothing: the later cycle is not "previous".
    assert read(before, sam)["previous"] == []
    # A closed (not released) cycle is never compared, and a closed report compares with nothing.
    third = open_cycle(k=3)
    closed = answered(third, sam, LATER)
    services.cycle_recompute(cycle_id=third.id)
    Cycle.objects.filter(pk=third.pk).update(status=Cycle.Status.CLOSED)
    hr = person_with_login(email="hr@example.com", name="Hana HR", hr=True)
    assert read(closed, hr)["previous"] == []
    assert [p["request"] for p in read(now, sam)["previous"]] == [before.id]


def test_every_earlier_cycle_is_listed_newest_first(sam):
    oldest = open_cycle(k=3)
    first = answered(oldest, sam, EARLIER)
    release_frozen(oldest, closes_days_ago=400)
    before, now = two_cycles(sam, earlier=EARLIER, later=LATER)
    assert [p["request"] for p in read(now, sam)["previous"]] == [before.id, first.id]


def test_the_item_key_migration_shares_keys_across_versions_with_the_same_wording(db):
    import importlib

    from django.apps import apps

    open_cycle()
    v1 = Item.objects.filter(framework__version=1).order_by("position")
    copy = framework_copy(framework=v1.first().framework)
    Item.objects.filter(framework=copy, position=1).update(rater_text="Reworded")
    # As before the migration: keys that say nothing (unique, for the constraint).
    for index, item in enumerate(Item.objects.order_by("id")):
        Item.objects.filter(pk=item.pk).update(key=f"old-{index}")
    importlib.import_module("feedback.migrations.0015_item_key").fill_keys(apps, None)
    first = {i.position: i.key for i in Item.objects.filter(framework__version=1)}
    second = {i.position: i.key for i in Item.objects.filter(framework=copy)}
    assert first[2] == "vision-leadership-2" == second[2]
    assert first[1] == "vision-leadership-1" != second[1]
    assert all(first[p] == second[p] for p in first if p != 1)


def _edit(item, **changes):
    from feedback.admin import ItemForm

    data = {
        "position": item.position,
        "behaviour": item.behaviour,
        "pole": item.pole,
        "rater_text": item.rater_text,
        "self_text": item.self_text,
        **changes,
    }
    form = ItemForm(data=data, instance=item)
    assert form.is_valid(), form.errors
    return form.save()


def test_in_the_admin_a_reworded_statement_gets_a_new_key_unless_its_meaning_is_the_same(db):
    open_cycle()
    copy = framework_copy(framework=Item.objects.filter(framework__version=1).first().framework)
    first, second = Item.objects.filter(framework=copy).order_by("position")[:2]
    old_first, old_second = first.key, second.key
    assert _edit(first, rater_text="Asks something else").key != old_first
    assert _edit(second, rater_text="Reworded, same idea", same_meaning="on").key == old_second
    # Only the position moved: not a change of meaning.
    assert _edit(Item.objects.get(pk=second.pk), position=99).key == old_second

"""Response quality (issue 16): per cycle, in aggregate only, hidden below k.

Each expectation is worked by hand from the answers written below, chosen so that the
obvious wrong computations (counting drafts, counting self-assessments as straight-lining,
treating "can't say" as a rating, comparing on a rounded share) give another answer.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback import services as feedback_services
from feedback.models import Cycle, Rater
from reports import selectors, services
from reports.models import CycleResponseQuality
from tests.reports.builders import invited, items_of, new_request, open_cycle, respond

pytestmark = pytest.mark.django_db


def closed(cycle: Cycle) -> Cycle:
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.CLOSED, closed_at=timezone.now())
    cycle.refresh_from_db()
    return cycle


def all_items(cycle, value, overrides=None):
    overrides = overrides or {}
    return {item.id: overrides.get(item.id, value) for item in items_of(cycle)}


def test_it_counts_cant_say_per_statement_over_submitted_answers_only(settings):
    settings.QUESTIONNAIRE_REVIEW_CANT_SAY_PERCENT = 30
    cycle = open_cycle(k=3)
    first, second, third = [item.id for item in items_of(cycle)[:3]]
    one, two = new_request(cycle), new_request(cycle)
    # Three submitted surveys: `first` has 1 "can't say" in 3 (33.3%, flagged); `second`
    # 2 in 3; `third` none. Exactly 30% would also be flagged (at or above), 29.9% not.
    respond(one, "peer", all_items(cycle, 4, {first: None, second: None}))
    respond(one, "self", all_items(cycle, 3, {second: None}))
    respond(two, "peer", all_items(cycle, 5))
    # A draft full of "can't say" counts nowhere: with it `third` would read 1 in 4.
    respond(two, "peer", all_items(cycle, None), status=Rater.Status.STARTED)

    quality = selectors.cycle_response_quality(cycle=closed(cycle))

    cant_say = quality["cant_say"]
    assert cant_say["shown"] and cant_say["n"] == 3
    by_id = {item["id"]: item for item in cant_say["items"]}
    assert (by_id[first]["cant_say"], by_id[first]["answers"], by_id[first]["share"]) == (
        1,
        3,
        33.3,
    )
    assert (by_id[second]["cant_say"], by_id[second]["share"]) == (2, 66.7)
    assert (by_id[third]["cant_say"], by_id[third]["answers"], by_id[third]["share"]) == (0, 3, 0.0)
    assert cant_say["review"] == [first, second]
    assert len(cant_say["items"]) == len(items_of(cycle))


def test_the_review_threshold_is_compared_exactly_not_on_the_rounded_share(settings):
    # 1 in 3 is 33.33...%: a threshold of 33 flags it, 34 does not (the rounded share,
    # 33.3, would not tell 33.3 from 33.34).
    cycle = open_cycle(k=3)
    first = items_of(cycle)[0].id
    request = new_request(cycle)
    respond(request, "peer", all_items(cycle, 4, {first: None}))
    respond(request, "peer", all_items(cycle, 4))
    respond(request, "peer", all_items(cycle, 3))
    closed(cycle)
    settings.QUESTIONNAIRE_REVIEW_CANT_SAY_PERCENT = 33
    assert selectors.cycle_response_quality(cycle=cycle)["cant_say"]["review"] == [first]
    settings.QUESTIONNAIRE_REVIEW_CANT_SAY_PERCENT = 34
    assert selectors.cycle_response_quality(cycle=cycle)["cant_say"]["review"] == []


def test_straight_lining_counts_rater_surveys_with_one_rating_everywhere():
    cycle = open_cycle(k=3)
    first, second = [item.id for item in items_of(cycle)[:2]]
    one, two = new_request(cycle), new_request(cycle)
    respond(one, "peer", all_items(cycle, 3))  # straight
    respond(one, "direct_report", all_items(cycle, 2))  # straight
    respond(one, "peer", all_items(cycle, 3, {first: None}))  # a "can't say": not counted
    respond(two, "peer", all_items(cycle, 3, {second: 4}))  # one different rating: not
    respond(two, "self", all_items(cycle, 5))  # a self-assessment: left out of n and count
    respond(two, "boss", all_items(cycle, 1), status=Rater.Status.STARTED)  # a draft: nowhere

    straight = selectors.cycle_response_quality(cycle=closed(cycle))["straight_lining"]

    assert straight == {"shown": True, "n": 4, "count": 2, "share": 50.0}


def test_each_figure_is_hidden_below_k_surveys():
    cycle = open_cycle(k=3)
    request = new_request(cycle)
    now = timezone.now()
    for relationship in ("peer", "self"):
        rater = respond(request, relationship, all_items(cycle, 3))
        Rater.objects.filter(pk=rater.pk).update(
            first_opened_at=now - datetime.timedelta(minutes=4)
        )
    respond(request, "peer", all_items(cycle, 3), status=Rater.Status.STARTED)

    quality = selectors.cycle_response_quality(cycle=closed(cycle))

    assert quality["cant_say"] == {
        "shown": False,
        "n": 2,
        "review_threshold_percent": 30,
        "items": None,
        "review": None,
    }
    assert quality["straight_lining"] == {"shown": False, "n": 1, "count": None, "share": None}
    assert quality["time_to_answer"] == {
        "shown": False,
        "n": 2,
        "buckets": None,
        "percentiles_minutes": None,
    }


def test_straight_lining_needs_k_rater_surveys_even_when_self_assessments_make_k():
    cycle = open_cycle(k=3)
    for _ in range(2):
        request = new_request(cycle)
        respond(request, "self", all_items(cycle, 3))
    respond(request, "peer", all_items(cycle, 3))
    quality = selectors.cycle_response_quality(cycle=closed(cycle))
    assert quality["cant_say"]["shown"] is True  # 3 surveys
    assert quality["straight_lining"]["shown"] is False  # 1 rater survey


def test_time_to_answer_is_a_distribution_with_nearest_rank_percentiles():
    cycle = open_cycle(k=3)
    request = new_request(cycle)
    submitted = timezone.now()
    for minutes in (3, 7, 15, 120, 30 * 60):
        rater = respond(request, "peer", all_items(cycle, 4))
        Rater.objects.filter(pk=rater.pk).update(
            submitted_at=submitted, first_opened_at=submitted - datetime.timedelta(minutes=minutes)
        )
    respond(request, "peer", all_items(cycle, 4))  # opening never recorded: left out

    timing = selectors.cycle_response_quality(cycle=closed(cycle))["time_to_answer"]

    assert timing["shown"] and timing["n"] == 5
    assert [(b["label"], b["count"]) for b in timing["buckets"]] == [
        ("under 5 minutes", 1),
        ("5 minutes to 10 minutes", 1),
        ("10 minutes to 20 minutes", 1),
        ("20 minutes to 1 hour", 0),
        ("1 hour to 24 hours", 1),
        ("24 hours or more", 1),
    ]
    # Nearest rank of 5 sorted durations: p25 the 2nd, the median the 3rd, p75 the 4th.
    assert timing["percentiles_minutes"] == {"p25": 7.0, "median": 15.0, "p75": 120.0}


def test_reading_a_closed_cycles_quality_means_it_can_no_longer_reopen(org):
    cycle = open_cycle(k=3)
    request = new_request(cycle)
    for _ in range(3):
        respond(request, "peer", all_items(cycle, 4))
    closed(cycle)
    services.cycle_response_quality_read(cycle=cycle)
    cycle.refresh_from_db()
    assert cycle.results_read_at is not None
    with pytest.raises(Exception, match="read"):
        feedback_services.cycle_reopen(
            cycle=cycle, closes_at=timezone.now() + datetime.timedelta(days=3)
        )


def test_a_released_cycles_quality_is_frozen_when_first_shown(org):
    cycle = open_cycle(k=3)
    request = new_request(cycle)
    raters = [respond(request, "peer", all_items(cycle, 4)) for _ in range(4)]
    closed(cycle)
    feedback_services.cycle_release(cycle=cycle)  # eager: the freeze task ran
    before = services.cycle_response_quality_read(cycle=cycle)
    assert CycleResponseQuality.objects.filter(pk=cycle.pk).exists()
    # An erasure deletes raters about a subject of a released cycle: the figures stay.
    raters[0].delete()
    after = services.cycle_response_quality_read(cycle=cycle)
    assert after == before
    assert after["straight_lining"]["n"] == 4


def test_a_survey_records_its_first_opening_once(client):
    cycle = open_cycle(k=3)
    request = new_request(cycle)
    rater, token = invited(request, "peer")
    assert client.get(f"/api/v1/survey/{token}/").status_code == 200
    rater.refresh_from_db()
    first = rater.first_opened_at
    assert first is not None
    assert client.get(f"/s/{token}/").status_code == 200
    rater.refresh_from_db()
    assert rater.first_opened_at == first


def test_saving_a_draft_without_reading_first_records_the_opening():
    cycle = open_cycle(k=3)
    request = new_request(cycle)
    rater, token = invited(request, "peer")
    feedback_services.survey_save_draft(token=token, ratings={str(items_of(cycle)[0].id): 4})
    rater.refresh_from_db()
    assert rater.first_opened_at is not None


# --- API and page --------------------------------------------------------------------------


@pytest.fixture
def quality_cycle():
    cycle = open_cycle(k=3)
    request = new_request(cycle)
    first = items_of(cycle)[0]
    respond(request, "peer", all_items(cycle, 4, {first.id: None}))
    respond(request, "peer", all_items(cycle, 4))
    respond(request, "direct_report", all_items(cycle, 2, {first.id: 3}))
    return cycle, first


def test_the_api_gives_hr_the_figures_and_refuses_everyone_else(org, api_as, quality_cycle):
    cycle, first = quality_cycle
    url = f"/api/v1/cycles/{cycle.pk}/response-quality/"
    assert api_as(org["hr"]).get(url).status_code == 409  # open: nobody reads figures
    closed(cycle)
    assert api_as().get(url).status_code in (401, 403)
    assert api_as(org["lead"]).get(url).status_code == 403
    assert api_as(org["hr"]).get("/api/v1/cycles/999999/response-quality/").status_code == 404
    response = api_as(org["hr"]).get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["cant_say"]["review"] == [first.id]
    assert body["straight_lining"]["count"] == 1
    assert "raters" not in body and "subjects" not in body


def test_the_hr_page_lists_the_statements_to_review(client, org, quality_cycle):
    cycle, first = quality_cycle
    closed(cycle)
    client.force_login(org["lead"].user)
    assert client.get(reverse("reports_cycle_quality", args=[cycle.pk])).status_code == 404
    client.force_login(org["hr"].user)
    response = client.get(reverse("reports_cycle_quality", args=[cycle.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Review for the next questionnaire version" in page
    assert first.rater_text in page.split('id="review"')[1].split("</div>")[0]
    assert "1</strong> of 3 rater surveys" in page
    hr_page = client.get(reverse("reports_hr")).content.decode()
    assert reverse("reports_cycle_quality", args=[cycle.pk]) in hr_page


def test_the_figures_take_the_same_queries_whatever_the_cycles_size(
    django_assert_max_num_queries,
):
    cycle = open_cycle(k=2)
    now = timezone.now()
    for _ in range(6):
        request = new_request(cycle)
        for relationship in ("self", "peer", "peer", "boss"):
            rater = respond(request, relationship, all_items(cycle, 4))
            Rater.objects.filter(pk=rater.pk).update(
                first_opened_at=now - datetime.timedelta(minutes=9)
            )
    closed(cycle)
    # Surveys, can't say (+ the statements), straight-lining, timing, three percentiles.
    with django_assert_max_num_queries(8):
        quality = selectors.cycle_response_quality(cycle=cycle)
    assert quality["time_to_answer"]["n"] == 24

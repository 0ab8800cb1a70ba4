"""Surveys keyed by token: drafts, validation naming the field, submit, decline, closed cycles."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import DomainError
from feedback import selectors, services
from feedback.models import Cycle, Framework, Rater, Rating
from tests.feedback.conftest import in_days


def refusal(call, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    return caught.value


def item_ids() -> list[int]:
    return list(
        Framework.objects.get(version=1).items.order_by("position").values_list("id", flat=True)
    )


def question_ids() -> list[int]:
    return list(
        Framework.objects.get(version=1).questions.order_by("position").values_list("id", flat=True)
    )


def full_answers() -> dict:
    # Item 1 "can't say"; the rest 1..5 in turn.
    ids = item_ids()
    return {str(i): (None if n == 0 else n % 5 + 1) for n, i in enumerate(ids)}


@pytest.mark.django_db
def test_it_finds_the_rater_of_a_token_and_nothing_for_others(launched):
    rater = selectors.rater_for_token(token=launched["peer"])
    assert (rater.relationship, rater.email) == ("peer", "peer@example.com")
    for token in ["", "nope", launched["peer"][:-1], "x" * 500]:
        error = refusal(selectors.rater_for_token, token=token)
        assert error.code == "not_found"


@pytest.mark.django_db
def test_it_saves_a_draft_and_merges_later_saves(launched):
    token = launched["peer"]
    first, second = item_ids()[:2]
    q1 = question_ids()[0]
    receipt = services.survey_save_draft(
        token=token, ratings={str(first): 4}, comments={str(q1): "  Keep the demos.  "}
    )
    rater = receipt.rater
    assert (receipt.status, receipt.answered, len(receipt.unanswered)) == ("started", 1, 29)
    receipt = services.survey_save_draft(token=token, ratings={str(second): None, str(first): 2})
    # "Can't say" counts as an answer; the merged draft has both statements.
    assert (receipt.answered, receipt.unanswered) == (2, item_ids()[2:])
    answers = selectors.survey_answers(rater=rater)
    assert answers == {"ratings": {first: 2, second: None}, "comments": {q1: "Keep the demos."}}
    services.survey_save_draft(token=token, comments={str(q1): ""})  # clearing removes it
    assert selectors.survey_answers(rater=rater)["comments"] == {}


@pytest.mark.django_db
def test_it_saves_any_number_of_answers_in_the_same_number_of_queries(launched):
    token = launched["boss"]
    q1, first = question_ids()[0], item_ids()[0]
    every_rating, every_comment = full_answers(), {str(q): "text" for q in question_ids()}
    services.survey_save_draft(token=token, ratings={str(first): 3})  # now "started"
    with CaptureQueriesContext(connection) as one:
        services.survey_save_draft(token=token, ratings={str(first): 3}, comments={str(q1): "a"})
    with CaptureQueriesContext(connection) as twenty_nine:
        receipt = services.survey_save_draft(
            token=token, ratings=dict(list(every_rating.items())[:29]), comments=every_comment
        )
    assert receipt.answered == 29
    with CaptureQueriesContext(connection) as thirty:
        receipt = services.survey_save_draft(
            token=token, ratings=every_rating, comments=every_comment
        )
    assert len(twenty_nine.captured_queries) == len(one.captured_queries) <= 10
    # A save of every statement knows what is answered without reading it back.
    assert len(thirty.captured_queries) == len(one.captured_queries) - 1
    assert (receipt.answered, receipt.unanswered) == (30, [])
    assert Rating.objects.filter(rater__relationship="boss").count() == 30


@pytest.mark.django_db
def test_it_names_every_bad_field(launched):
    first = item_ids()[0]
    q1 = question_ids()[0]
    error = refusal(
        services.survey_save_draft,
        token=launched["peer"],
        ratings={str(first): 6, "999999": 3, "abc": 1, str(item_ids()[1]): True},
        comments={str(q1): "x" * 5001, "424242": "hi"},
    )
    assert error.code == "invalid"
    scale = 'Must be a whole number from 1 (never) to 5 (always), or null for "can\'t say".'
    assert error.errors == {
        f"ratings.{first}": [scale],
        "ratings.999999": ["Unknown item: not a statement of this survey."],
        "ratings.abc": ["Unknown item: not a statement of this survey."],
        f"ratings.{item_ids()[1]}": [scale],
        f"comments.{q1}": ["At most 5000 characters; this answer has 5001."],
        "comments.424242": ["Unknown question: not a question of this survey."],
    }
    assert not Rating.objects.exists()  # nothing half-saved


@pytest.mark.django_db
def test_it_accepts_a_comment_of_exactly_5000_characters(launched):
    q1 = question_ids()[0]
    receipt = services.survey_save_draft(token=launched["peer"], comments={str(q1): "x" * 5000})
    # Stored whole, not cut: the limit is inclusive.
    assert selectors.survey_answers(rater=receipt.rater)["comments"] == {q1: "x" * 5000}


@pytest.mark.django_db
def test_it_refuses_to_submit_with_unanswered_items_and_lists_them(launched):
    token = launched["self"]
    answers = full_answers()
    ids = item_ids()
    del answers[str(ids[4])], answers[str(ids[29])]
    services.survey_save_draft(token=token, ratings=answers)
    error = refusal(services.survey_submit, token=token)
    assert error.code == "invalid"
    assert error.detail == (
        '2 statements are unanswered (number 5, 30): choose a rating or "Can\'t say" for each.'
    )
    assert error.errors == {
        f"ratings.{ids[4]}": ["Unanswered."],
        f"ratings.{ids[29]}": ["Unanswered."],
    }
    # Pages mark the statements from this field, never from the wording of a message.
    assert isinstance(error, services.SurveyIncomplete)
    assert error.unanswered == (ids[4], ids[29])
    assert Rater.objects.get(relationship="self").status == "started"


@pytest.mark.django_db
def test_it_submits_once_and_refuses_a_second_submit(launched):
    token = launched["peer"]
    services.survey_save_draft(token=token, ratings=full_answers())
    receipt = services.survey_submit(token=token)
    rater = receipt.rater
    assert (rater.status, receipt.answered, receipt.unanswered) == ("submitted", 30, [])
    submitted_at = rater.submitted_at
    error = refusal(services.survey_submit, token=token)
    assert error.code == "conflict"
    assert error.detail.startswith("You already submitted this survey on ")
    error = refusal(services.survey_save_draft, token=token, ratings={str(item_ids()[0]): 1})
    assert error.code == "conflict"
    rater.refresh_from_db()
    assert rater.submitted_at == submitted_at
    assert Rating.objects.filter(rater=rater, item_id=item_ids()[0]).get().value is None


@pytest.mark.django_db
def test_it_refuses_to_submit_after_the_cycle_closed_and_keeps_the_draft(launched, open_cycle):
    token = launched["peer"]
    services.survey_save_draft(token=token, ratings=full_answers())
    services.cycle_close(cycle=open_cycle)
    closed_at = timezone.localtime(Cycle.objects.get(pk=open_cycle.pk).closed_at)
    error = refusal(services.survey_submit, token=token)
    assert error.code == "conflict"
    assert error.detail.startswith(f"This cycle closed on {closed_at:%-d %B %Y, %H:%M}")
    rater = Rater.objects.get(relationship="peer")
    assert (rater.status, rater.ratings.count()) == ("started", 30)


@pytest.mark.django_db
def test_it_treats_a_passed_closing_date_as_closed(launched, open_cycle):
    Cycle.objects.filter(pk=open_cycle.pk).update(closes_at=in_days(-0.01))
    error = refusal(services.survey_save_draft, token=launched["peer"], ratings={})
    assert error.code == "conflict"
    assert error.detail.startswith("This cycle closed on ")


@pytest.mark.django_db
def test_it_records_a_decline_with_its_reason_and_drops_the_draft(launched):
    token = launched["peer"]
    services.survey_save_draft(token=token, ratings=full_answers())
    rater = services.survey_decline(token=token, reason="  I joined last week.  ").rater
    assert (rater.status, rater.decline_reason) == ("declined", "I joined last week.")
    assert rater.ratings.count() == 0
    error = refusal(services.survey_submit, token=token)
    assert (error.code, error.detail) == ("conflict", "You declined this survey.")


@pytest.mark.django_db
def test_it_refuses_to_decline_after_submitting(launched):
    token = launched["boss"]
    services.survey_save_draft(token=token, ratings=full_answers())
    services.survey_submit(token=token)
    error = refusal(services.survey_decline, token=token)
    assert error.code == "conflict"


@pytest.mark.django_db
def test_it_refuses_an_overlong_decline_reason(launched):
    error = refusal(services.survey_decline, token=launched["peer"], reason="x" * 1001)
    assert error.errors == {"reason": ["At most 1000 characters."]}


@pytest.mark.django_db
@pytest.mark.parametrize("lock", [False, True])
def test_the_token_lookup_reads_every_field_as_the_orm_does(launched, lock):
    # rater_for_token writes its SQL by hand (the hot path); it must read the same values,
    # types included (SQLite keeps datetimes as text), as the ORM.
    token = launched["peer"]
    services.survey_save_draft(token=token, ratings={str(item_ids()[0]): 4})
    with transaction.atomic():
        rater = selectors.rater_for_token(token=token, lock=lock)
    expected = Rater.objects.select_related("request__cycle", "request__subject").get(pk=rater.pk)

    def fields(obj):
        return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}

    assert fields(rater) == fields(expected)
    assert fields(rater.request) == fields(expected.request)
    assert fields(rater.request.cycle) == fields(expected.request.cycle)
    assert rater.request.cycle.closes_at.tzinfo is not None
    assert rater.status == "started"
    if not lock:
        assert fields(rater.request.subject) == fields(expected.request.subject)


@pytest.mark.django_db
def test_opening_a_survey_not_yet_started_reads_no_answers(launched):
    token = launched["peer"]
    with CaptureQueriesContext(connection) as opened:
        survey = selectors.survey_for_rater(
            rater=selectors.rater_for_token(token=token), now=timezone.now()
        )
    assert survey["status"] == "invited"
    assert survey["answers"] == {"ratings": {}, "comments": {}}
    assert not [q for q in opened.captured_queries if "feedback_rating" in q["sql"]]
    # Once something is saved the answers are read back.
    services.survey_save_draft(token=token, ratings={str(item_ids()[0]): 2})
    survey = selectors.survey_for_rater(
        rater=selectors.rater_for_token(token=token), now=timezone.now()
    )
    assert survey["answers"]["ratings"] == {item_ids()[0]: 2}

"""Cycle states: draft -> open -> closed -> released, and every refusal."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import DomainError
from feedback import services
from feedback.models import Cycle, Framework
from tests.feedback.conftest import in_days


def refusal(call, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    return caught.value


@pytest.mark.django_db
def test_it_walks_a_cycle_through_every_state(draft_cycle):
    cycle = services.cycle_open(cycle=draft_cycle)
    assert (cycle.status, cycle.framework.version) == ("open", 1)
    assert cycle.opened_at is not None
    cycle = services.cycle_close(cycle=cycle)
    assert (cycle.status, cycle.closed_at is not None) == ("closed", True)
    cycle = services.cycle_reopen(cycle=cycle)
    assert (cycle.status, cycle.closed_at) == ("open", None)
    cycle = services.cycle_close(cycle=cycle)
    cycle = services.cycle_release(cycle=cycle)
    assert cycle.status == "released"
    assert Cycle.objects.get(pk=cycle.pk).released_at is not None


@pytest.mark.django_db
def test_it_pins_the_highest_questionnaire_version_when_opening(draft_cycle):
    v2 = services.framework_copy(framework=Framework.objects.get(version=1))
    assert (v2.version, v2.items.count(), v2.questions.count()) == (2, 30, 3)
    cycle = services.cycle_open(cycle=draft_cycle)
    assert cycle.framework == v2
    services.framework_copy(framework=v2)  # a later version does not move an open cycle
    assert Cycle.objects.get(pk=cycle.pk).framework == v2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setup", "action", "message"),
    [
        ([], "cycle_close", "Only an open cycle can be closed; this cycle is draft."),
        ([], "cycle_release", "Only a closed cycle can be released; this cycle is draft."),
        ([], "cycle_reopen", "Only a closed cycle can be reopened; this cycle is draft."),
        (["cycle_open"], "cycle_open", "Only a draft cycle can be opened; this cycle is open."),
        (
            ["cycle_open"],
            "cycle_release",
            "Only a closed cycle can be released; this cycle is open.",
        ),
        (
            ["cycle_open", "cycle_close"],
            "cycle_close",
            "Only an open cycle can be closed; this cycle is closed.",
        ),
        (
            ["cycle_open", "cycle_close", "cycle_release"],
            "cycle_open",
            "Only a draft cycle can be opened; this cycle is released.",
        ),
        (
            ["cycle_open", "cycle_close", "cycle_release"],
            "cycle_reopen",
            "A released cycle is final: its results never change, so it cannot reopen.",
        ),
    ],
)
def test_it_refuses_wrong_transitions_as_conflicts(draft_cycle, setup, action, message):
    cycle = draft_cycle
    for step in setup:
        cycle = getattr(services, step)(cycle=cycle)
    error = refusal(getattr(services, action), cycle=cycle)
    assert (error.code, error.detail) == ("conflict", message)


@pytest.mark.django_db
def test_it_refuses_to_reopen_once_results_were_read(open_cycle):
    cycle = services.cycle_close(cycle=open_cycle)
    read_at = timezone.make_aware(datetime.datetime(2026, 5, 4, 9, 30), datetime.UTC)
    Cycle.objects.filter(pk=cycle.pk).update(results_read_at=read_at)
    error = refusal(services.cycle_reopen, cycle=cycle)
    assert error.code == "conflict"
    assert error.detail == (
        "Results of this cycle were read on 4 May 2026, 09:30; "
        "reopening would change figures people have already seen."
    )
    assert Cycle.objects.get(pk=cycle.pk).status == "closed"


@pytest.mark.django_db
def test_it_reopens_with_a_new_closing_date_when_the_old_one_passed(open_cycle):
    cycle = services.cycle_close(cycle=open_cycle)
    Cycle.objects.filter(pk=cycle.pk).update(closes_at=in_days(-1))
    error = refusal(services.cycle_reopen, cycle=cycle)
    assert error.errors == {"closes_at": ["Must be in the future."]}
    cycle = services.cycle_reopen(cycle=cycle, closes_at=in_days(7))
    assert cycle.status == "open"


@pytest.mark.django_db
def test_it_refuses_to_open_a_cycle_whose_closing_date_passed(org):
    cycle = services.cycle_create(name="Late", closes_at=in_days(1))
    Cycle.objects.filter(pk=cycle.pk).update(closes_at=in_days(-1))  # a draft left too long
    cycle.refresh_from_db()
    error = refusal(services.cycle_open, cycle=cycle)
    assert (error.code, error.errors) == ("invalid", {"closes_at": ["Must be in the future."]})


@pytest.mark.django_db
def test_it_refuses_to_create_a_cycle_that_closes_in_the_past(org):
    error = refusal(services.cycle_create, name="Late", closes_at=in_days(-1))
    assert (error.code, error.errors) == ("invalid", {"closes_at": ["Must be in the future."]})


@pytest.mark.django_db
def test_it_validates_cycle_settings(org):
    error = refusal(
        services.cycle_create,
        name=" ",
        closes_at=in_days(3),
        min_anonymous_raters=1,
        gap_threshold=Decimal("0"),
        max_requests_per_rater=0,
    )
    assert error.errors == {
        "name": ["This field is required."],
        "min_anonymous_raters": ["Must be at least 2."],
        "gap_threshold": ["Must be greater than 0."],
        "max_requests_per_rater": ["Must be at least 1."],
    }

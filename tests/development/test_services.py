"""Development plans: the rules of the services and selectors (issue 16)."""

import pytest
from django.core import mail

from core.errors import DomainError
from development import selectors, services
from development.models import Action, Focus, Plan, PlanComment
from tests.development.conftest import FOCUS, in_days, released_report

pytestmark = pytest.mark.django_db


def test_it_creates_a_plan_with_focus_in_order_and_actions(org, report):
    plan = services.plan_create(
        subject=org["dev"],
        request_id=report.id,
        focus=FOCUS,
        actions=[
            {"text": "  Ask for feedback after each demo ", "due_date": in_days(0)},
            {"text": "Pair with a junior", "due_date": in_days(30)},
        ],
    )
    assert plan.request == report and plan.shared_at is None
    assert list(plan.focus.values_list("behaviour", "pole")) == [
        ("development", "leadership"),
        ("risk", "management"),
    ]
    assert list(plan.actions.values_list("text", flat=True)) == [
        "Ask for feedback after each demo",
        "Pair with a junior",
    ]


@pytest.mark.parametrize("count", [0, 4])
def test_it_refuses_fewer_than_one_or_more_than_three_focus_behaviours(org, count):
    pairs = [
        {"behaviour": b, "pole": p}
        for b in ("vision", "change", "risk")
        for p in ("leadership", "management")
    ][:count]
    with pytest.raises(DomainError) as refused:
        services.plan_create(subject=org["dev"], focus=pairs)
    assert refused.value.status == 400 and "focus" in refused.value.errors
    assert not Plan.objects.exists()


def test_it_refuses_the_same_pair_and_pole_twice_but_takes_both_poles_of_a_pair(org):
    twice = [{"behaviour": "vision", "pole": "leadership"}] * 2
    with pytest.raises(DomainError, match="chosen twice"):
        services.plan_create(subject=org["dev"], focus=twice)
    both = [
        {"behaviour": "vision", "pole": "leadership"},
        {"behaviour": "vision", "pole": "management"},
    ]
    assert services.plan_create(subject=org["dev"], focus=both).focus.count() == 2


@pytest.mark.parametrize(
    "entry",
    [
        {"behaviour": "charisma", "pole": "leadership"},
        {"behaviour": "vision", "pole": "middle"},
        "vision",
    ],
)
def test_it_refuses_words_outside_the_vocabulary(org, entry):
    with pytest.raises(DomainError):
        services.plan_create(subject=org["dev"], focus=[entry])


def test_it_refuses_a_new_action_due_in_the_past_or_years_away(org, plan):
    for due in (in_days(-1), in_days(4 * 366)):
        with pytest.raises(DomainError) as refused:
            services.action_add(plan=plan, user=org["dev"].user, text="Read a book", due_date=due)
        assert "due_date" in refused.value.errors
    assert plan.actions.count() == 1


@pytest.mark.parametrize("text", ["", "   ", "a\x00b", "line\nbreak", "\u202eevil", "x" * 301])
def test_it_refuses_action_text_against_the_text_rule(org, plan, text):
    with pytest.raises(DomainError) as refused:
        services.action_add(plan=plan, user=org["dev"].user, text=text, due_date=in_days(3))
    assert "text" in refused.value.errors


def test_a_comment_keeps_its_line_breaks_and_refuses_control_characters(org, plan):
    comment = services.comment_add(plan=plan, author=org["dev"], text="First\nSecond")
    assert comment.text == "First\nSecond"
    with pytest.raises(DomainError):
        services.comment_add(plan=plan, author=org["dev"], text="bad\x07bell")
    with pytest.raises(DomainError):
        services.comment_add(plan=plan, author=org["dev"], text="x" * 2001)


def test_a_plan_comes_only_from_the_subjects_own_released_report(org, report):
    someone_elses = released_report(org["peer"])
    with pytest.raises(DomainError) as refused:
        services.plan_create(subject=org["dev"], request_id=someone_elses.id, focus=FOCUS)
    missing = someone_elses.id + 1000
    with pytest.raises(DomainError) as refused_missing:
        services.plan_create(subject=org["dev"], request_id=missing, focus=FOCUS)
    # The same answer for someone else's report and a missing one.
    assert (
        refused.value.errors
        == refused_missing.value.errors
        == {"request": ["Not one of your released reports."]}
    )


def test_it_allows_one_plan_per_report(org, plan, report):
    with pytest.raises(DomainError) as refused:
        services.plan_create(subject=org["dev"], request_id=report.id, focus=FOCUS)
    assert refused.value.status == 409


def test_only_the_subject_changes_the_plan(org, plan):
    services.plan_share(plan=plan, user=org["dev"].user, shared=True)
    action = plan.actions.get()
    for attempt in (
        lambda: services.plan_focus_set(plan=plan, user=org["lead"].user, focus=FOCUS[:1]),
        lambda: services.action_add(
            plan=plan, user=org["lead"].user, text="x", due_date=in_days(1)
        ),
        lambda: services.action_update(action=action, user=org["lead"].user, done=True),
        lambda: services.plan_share(plan=plan, user=org["lead"].user, shared=False),
        lambda: services.plan_delete(plan=plan, user=org["lead"].user),
    ):
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.status == 403
    assert Focus.objects.filter(plan=plan).count() == 2
    assert Action.objects.get().done_at is None


def test_it_is_private_until_shared_then_seen_by_the_managers_in_the_line_only(org, plan):
    def readers():
        return {
            name
            for name in ("dev", "lead", "vp", "ceo", "peer", "hr", "outsider")
            if org[name].user_id
            and selectors.plans_visible_to(user=org[name].user).filter(pk=plan.pk).exists()
        }

    assert readers() == {"dev"}
    services.plan_share(plan=plan, user=org["dev"].user, shared=True)
    # HR (who reports to the CEO, outside dev's line upwards) never reads it.
    assert readers() == {"dev", "lead", "vp", "ceo"}
    services.plan_share(plan=plan, user=org["dev"].user, shared=False)
    assert readers() == {"dev"}


def test_hr_counts_people_with_a_plan_and_those_sharing_one(org, plan):
    assert selectors.plan_counts() == {"people_with_plan": 1, "people_sharing_plan": 0}
    services.plan_create(subject=org["dev"], focus=FOCUS[:1])  # a second plan, same person
    services.plan_share(plan=plan, user=org["dev"].user, shared=True)
    services.plan_create(subject=org["lead"], focus=FOCUS[:1])
    assert selectors.plan_counts() == {"people_with_plan": 2, "people_sharing_plan": 1}


def test_the_next_cycles_report_shows_the_focus_of_the_latest_earlier_plan(org, plan, report):
    import datetime

    later = released_report(
        org["dev"], created_at=report.cycle.created_at + datetime.timedelta(days=180)
    )
    user = org["dev"].user
    expected = [("development", "leadership"), ("risk", "management")]
    assert selectors.report_focus(user=user, feedback_request=later) == expected
    assert selectors.report_focus(user=user, feedback_request=report) == expected
    # A plan made from the later report does not reorder the earlier one.
    services.plan_create(subject=org["dev"], request_id=later.id, focus=[FOCUS[1]])
    assert selectors.report_focus(user=user, feedback_request=later) == [("risk", "management")]
    assert selectors.report_focus(user=user, feedback_request=report) == expected
    # The manager sees the focus only once the plan is shared; HR never.
    assert selectors.report_focus(user=org["lead"].user, feedback_request=report) == []
    services.plan_share(plan=plan, user=user, shared=True)
    assert selectors.report_focus(user=org["lead"].user, feedback_request=report) == expected
    assert selectors.report_focus(user=org["hr"].user, feedback_request=report) == []


def test_a_checkin_goes_out_once_per_action_and_due_date(org, plan, settings):
    settings.PLAN_CHECKIN_DAYS_BEFORE = 3
    action = plan.actions.get()  # due in 10 days: not yet
    mail.outbox.clear()
    assert services.checkins_queue() == 0
    assert services.checkins_queue(today=in_days(7)) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [org["dev"].email]
    assert "Coach one junior a week" in mail.outbox[0].body
    assert f"/plans/{plan.pk}/" in mail.outbox[0].body
    # Beat again, that day and once overdue: the same due date, no second email.
    assert services.checkins_queue(today=in_days(7)) == 0
    assert services.checkins_queue(today=in_days(12)) == 0
    assert len(mail.outbox) == 1
    # A new date may bring one more; a done action none.
    services.action_update(action=action, user=org["dev"].user, due_date=in_days(20))
    services.checkins_queue(today=in_days(19))
    assert len(mail.outbox) == 2
    other = services.action_add(
        plan=plan, user=org["dev"].user, text="Done early", due_date=in_days(2)
    )
    services.action_update(action=other, user=org["dev"].user, done=True)
    assert services.checkins_queue(today=in_days(2)) == 0
    assert len(mail.outbox) == 2


def test_a_failed_checkin_email_claims_nothing(org, plan, settings):
    settings.PLAN_CHECKIN_DAYS_BEFORE = 30

    def broken(person, actions, today):
        raise OSError("mail server down")

    with pytest.raises(OSError):
        services.checkin_send(subject_id=org["dev"].pk, send=broken)
    assert Action.objects.get().reminded_for is None
    sent = []
    assert services.checkin_send(subject_id=org["dev"].pk, send=lambda *a: sent.append(a)) == 1
    assert Action.objects.get().reminded_for == Action.objects.get().due_date


def test_the_persons_export_holds_their_plan_and_erasure_deletes_it(org, plan):
    from privacy.services import person_data_export, person_erase

    services.plan_share(plan=plan, user=org["dev"].user, shared=True)
    services.comment_add(plan=plan, author=org["lead"], text="Happy to help with this.")
    other = services.plan_create(subject=org["peer"], focus=FOCUS[:1])
    services.comment_add(plan=other, author=org["dev"], text="Words by dev on another plan")

    export = person_data_export(person=org["dev"])
    [exported] = export["development_plans"]
    assert [f["behaviour"] for f in exported["focus"]] == ["development", "risk"]
    assert exported["actions"][0]["text"] == "Coach one junior a week"
    assert exported["comments"][0] == {
        "author": "Lena Lead",
        "text": "Happy to help with this.",
        "at": exported["comments"][0]["at"],
    }

    person_erase(person=org["dev"], actor=org["hr"].user)
    assert not Plan.objects.filter(subject=org["dev"]).exists()
    assert not Action.objects.exists()
    # Their words on someone else's plan go too; that plan stays.
    assert Plan.objects.filter(pk=other.pk).exists()
    assert not PlanComment.objects.filter(text__contains="Words by dev").exists()


def test_no_checkin_goes_to_someone_who_left_and_hr_no_longer_counts_them(org, plan, settings):
    from django.utils import timezone

    from accounts.models import Person

    settings.PLAN_CHECKIN_DAYS_BEFORE = 30
    Person.objects.filter(pk=org["dev"].pk).update(deactivated_at=timezone.now())
    mail.outbox.clear()
    assert services.checkins_queue() == 0
    assert mail.outbox == []
    assert selectors.plan_counts() == {"people_with_plan": 0, "people_sharing_plan": 0}

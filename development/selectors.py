"""Reads of development plans: who sees which plan, what HR may count, what the report
page shows first and what a check-in is due for."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Prefetch, Q, QuerySet

from accounts.models import Person
from accounts.selectors import person_active_q, person_for_user, person_line
from development.models import Action, Focus, Plan, PlanComment
from feedback.models import FeedbackRequest
from feedback.vocabulary import focus_label as vocabulary_focus_label


def plans_visible_to(*, user) -> QuerySet[Plan]:
    """The reader's own plans, and the plans shared with them: a person in their line
    (any level below them) who shares a plan shares it with the managers who read their
    report. HR as HR sees none (only counts, ``plan_counts``)."""
    person = person_for_user(user)
    if person is None:
        return Plan.objects.none()
    return Plan.objects.filter(
        Q(subject=person)
        | Q(
            shared_at__isnull=False,
            subject__in=person_line(manager_id=person.id).values("id"),
        ),
        subject__erased_at__isnull=True,
    ).select_related("subject", "request__cycle")


def plans_with_details(plans: QuerySet[Plan]) -> QuerySet[Plan]:
    """Focus, actions and comments (with their authors) in three more queries, whatever
    the number of plans."""
    return plans.prefetch_related(
        "focus",
        "actions",
        Prefetch("comments", queryset=PlanComment.objects.select_related("author")),
    )


def plan_is_own(*, plan: Plan, user) -> bool:
    return plan.subject.user_id is not None and plan.subject.user_id == user.id


def reports_to_plan_from(*, person: Person) -> QuerySet[FeedbackRequest]:
    """The subject's own released reports: a plan is made from one of them."""
    return (
        FeedbackRequest.objects.filter(subject=person, cycle__status="released")
        .select_related("cycle")
        .order_by("-cycle__created_at", "-id")
    )


def plan_counts() -> dict[str, int]:
    """What HR may know: how many people have a plan, and how many share one. Never a word
    of any plan. One query."""
    # People who are here (neither erased nor deactivated: the one active rule).
    return Person.objects.filter(person_active_q()).aggregate(
        people_with_plan=Count("id", filter=Q(development_plans__isnull=False), distinct=True),
        people_sharing_plan=Count(
            "id", filter=Q(development_plans__shared_at__isnull=False), distinct=True
        ),
    )


def focus_label(behaviour: str, pole: str) -> str:
    """'Vision: Visionary (leadership)', from the one vocabulary."""
    return vocabulary_focus_label(behaviour, pole)


def report_focus(*, user, feedback_request: FeedbackRequest) -> list[tuple[str, str]]:
    """The focus behaviours (behaviour, pole) to show first on this report, in the plan's
    order: those of the subject's latest plan made from this report or an earlier cycle's
    (the next cycle's report shows the last plan's focus). Only for a reader who may see
    that plan (the subject, or a manager in their line once shared); empty otherwise, so
    the report reveals nothing of a plan its reader may not see."""
    plans = plans_visible_to(user=user).filter(subject_id=feedback_request.subject_id)
    cycle = feedback_request.cycle
    # A plan made from a later cycle's report does not reorder an earlier report.
    plans = plans.filter(
        Q(request__isnull=True) | Q(request__cycle__created_at__lte=cycle.created_at)
    )
    plan = plans.order_by("-created_at", "-id").first()
    if plan is None:
        return []
    return list(Focus.objects.filter(plan=plan).values_list("behaviour", "pole"))


def actions_due_checkin(*, today: datetime.date, days_before: int) -> QuerySet[Action]:
    """Actions not done whose due date is within ``days_before`` days or past, whose
    check-in for this due date has not gone out, of a subject who is still here (neither
    erased nor deactivated: someone who left gets no email)."""
    return Action.objects.filter(
        Q(reminded_for__isnull=True) | ~Q(reminded_for=F("due_date")),
        person_active_q("plan__subject__"),
        done_at__isnull=True,
        due_date__lte=today + datetime.timedelta(days=days_before),
    )


def plan_export(*, person: Person) -> list[dict]:
    """The person's plans for their own data export (privacy), with every word."""
    plans = plans_with_details(
        Plan.objects.filter(subject=person).select_related("request__cycle").order_by("id")
    )
    return [
        {
            "created_at": plan.created_at.isoformat(),
            "from_cycle": plan.request.cycle.name if plan.request_id else None,
            "shared_at": plan.shared_at.isoformat() if plan.shared_at else None,
            "focus": [{"behaviour": f.behaviour, "pole": f.pole} for f in plan.focus.all()],
            "actions": [
                {
                    "text": a.text,
                    "due_date": a.due_date.isoformat(),
                    "done_at": a.done_at.isoformat() if a.done_at else None,
                }
                for a in plan.actions.all()
            ],
            "comments": [
                {
                    "author": "you" if c.author_id == person.id else c.author.name,
                    "text": c.text,
                    "at": c.created_at.isoformat(),
                }
                for c in plan.comments.all()
            ],
        }
        for plan in plans
    ]

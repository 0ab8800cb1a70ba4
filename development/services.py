"""Writes to development plans. Every input is checked here (core.validation's text rule,
the vocabulary, dates), so the API and the pages refuse the same things in the same words.

Who may do what: the subject writes their plan (focus, actions, sharing); the subject and
the managers the plan is shared with comment. Callers find the plan through
``selectors.plans_visible_to`` first (anything else is a 404); these services refuse a
reader who may see a plan but not change it (403).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Person
from core.errors import DomainError
from core.validation import text_clean
from development import selectors, tasks
from development.models import (
    ACTION_TEXT_MAX_LENGTH,
    ACTIONS_MAX,
    COMMENT_TEXT_MAX_LENGTH,
    COMMENTS_MAX,
    FOCUS_MAX,
    FOCUS_MIN,
    Action,
    Focus,
    Plan,
    PlanComment,
)
from feedback.vocabulary import BEHAVIOURS, POLES

# A due date further out than this is a typing slip (year 2062), not a plan.
DUE_DATE_MAX_DAYS = 3 * 366


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(f"{field}: {message}", errors={field: [message]})


def _require_own(plan: Plan, user) -> None:
    if not selectors.plan_is_own(plan=plan, user=user):
        raise DomainError(
            _("Only the person whose plan this is can change it; you may comment."),
            code="forbidden",
        )


def focus_clean(focus) -> list[tuple[str, str]]:
    """1 to 3 (behaviour, pole) pairs from ``[{"behaviour", "pole"}]``, each pair and pole
    once, in the order given."""
    if not isinstance(focus, list | tuple):
        raise _invalid("focus", _("Must be a list of {behaviour, pole}."))
    if not FOCUS_MIN <= len(focus) <= FOCUS_MAX:
        raise _invalid(
            "focus",
            _("Choose %(min)s to %(max)s focus behaviours (%(given)s given).")
            % {"min": FOCUS_MIN, "max": FOCUS_MAX, "given": len(focus)},
        )
    cleaned: list[tuple[str, str]] = []
    for entry in focus:
        if not isinstance(entry, dict):
            raise _invalid("focus", _("Each focus behaviour is {behaviour, pole}."))
        behaviour, pole = entry.get("behaviour"), entry.get("pole")
        if behaviour not in BEHAVIOURS:
            raise _invalid(
                "focus", _("Behaviour must be one of %(slugs)s.") % {"slugs": ", ".join(BEHAVIOURS)}
            )
        if pole not in POLES:
            raise _invalid(
                "focus", _("Pole must be one of %(slugs)s.") % {"slugs": ", ".join(POLES)}
            )
        if (behaviour, pole) in cleaned:
            raise _invalid(
                "focus",
                _("%(behaviour)s (%(pole)s) is chosen twice.")
                % {"behaviour": behaviour, "pole": pole},
            )
        cleaned.append((behaviour, pole))
    return cleaned


def due_date_clean(value, *, today: datetime.date, field: str = "due_date") -> datetime.date:
    """A date from today on, within three years."""
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise _invalid(field, _("Must be a date (YYYY-MM-DD)."))
    if value < today:
        raise _invalid(
            field, _("Must be today (%(today)s) or later.") % {"today": today.isoformat()}
        )
    if value > today + datetime.timedelta(days=DUE_DATE_MAX_DAYS):
        raise _invalid(field, _("Must be within three years."))
    return value


def _action_text(value) -> str:
    return text_clean(value, field="text", max_length=ACTION_TEXT_MAX_LENGTH, required=True)


def _today() -> datetime.date:
    return timezone.localdate()


def plan_create(
    *,
    subject: Person,
    focus,
    actions=(),
    request_id: int | None = None,
    today: datetime.date | None = None,
) -> Plan:
    """A new plan of ``subject``, made from one of their released reports (``request_id``)
    or from none. One plan per report: a second is a conflict (409)."""
    today = today or _today()
    pairs = focus_clean(focus)
    if not isinstance(actions, list | tuple) or len(actions) > ACTIONS_MAX:
        raise _invalid("actions", _("At most %(max)s actions.") % {"max": ACTIONS_MAX})
    cleaned_actions = []
    for entry in actions:
        if not isinstance(entry, dict):
            raise _invalid("actions", _("Each action is {text, due_date}."))
        cleaned_actions.append(
            (_action_text(entry.get("text")), due_date_clean(entry.get("due_date"), today=today))
        )
    request = None
    if request_id is not None:
        # Someone else's report and a missing one read the same: nothing confirms an id.
        request = selectors.reports_to_plan_from(person=subject).filter(pk=request_id).first()
        if request is None:
            raise _invalid("request", _("Not one of your released reports."))
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=subject.pk).first()
        if request is not None and Plan.objects.filter(subject=subject, request=request).exists():
            raise DomainError(
                _("You already have a plan from this report: change that one."), code="conflict"
            )
        plan = Plan.objects.create(subject=subject, request=request)
        Focus.objects.bulk_create(
            Focus(plan=plan, behaviour=b, pole=p, position=i) for i, (b, p) in enumerate(pairs)
        )
        Action.objects.bulk_create(
            Action(plan=plan, text=text, due_date=due) for text, due in cleaned_actions
        )
    return plan


def plan_focus_set(*, plan: Plan, user, focus) -> Plan:
    """Replace the plan's focus behaviours (1 to 3)."""
    _require_own(plan, user)
    pairs = focus_clean(focus)
    with transaction.atomic():
        Plan.objects.select_for_update().filter(pk=plan.pk).first()
        Focus.objects.filter(plan=plan).delete()
        Focus.objects.bulk_create(
            Focus(plan=plan, behaviour=b, pole=p, position=i) for i, (b, p) in enumerate(pairs)
        )
        Plan.objects.filter(pk=plan.pk).update(updated_at=timezone.now())
    return plan


def action_add(*, plan: Plan, user, text, due_date, today: datetime.date | None = None) -> Action:
    _require_own(plan, user)
    today = today or _today()
    text = _action_text(text)
    due_date = due_date_clean(due_date, today=today)
    with transaction.atomic():
        # The lock makes the count and the insert one step: two adds cannot pass 20.
        Plan.objects.select_for_update().filter(pk=plan.pk).first()
        if Action.objects.filter(plan=plan).count() >= ACTIONS_MAX:
            raise DomainError(
                _("A plan holds at most %(max)s actions.") % {"max": ACTIONS_MAX}, code="conflict"
            )
        return Action.objects.create(plan=plan, text=text, due_date=due_date)


def action_update(
    *,
    action: Action,
    user,
    text=None,
    due_date=None,
    done: bool | None = None,
    today: datetime.date | None = None,
) -> Action:
    """Change an action's words, move its date (never into the past) or mark it done or
    not done. A moved date may get its own check-in email."""
    _require_own(action.plan, user)
    today = today or _today()
    fields = []
    if text is not None:
        action.text = _action_text(text)
        fields.append("text")
    if due_date is not None and due_date != action.due_date:
        action.due_date = due_date_clean(due_date, today=today)
        fields.append("due_date")
    if done is not None:
        if not isinstance(done, bool):
            raise _invalid("done", _("Must be true or false."))
        if done and action.done_at is None:
            action.done_at = timezone.now()
            fields.append("done_at")
        elif not done and action.done_at is not None:
            action.done_at = None
            fields.append("done_at")
    if fields:
        action.save(update_fields=fields)
    return action


def action_delete(*, action: Action, user) -> None:
    _require_own(action.plan, user)
    action.delete()


def plan_share(*, plan: Plan, user, shared: bool) -> Plan:
    """Share the plan with the managers in whose line the subject is, or stop sharing
    (their comments stay, hidden from them until it is shared again)."""
    _require_own(plan, user)
    if not isinstance(shared, bool):
        raise _invalid("shared", _("Must be true or false."))
    if shared and plan.shared_at is None:
        plan.shared_at = timezone.now()
    elif not shared:
        plan.shared_at = None
    plan.save(update_fields=["shared_at", "updated_at"])
    return plan


def plan_delete(*, plan: Plan, user) -> None:
    _require_own(plan, user)
    plan.delete()


def comment_add(*, plan: Plan, author: Person | None, text) -> PlanComment:
    """A comment by the subject or by a manager the plan is shared with (the caller found
    the plan among those the author may see)."""
    if author is None:
        raise DomainError(_("Only people in the directory can comment."), code="forbidden")
    text = text_clean(
        text, field="text", multiline=True, max_length=COMMENT_TEXT_MAX_LENGTH, required=True
    )
    with transaction.atomic():
        Plan.objects.select_for_update().filter(pk=plan.pk).first()
        if PlanComment.objects.filter(plan=plan).count() >= COMMENTS_MAX:
            raise DomainError(
                _("A plan holds at most %(max)s comments.") % {"max": COMMENTS_MAX}, code="conflict"
            )
        return PlanComment.objects.create(plan=plan, author=author, text=text)


def plans_erase(*, person: Person) -> int:
    """Erasure (privacy.services.person_erase): the person's plans with every word in
    them, and every comment they wrote on anyone's plan. Returns the plans deleted."""
    PlanComment.objects.filter(author=person).delete()
    deleted, by_model = Plan.objects.filter(subject=person).delete()
    return by_model.get(Plan._meta.label, 0)


# --- check-ins -------------------------------------------------------------------------


def checkins_queue(*, today: datetime.date | None = None) -> int:
    """One check-in task per subject with an action due soon or overdue; beat calls this."""
    today = today or _today()
    due = selectors.actions_due_checkin(today=today, days_before=settings.PLAN_CHECKIN_DAYS_BEFORE)
    subject_ids = sorted(set(due.values_list("plan__subject_id", flat=True)))
    for subject_id in subject_ids:
        tasks.send_checkin.delay(subject_id, today.isoformat())
    return len(subject_ids)


def checkin_send(*, subject_id: int, send, today: datetime.date | None = None) -> int:
    """Call ``send(person, actions, today)`` once with the subject's actions whose check-in
    is due, and record each action's due date as reminded: at most one email per action
    per due date.

    The claim: the due actions are locked (SELECT ... FOR UPDATE), so a second run (two
    beat sweeps, a redelivered task) waits, then PostgreSQL re-checks the condition on the
    rows the first run committed and finds nothing due. The claim commits only with a
    successful send: a failed send rolls it back and the retry tries again.
    """
    today = today or _today()
    with transaction.atomic():
        actions = list(
            selectors.actions_due_checkin(
                today=today, days_before=settings.PLAN_CHECKIN_DAYS_BEFORE
            )
            .filter(plan__subject_id=subject_id)
            .select_for_update(of=("self",))
            .select_related("plan")
            .order_by("due_date", "id")
        )
        if not actions:
            return 0
        claimed = (
            Action.objects.filter(pk__in=[a.pk for a in actions], done_at__isnull=True)
            .filter(Q(reminded_for__isnull=True) | ~Q(reminded_for=F("due_date")))
            .update(reminded_for=F("due_date"))
        )
        if claimed != len(actions):
            # Changed between the read and the claim (cannot happen under the lock, but a
            # partial claim must never send a partial email).
            transaction.set_rollback(True)
            return 0
        person = Person.objects.get(pk=subject_id)
        send(person, actions, today)
    return len(actions)

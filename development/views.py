"""The plan pages: the subject writes their plan from their report, shares it, checks
actions off; a manager the plan is shared with reads it and comments.

Thin: the API's services and selectors decide everything (development/api.py). A refused
input re-shows the page with the service's message and what was typed (400); a plan out
of the reader's reach is a 404, as in the API. No JavaScript.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.selectors import person_for_user
from core.errors import DomainError
from core.validation import int_strict, query_int
from development import selectors, services
from development.models import ACTION_TEXT_MAX_LENGTH, COMMENT_TEXT_MAX_LENGTH, FOCUS_MAX
from feedback.vocabulary import BEHAVIOURS, POLES

NEW_ACTION_ROWS = 3


def _focus_choices() -> list[tuple[str, str]]:
    # Per request: the labels are in the reader's language.
    return [
        (f"{behaviour}:{pole}", selectors.focus_label(behaviour, pole))
        for behaviour in BEHAVIOURS
        for pole in POLES
    ]


def _focus_from_post(post) -> list[dict]:
    """The ticked boxes as the service's [{behaviour, pole}]; the service checks them."""
    focus = []
    for value in post.getlist("focus")[: FOCUS_MAX * 4]:
        behaviour, _colon, pole = str(value).partition(":")
        focus.append({"behaviour": behaviour, "pole": pole})
    return focus


def _date_from_post(value: str, *, field: str = "due_date") -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError(
            _("%(field)s: must be a date (YYYY-MM-DD).") % {"field": field},
            errors={field: [_("Must be a date (YYYY-MM-DD).")]},
        ) from None


def _plan_or_404(request, pk: int):
    return get_object_or_404(
        selectors.plans_with_details(selectors.plans_visible_to(user=request.user)), pk=pk
    )


@login_required
def plan_list(request):
    """The reader's own plans and the plans people in their line share with them."""
    person = person_for_user(request.user)
    plans = list(
        selectors.plans_with_details(selectors.plans_visible_to(user=request.user)).order_by(
            "-created_at", "-id"
        )
    )
    own = [p for p in plans if person is not None and p.subject_id == person.pk]
    shared = [p for p in plans if person is None or p.subject_id != person.pk]
    reports = list(selectors.reports_to_plan_from(person=person)) if person else []
    planned = {p.request_id for p in own}
    context = {
        "own": own,
        "shared": shared,
        "reports_without_plan": [r for r in reports if r.id not in planned],
        "me": person,
    }
    return render(request, "development/plan_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request):
    person = person_for_user(request.user)
    if person is None:
        raise Http404
    reports = list(selectors.reports_to_plan_from(person=person))
    chosen_request = query_int(request.GET, "request")
    chosen = {"request": chosen_request, "focus": [], "actions": [("", "")] * NEW_ACTION_ROWS}
    error, errors, status = "", {}, 200
    if request.method == "POST":
        texts = request.POST.getlist("action_text")[:NEW_ACTION_ROWS]
        dates = request.POST.getlist("action_due")[:NEW_ACTION_ROWS]
        rows = list(zip(texts, dates, strict=False))
        chosen = {
            "request": _posted_id(request.POST, "request"),
            "focus": request.POST.getlist("focus"),
            "actions": rows + [("", "")] * (NEW_ACTION_ROWS - len(rows)),
        }
        try:
            actions = [
                {"text": text, "due_date": _date_from_post(due)}
                for text, due in rows
                if str(text).strip() or str(due).strip()
            ]
            plan = services.plan_create(
                subject=person,
                request_id=chosen["request"],
                focus=_focus_from_post(request.POST),
                actions=actions,
            )
        except DomainError as exc:
            error, errors, status = exc.detail, exc.errors, exc.status
        else:
            messages.success(
                request, _("Your plan is saved. Only you can see it until you share it.")
            )
            return redirect("plan_detail", pk=plan.pk)
    context = {
        "reports": reports,
        "chosen": chosen,
        "focus_choices": _focus_choices(),
        "focus_max": FOCUS_MAX,
        "error": error,
        "errors": errors,
        "today": timezone.localdate().isoformat(),
        "text_max": ACTION_TEXT_MAX_LENGTH,
    }
    return render(request, "development/plan_new.html", context, status=status)


def _posted_id(post, name: str) -> int | None:
    try:
        return int_strict(post.get(name, ""), minimum=1)
    except ValueError:
        return None


@login_required
def plan_detail(request, pk: int):
    plan = _plan_or_404(request, pk)
    return _detail(request, plan)


def _detail(request, plan, *, error: str = "", errors=None, status: int = 200, typed=None):
    is_own = selectors.plan_is_own(plan=plan, user=request.user)
    chosen_focus = [f"{f.behaviour}:{f.pole}" for f in plan.focus.all()]
    context = {
        "plan": plan,
        "is_own": is_own,
        "focus": [{"label": selectors.focus_label(f.behaviour, f.pole)} for f in plan.focus.all()],
        "focus_choices": _focus_choices(),
        "chosen_focus": (typed or {}).get("focus", chosen_focus),
        "focus_max": FOCUS_MAX,
        "today": timezone.localdate(),
        "error": error,
        "errors": errors or {},
        "typed": typed or {},
        "text_max": ACTION_TEXT_MAX_LENGTH,
        "comment_max": COMMENT_TEXT_MAX_LENGTH,
    }
    return render(request, "development/plan_detail.html", context, status=status)


def _act(request, pk: int, do, *, success: str, typed=None, anchor: str = ""):
    """Run one service on the plan; a refusal re-shows the plan with the message."""
    plan = _plan_or_404(request, pk)
    try:
        do(plan)
    except DomainError as exc:
        return _detail(
            request, plan, error=exc.detail, errors=exc.errors, status=exc.status, typed=typed
        )
    messages.success(request, success)
    return redirect(reverse("plan_detail", args=[plan.pk]) + anchor)


@login_required
@require_POST
def plan_focus(request, pk: int):
    return _act(
        request,
        pk,
        lambda plan: services.plan_focus_set(
            plan=plan, user=request.user, focus=_focus_from_post(request.POST)
        ),
        success=_("Focus behaviours saved."),
        typed={"focus": request.POST.getlist("focus")},
        anchor="#focus-title",
    )


@login_required
@require_POST
def plan_action_add(request, pk: int):
    text, due = request.POST.get("text", ""), request.POST.get("due_date", "")
    return _act(
        request,
        pk,
        lambda plan: services.action_add(
            plan=plan, user=request.user, text=text, due_date=_date_from_post(due)
        ),
        success=_("Action added."),
        typed={"text": text, "due_date": due},
        anchor="#actions-title",
    )


@login_required
@require_POST
def plan_action(request, pk: int, action_id: int):
    """One action: done, not done, a new date, or deleted (the button pressed says which)."""
    operation = request.POST.get("do", "")
    if operation not in ("done", "undone", "date", "delete"):
        operation = "invalid"

    def do(plan):
        action = plan.actions.filter(pk=action_id).first()
        if action is None:
            raise Http404
        if operation == "delete":
            services.action_delete(action=action, user=request.user)
        elif operation == "date":
            services.action_update(
                action=action,
                user=request.user,
                due_date=_date_from_post(request.POST.get("due_date", "")),
            )
        elif operation == "invalid":
            raise DomainError(_("Choose done, not done, a new date or delete."))
        else:
            services.action_update(action=action, user=request.user, done=operation == "done")

    words = {
        "done": _("Marked done."),
        "undone": _("Marked not done."),
        "date": _("New date saved."),
        "delete": _("Action deleted."),
    }
    return _act(request, pk, do, success=words.get(operation, ""), anchor="#actions-title")


@login_required
@require_POST
def plan_share(request, pk: int):
    shared = request.POST.get("shared") == "1"
    return _act(
        request,
        pk,
        lambda plan: services.plan_share(plan=plan, user=request.user, shared=shared),
        success=(
            _("Shared: your managers can now read your plan and comment.")
            if shared
            else _("No longer shared: only you can read your plan.")
        ),
    )


@login_required
@require_POST
def plan_comment(request, pk: int):
    text = request.POST.get("text", "")
    return _act(
        request,
        pk,
        lambda plan: services.comment_add(
            plan=plan, author=person_for_user(request.user), text=text
        ),
        success=_("Comment added."),
        typed={"comment": text},
        anchor="#comments-title",
    )

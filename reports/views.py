"""Dashboards: the subject's report, the manager's page and HR's page.

Thin: the same selectors and services as the API decide who sees what, and anything out
of the reader's reach is a 404, as in the API.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts.selectors import person_for_user, person_has_reports, user_is_hr
from core.errors import DomainError
from core.validation import query_int
from feedback import selectors as feedback_selectors
from feedback import services as feedback_services
from feedback.models import Cycle, FeedbackRequest, Relationship
from reports import charts, presentation, selectors, services

RELATIONSHIPS = [(value, label) for value, label in Relationship.choices]


def _require_hr(request):
    if not user_is_hr(request.user):
        raise Http404


@login_required
def my_reports(request):
    """The reader's own feedback, one line per cycle, with who was asked (never who
    answered) and the nominations that wait for the reader's approval."""
    person = person_for_user(request.user)
    own = (
        FeedbackRequest.objects.filter(subject=person).select_related("cycle")
        if person
        else FeedbackRequest.objects.none()
    )
    own = list(own.order_by("-cycle__created_at"))
    asked = feedback_selectors.raters_asked_for_subject(request_ids=[r.id for r in own])
    decidable = set(
        feedback_selectors.approvals_waiting_for(user=request.user)
        .filter(request__subject=person)
        .values_list("id", flat=True)
    )
    labels = dict(Relationship.choices)
    for feedback_request in own:
        groups: dict[str, list[dict]] = {}
        for rater in asked[feedback_request.id]:
            rater["yours_to_decide"] = rater["id"] in decidable
            groups.setdefault(labels[rater["relationship"]], []).append(rater)
        feedback_request.asked_groups = list(groups.items())
        feedback_request.to_decide = sum(
            1 for rater in asked[feedback_request.id] if rater["yours_to_decide"]
        )
    return render(request, "reports/my_reports.html", {"own": own})


@login_required
@require_POST
def approval_decide(request, rater_id: int, decision: str):
    """Approve or decline a nomination from the subject's page or HR's page."""
    services_by_decision = {
        "approve": feedback_services.rater_approve,
        "reject": feedback_services.rater_reject,
    }
    if decision not in services_by_decision:
        raise Http404
    rater = get_object_or_404(
        feedback_selectors.raters_in_approval_reach(user=request.user), pk=rater_id
    )
    try:
        services_by_decision[decision](rater=rater, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        if decision == "approve":
            messages.success(
                request,
                f"{rater.email} approved: they receive their survey link once the request "
                "is launched (at once if it already is).",
            )
        else:
            messages.success(request, f"{rater.email} declined: they will not be contacted.")
    back = "reports_hr" if request.POST.get("next") == "hr" and user_is_hr(request.user) else None
    return redirect(reverse(back or "reports_mine") + "#approvals")


@login_required
def report(request, pk: int):
    feedback_request = get_object_or_404(
        selectors.requests_with_results_visible_to(user=request.user), pk=pk
    )
    try:
        document = services.results_read(request=feedback_request, user=request.user)
    except DomainError as exc:
        return render(
            request,
            "reports/report_unavailable.html",
            {"feedback_request": feedback_request, "reason": exc.detail},
            status=exc.status,
        )
    context = presentation.report_context(document)
    context["is_own"] = feedback_request.subject.user_id == request.user.id
    return render(request, "reports/report.html", context)


def _team_view(*, user, cycle: Cycle | None, page_number) -> dict | None:
    """The team heatmap of one readable cycle, paginated, or None. Showing it is a read
    of the cycle's results, under the same rules and with the same mark as the API."""
    if cycle is None:
        return None
    cycle = services.cycle_results_opened(
        cycle=cycle, hr=user_is_hr(user), refused="Team reports cannot be read"
    )
    requests = selectors.team_report_requests(user=user, cycle_id=cycle.id, team=None)
    # Rows are listed subjects; the means cover every request (erased subjects' share too).
    listed = feedback_selectors.requests_listed(requests)
    page = Paginator(listed.values_list("id", flat=True), 50).get_page(page_number)
    subjects = selectors.team_report_subjects(cycle_id=cycle.id, requests=list(page))
    for subject in subjects:
        for behaviour in subject["behaviours"]:
            behaviour["name"] = presentation.behaviour_name(behaviour["behaviour"])
            for pole in ("leadership", "management"):
                figure = behaviour[pole]
                behaviour[f"{pole}_colour"] = charts.heat_colour(figure and figure["score"])
    figures = selectors.team_figures(requests=requests)
    for behaviour in figures["behaviours"]:
        behaviour["name"] = presentation.behaviour_name(behaviour["behaviour"])
    return {"cycle": cycle, "page": page, "subjects": subjects, "figures": figures}


@login_required
def manager_dashboard(request):
    person = person_for_user(request.user)
    is_manager = bool(person and person_has_reports(person_id=person.id))
    followed = selectors.requests_followed_by(user=request.user)
    if not is_manager and not followed.exists():
        raise Http404
    open_requests = list(followed.exclude(cycle__status=Cycle.Status.RELEASED)[:100])
    progress = selectors.progress_by_request(request_ids=[r.id for r in open_requests])
    # Reminders and retries are the requester's: only their own open requests get buttons.
    own_open = [
        r.id
        for r in open_requests
        if r.requested_by_id == request.user.id and r.cycle.status == Cycle.Status.OPEN
    ]
    now = timezone.now()
    outlook = feedback_selectors.reminder_outlook(
        request_ids=own_open, presser=request.user, now=now
    )
    failed = defaultdict(list)
    for rater in feedback_selectors.raters_delivery_failed(request_ids=own_open):
        failed[rater.request_id].append(rater)
    for feedback_request in open_requests:
        counts = progress.get(feedback_request.id, {})
        feedback_request.progress_rows = [
            (label, counts[value]) for value, label in RELATIONSHIPS if value in counts
        ]
        feedback_request.failed_count = sum(c["failed"] for c in counts.values())
        feedback_request.can_manage = feedback_request.id in own_open
        feedback_request.remind = _remind_outlook(
            outlook.get(feedback_request.id, services.NOTHING_TO_REMIND), now=now
        )
        feedback_request.failed_raters = failed[feedback_request.id]
    released = feedback_selectors.requests_listed(
        followed.filter(cycle__status=Cycle.Status.RELEASED).exclude(subject=person)
    )
    # Released cycles are in every manager's reach (feedback.selectors.cycles_in_reach).
    released_cycles = Cycle.objects.filter(status=Cycle.Status.RELEASED)
    cycle = None
    if is_manager:
        cycle_id = query_int(request.GET, "cycle")
        cycle = released_cycles.filter(pk=cycle_id).first() if cycle_id else None
        cycle = cycle or released_cycles.first()
    context = {
        "open_requests": open_requests,
        "released": released[:100],
        "released_cycles": released_cycles if is_manager else [],
        "team": _team_view(user=request.user, cycle=cycle, page_number=request.GET.get("page")),
    }
    return render(request, "reports/manager.html", context)


def _remind_outlook(outlook: dict, *, now) -> dict:
    """The Remind button's words: how many a press reminds, and when the next is possible."""
    last = outlook.get("last_reminded_at")
    reminded = None
    if last is not None:
        days = (timezone.localdate(now) - timezone.localdate(last)).days
        reminded = "today" if days == 0 else "yesterday"
    return {**outlook, "reminded": reminded}


def _home_of(request, feedback_request) -> str:
    # The requester's requests are on the manager page; anyone else who may act is HR.
    if feedback_request.requested_by_id == request.user.id:
        return "reports_manager"
    return "reports_hr"


def _back(request, default: str):
    """Where a page's button returns to: its own page (``next``), never another site."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


@login_required
@require_POST
def remind(request, pk: int):
    feedback_request = get_object_or_404(
        feedback_selectors.requests_manageable_by(user=request.user), pk=pk
    )
    name = feedback_request.subject.name
    home = _home_of(request, feedback_request)
    try:
        reminded = services.request_remind(request=feedback_request, presser=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return _back(request, home)
    next_at = reminded.outlook["next_at"]
    later = (
        f" Next reminder possible on {date_format(timezone.localtime(next_at), 'D j M, H:i')}."
        if next_at
        else ""
    )
    if reminded.sent:
        messages.success(
            request,
            f"Reminder sent to {reminded.sent} rater{'s' if reminded.sent != 1 else ''} "
            f"about {name}, each with a fresh link.{later}",
        )
    else:
        messages.info(
            request,
            f"No reminder sent about {name}: each rater gets at most one email a day.{later}",
        )
    return _back(request, home)


@login_required
@require_POST
def rater_resend(request, pk: int, rater_id: int):
    """Retry a failed email (or resend a link, under the one-a-day rule)."""
    feedback_request = get_object_or_404(
        feedback_selectors.requests_manageable_by(user=request.user), pk=pk
    )
    rater = get_object_or_404(feedback_request.raters, pk=rater_id)
    try:
        feedback_services.rater_resend(rater=rater)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            f"A fresh link is on its way to {rater.name or rater.email}; this page shows "
            "it as failed again if it cannot be delivered.",
        )
    return _back(request, _home_of(request, feedback_request))


@login_required
def hr_dashboard(request):
    _require_hr(request)
    cycles = list(Cycle.objects.order_by("-created_at", "-id")[:50])
    rates = selectors.response_rates_by_team(cycle_ids=[c.id for c in cycles])
    for cycle in cycles:
        cycle.team_rates = rates.get(cycle.id, [])
        cycle.actions = ACTIONS_BY_STATUS.get(cycle.status, [])
    readable = [c for c in cycles if c.status in (Cycle.Status.CLOSED, Cycle.Status.RELEASED)]
    cycle_id = query_int(request.GET, "cycle")
    chosen = next((c for c in readable if c.id == cycle_id), None)
    # Unasked, only a released cycle is shown: reading a closed cycle's figures ends its
    # chance to reopen, so that takes HR's explicit choice.
    released = [c for c in readable if c.status == Cycle.Status.RELEASED]
    chosen = chosen or (released[0] if released else None)
    context = {
        "cycles": cycles,
        "approvals": feedback_selectors.approvals_waiting_for(user=request.user)[:100],
        "failed_raters": feedback_selectors.raters_delivery_failed()[:100],
        "readable": readable,
        "team": _team_view(user=request.user, cycle=chosen, page_number=request.GET.get("page")),
    }
    return render(request, "reports/hr.html", context)


# action: (service, button label, what it does, in plain words)
CYCLE_ACTIONS = {
    "open": (
        feedback_services.cycle_open,
        "Open",
        "Managers can then ask for feedback and raters receive their survey links.",
    ),
    "close": (
        feedback_services.cycle_close,
        "Close",
        "Surveys stop taking answers and every result is computed. Only HR can read "
        "results until you release them.",
    ),
    "release": (
        feedback_services.cycle_release,
        "Release",
        "Every subject and their managers can read their results. This is final: the "
        "cycle can never reopen and its figures never change.",
    ),
}
ACTIONS_BY_STATUS = {
    Cycle.Status.DRAFT: ["open"],
    Cycle.Status.OPEN: ["close"],
    Cycle.Status.CLOSED: ["release"],
}


@login_required
@require_http_methods(["GET", "POST"])
def cycle_action(request, pk: int, action: str):
    """GET asks for confirmation; POST does it."""
    _require_hr(request)
    if action not in CYCLE_ACTIONS:
        raise Http404
    cycle = get_object_or_404(Cycle, pk=pk)
    service, label, consequence = CYCLE_ACTIONS[action]
    if request.method == "POST":
        try:
            cycle = service(cycle=cycle, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, f"{cycle.name} is now {cycle.status}.")
        return redirect("reports_hr")
    return render(
        request,
        "reports/cycle_confirm.html",
        {"cycle": cycle, "action": action, "label": label, "consequence": consequence},
    )

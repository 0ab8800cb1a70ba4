"""Dashboards: the subject's report, the manager's page, HR's page and the exports page.

Thin: the same selectors and services as the API decide who sees what, and anything out
of the reader's reach is a 404, as in the API.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Team
from accounts.selectors import person_for_user, person_has_reports, user_is_hr
from core.errors import DomainError
from core.validation import int_strict, query_int, text_problem
from feedback import selectors as feedback_selectors
from feedback import services as feedback_services
from feedback.models import Cycle, FeedbackRequest, Relationship
from reports import charts, presentation, selectors, services
from reports.models import Export

RELATIONSHIPS = [(value, label) for value, label in Relationship.choices]


def _require_hr(request):
    if not user_is_hr(request.user):
        raise Http404


@login_required
def my_reports(request):
    """The reader's own feedback, one line per cycle."""
    person = person_for_user(request.user)
    own = (
        FeedbackRequest.objects.filter(subject=person).select_related("cycle")
        if person
        else FeedbackRequest.objects.none()
    )
    return render(request, "reports/my_reports.html", {"own": own.order_by("-cycle__created_at")})


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
    page = Paginator(requests.values_list("id", flat=True), 50).get_page(page_number)
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
    for feedback_request in open_requests:
        counts = progress.get(feedback_request.id, {})
        feedback_request.progress_rows = [
            (label, counts[value]) for value, label in RELATIONSHIPS if value in counts
        ]
        feedback_request.waiting = sum(c["waiting"] for c in counts.values())
        feedback_request.can_remind = (
            feedback_request.cycle.status == Cycle.Status.OPEN
            and feedback_request.requested_by_id == request.user.id
            and feedback_request.waiting > 0
        )
    released = followed.filter(cycle__status=Cycle.Status.RELEASED).exclude(subject=person)
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


@login_required
@require_POST
def remind(request, pk: int):
    feedback_request = get_object_or_404(
        feedback_selectors.requests_manageable_by(user=request.user), pk=pk
    )
    try:
        reminded = services.request_remind(request=feedback_request)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            f"Reminder sent to {reminded} rater{'s' if reminded != 1 else ''} "
            f"about {feedback_request.subject.name}, each with a fresh link.",
        )
    return redirect("reports_manager")


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


@login_required
@require_http_methods(["GET", "POST"])
def exports_page(request):
    if request.method == "POST":
        team = request.POST.get("team", "").strip()
        try:
            if text_problem(team, max_length=Team._meta.get_field("name").max_length):
                raise ValueError("team")
            services.export_create(
                user=request.user,
                kind=request.POST.get("kind", ""),
                cycle_id=int_strict(request.POST.get("cycle") or "0"),
                team=team or None,
                request_id=int_strict(request.POST["request"])
                if request.POST.get("request")
                else None,
            )
        except (DomainError, ValueError) as error:
            text = " ".join(error.messages()) if isinstance(error, DomainError) else "Bad input."
            messages.error(request, text)
        else:
            messages.success(request, "Your file is being built: it appears below when ready.")
        return redirect("exports")
    cycles = Cycle.objects.filter(status__in=[Cycle.Status.CLOSED, Cycle.Status.RELEASED])
    return render(
        request,
        "reports/exports.html",
        {
            "exports": selectors.exports_visible_to(user=request.user)[:50],
            "kinds": Export.Kind.choices,
            "cycles": cycles,
        },
    )

"""Dashboards: the subject's report, the manager's page and HR's page.

Thin: the same selectors and services as the API decide who sees what, and anything out
of the reader's reach is a 404, as in the API.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Person
from accounts.selectors import person_for_user, person_has_reports, user_is_hr
from core.errors import DomainError
from core.validation import int_strict, query_int, query_text
from development import selectors as development_selectors
from feedback import selectors as feedback_selectors
from feedback import services as feedback_services
from feedback.models import Cycle, FeedbackRequest, Rater
from feedback.vocabulary import POLES, READER_GROUP_LABELS, Relationship
from feedback.vocabulary import RELATIONSHIPS as RELATIONSHIP_ORDER
from reports import charts, presentation, selectors, services

# Lazy labels: the list is built at import, the words are read per request.
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
    for feedback_request in own:
        # The groups in the order and with the names of the request page and the report
        # (boss, peers, direct reports, outside the team), not alphabetically by slug.
        groups: dict[str, list[dict]] = {relationship: [] for relationship in RELATIONSHIP_ORDER}
        for rater in asked[feedback_request.id]:
            rater["yours_to_decide"] = rater["id"] in decidable
            groups[rater["relationship"]].append(rater)
        feedback_request.asked_groups = [
            (READER_GROUP_LABELS[relationship], raters)
            for relationship, raters in groups.items()
            if raters
        ]
        feedback_request.to_decide = sum(
            1 for rater in asked[feedback_request.id] if rater["yours_to_decide"]
        )
    # A manager may ask for feedback about themself in an open cycle they have none in.
    self_cycles = []
    if person is not None and (user_is_hr(request.user) or person_has_reports(person_id=person.id)):
        self_cycles = list(
            feedback_selectors.cycles_in_reach(user=request.user)
            .filter(status=Cycle.Status.OPEN)
            .exclude(requests__subject=person)
        )
    early = selectors.requests_released_early(request_ids=[r.id for r in own])
    for feedback_request in own:
        feedback_request.released_to_me = feedback_request.id in early
    to_debrief = selectors.debriefs_for_coach(person=person).count() if person is not None else 0
    return render(
        request,
        "reports/my_reports.html",
        {"own": own, "me": person, "self_cycles": self_cycles, "to_debrief": to_debrief},
    )


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
                _(
                    "%(email)s approved: they receive their survey link once the request "
                    "is launched (at once if it already is)."
                )
                % {"email": rater.email},
            )
        else:
            messages.success(
                request,
                _("%(email)s declined: they will not be contacted.") % {"email": rater.email},
            )
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
    is_own = _is_own(request, feedback_request)
    context = presentation.report_context(document, own=is_own)
    context["is_own"] = is_own
    # The subject downloads their own report once released; everyone else has the
    # exports page (a file about someone else is built in the background and audited).
    context["can_download"] = is_own and feedback_request.cycle.status == Cycle.Status.RELEASED
    context["feedback_request"] = feedback_request
    # The coach's view before the cycle-wide release says so, with the way back.
    person = person_for_user(request.user)
    context["coaching"] = (
        selectors.debriefs_for_coach(person=person).filter(pk=pk).first()
        if person is not None and feedback_request.cycle.debrief_before_release
        else None
    )
    _focus_first(context, user=request.user, feedback_request=feedback_request)
    return render(request, "reports/report.html", context)


def _focus_first(context: dict, *, user, feedback_request) -> None:
    """Development plans (issue 16): the behaviours the subject chose to work on come first,
    each labelled with its pole, for a reader who may see that plan (the subject, or a
    manager it is shared with); every other reader gets the usual order."""
    focus = development_selectors.report_focus(user=user, feedback_request=feedback_request)
    if not focus:
        return
    poles = {}
    for behaviour, pole in focus:
        poles.setdefault(behaviour, []).append(presentation.where(behaviour, pole))
    order = list(poles)
    sections = context["sections"]
    for section in sections:
        section["focus"] = _(" and ").join(poles.get(section["slug"], []))

    def focus_first(entry):
        return order.index(entry["slug"]) if entry["slug"] in order else len(order)

    context["sections"] = sorted(sections, key=focus_first)
    # The change since the last cycle, where there is one, in the same order.
    change = context.get("change")
    if change and change.get("behaviours"):
        for entry in change["behaviours"]:
            entry["focus"] = _(" and ").join(poles.get(entry["slug"], []))
        change["behaviours"] = sorted(change["behaviours"], key=focus_first)


def _is_own(request, feedback_request) -> bool:
    return (
        feedback_request.subject.user_id is not None
        and feedback_request.subject.user_id == request.user.id
    )


HEATMAP_PAGE_SIZE = 50


def _team_view(*, user, cycle: Cycle | None, page_number, sort: str = "") -> dict | None:
    """The team heatmap of one readable cycle, paginated, or None. Showing it is a read
    of the cycle's results, under the same rules and with the same mark as the API.

    ``sort``: a column key of ``selectors.HEATMAP_SORT_KEYS``, "-" first for descending;
    anything else is the default, by name.
    """
    if cycle is None:
        return None
    cycle = services.cycle_results_opened(
        cycle=cycle, hr=user_is_hr(user), refused=_("Team reports cannot be read")
    )
    requests = selectors.team_report_requests(user=user, cycle_id=cycle.id, team=None)
    # Rows are listed subjects; the means cover every request (erased subjects' share too).
    listed = feedback_selectors.requests_listed(requests)
    key, descending = sort.removeprefix("-"), sort.startswith("-")
    if key not in selectors.HEATMAP_SORT_KEYS:
        key, descending = "name", False
    ordered = selectors.heatmap_order(listed, key=key, descending=descending)
    page = Paginator(ordered.values_list("id", flat=True), HEATMAP_PAGE_SIZE).get_page(page_number)
    position = {request_id: index for index, request_id in enumerate(page)}
    subjects = selectors.team_report_subjects(cycle_id=cycle.id, requests=list(page))
    subjects.sort(key=lambda subject: position[subject["request"]])
    for subject in subjects:
        for behaviour in subject["behaviours"]:
            behaviour["name"] = presentation.behaviour_name(behaviour["behaviour"])
            for pole in POLES:
                figure = behaviour[pole]
                behaviour[f"{pole}_colour"] = charts.heat_colour(figure and figure["score"])
    figures = selectors.team_figures(requests=requests)
    for behaviour in figures["behaviours"]:
        behaviour["name"] = presentation.behaviour_name(behaviour["behaviour"])
        behaviour["pair"] = presentation.pair_name(behaviour["behaviour"])
        behaviour["columns"] = [
            _sort_column(
                cycle=cycle,
                key=f"{behaviour['behaviour']}_{pole}",
                # L and M in the table's head, each language its own initial.
                short=pgettext("leadership, one letter", "L")
                if pole == POLES[0]
                else pgettext("management, one letter", "M"),
                name=presentation.where(behaviour["behaviour"], pole),
                sorted_by=(key, descending),
                # A score column sorts highest first on the first press.
                first_descending=True,
            )
            for pole in ("leadership", "management")
        ]
    person = _sort_column(
        cycle=cycle,
        key="name",
        short=_("Person"),
        name=_("person"),
        sorted_by=(key, descending),
        first_descending=False,
    )
    sort_query = f"&sort={'-' if descending else ''}{key}" if key != "name" or descending else ""
    return {
        "cycle": cycle,
        "page": page,
        "subjects": subjects,
        "figures": figures,
        "person_column": person,
        "sort_query": sort_query,
    }


def _heatmap_sort(request) -> str:
    """``?sort=``: a heatmap column, "-" first for descending. Like every query parameter
    of a page, a wrong one is a 400 that says so, not silently another order."""
    sort = query_text(request.GET, "sort", max_length=40)
    if sort and sort.removeprefix("-") not in selectors.HEATMAP_SORT_KEYS:
        raise BadRequest(
            _(
                "The “sort” parameter must name a column of the heatmap: %(keys)s, "
                "with “-” first for descending."
            )
            % {"keys": ", ".join(selectors.HEATMAP_SORT_KEYS)}
        )
    return sort


def _sort_column(*, cycle, key, short, name, sorted_by, first_descending) -> dict:
    """A heatmap column's sort link: where it leads, and what the header says now
    (aria-sort), so a screen reader hears the order and the next press."""
    current, descending = sorted_by
    is_sorted = current == key
    next_descending = not descending if is_sorted else first_descending
    order = (
        (_("Z to A") if next_descending else _("A to Z"))
        if key == "name"
        else (_("highest first") if next_descending else _("lowest first"))
    )
    return {
        "short": short,
        "aria_sort": ("descending" if descending else "ascending") if is_sorted else None,
        # Unsorted columns show that they sort; the words are in ``action``.
        "arrow": ("▼" if descending else "▲") if is_sorted else "↕",
        "href": f"?cycle={cycle.id}&sort={'-' if next_descending else ''}{key}#heatmap-title",
        "action": _("Sort by %(name)s, %(order)s") % {"name": name, "order": order},
    }


@login_required
def manager_dashboard(request):
    person = person_for_user(request.user)
    is_manager = bool(person and person_has_reports(person_id=person.id))
    followed = selectors.requests_followed_by(user=request.user)
    if not is_manager and not followed.exists():
        raise Http404
    open_requests = list(followed.exclude(cycle__status=Cycle.Status.RELEASED)[:100])
    ids = [r.id for r in open_requests]
    progress = feedback_selectors.requests_progress(request_ids=ids)
    # Reminders, retries and the request page are the requester's (or HR's), as in the
    # API: feedback.selectors.requests_manageable_by. Buttons only on those, while open.
    manageable = set(
        feedback_selectors.requests_manageable_by(user=request.user)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    own_open = [
        r.id for r in open_requests if r.id in manageable and r.cycle.status == Cycle.Status.OPEN
    ]
    requesters_hr = feedback_selectors.hr_user_ids(
        user_ids={r.requested_by_id for r in open_requests}
    )
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
        feedback_request.has_page = feedback_request.id in manageable
        feedback_request.is_launched = feedback_request.launched_at is not None or any(
            c["submitted"] + c["waiting"] + c["declined"] + c["failed"] for c in counts.values()
        )
        feedback_request.remind = feedback_selectors.remind_state(
            request=feedback_request,
            viewer=request.user,
            manageable=feedback_request.id in manageable,
            requester_is_hr=feedback_request.requested_by_id in requesters_hr,
            outlook=outlook.get(feedback_request.id),
            launched=feedback_request.is_launched,
            waiting=sum(c["waiting"] for c in counts.values()),
            failed=feedback_request.failed_count,
            now=now,
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
        "team": _team_view(
            user=request.user,
            cycle=cycle,
            page_number=request.GET.get("page"),
            sort=_heatmap_sort(request),
        ),
        "can_request": is_manager or user_is_hr(request.user),
    }
    return render(request, "reports/manager.html", context)


def _remind_outlook(outlook: dict, *, now) -> dict:
    """The Remind all button's words: how many a press reminds, and when the next is possible."""
    last = outlook.get("last_reminded_at")
    return {**outlook, "reminded": feedback_selectors.reminded_when(last=last, now=now)}


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
        " "
        + _("Next reminder possible on %(when)s.")
        % {"when": date_format(timezone.localtime(next_at), "D j M, H:i")}
        if next_at
        else ""
    )
    if reminded.sent:
        messages.success(
            request,
            ngettext(
                "Reminder sent to %(count)s rater about %(name)s, each with a fresh link.",
                "Reminder sent to %(count)s raters about %(name)s, each with a fresh link.",
                reminded.sent,
            )
            % {"count": reminded.sent, "name": name}
            + later,
        )
    else:
        messages.info(
            request,
            _("No reminder sent about %(name)s: each rater gets at most one email a day.")
            % {"name": name}
            + later,
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
            _(
                "A fresh link is on its way to %(who)s; this page shows it as failed again "
                "if it cannot be delivered."
            )
            % {"who": rater.name or rater.email},
        )
    return _back(request, _home_of(request, feedback_request))


@login_required
def hr_dashboard(request):
    _require_hr(request)
    cycles = list(Cycle.objects.order_by("-created_at", "-id")[:50])
    rates = selectors.response_rates_by_team(cycle_ids=[c.id for c in cycles])
    to_review = selectors.comment_flags_pending_counts(cycle_ids=[c.id for c in cycles])
    for cycle in cycles:
        cycle.team_rates = rates.get(cycle.id, [])
        cycle.actions = ACTIONS_BY_STATUS.get(cycle.status, [])
        cycle.comments_to_review = to_review.get(cycle.id, 0)
    _hr_chase(cycles, presser=request.user)
    readable = [c for c in cycles if c.status in (Cycle.Status.CLOSED, Cycle.Status.RELEASED)]
    cycle_id = query_int(request.GET, "cycle")
    chosen = next((c for c in readable if c.id == cycle_id), None)
    # Unasked, only a released cycle is shown: reading a closed cycle's figures ends its
    # chance to reopen, so that takes HR's explicit choice.
    released = [c for c in readable if c.status == Cycle.Status.RELEASED]
    chosen = chosen or (released[0] if released else None)
    context = {
        "cycles": cycles,
        # Who nominated each rater and whether they made the request: why the rater is there.
        "approvals": feedback_selectors.approvals_waiting_for(user=request.user).select_related(
            "nominated_by__person", "request__requested_by"
        )[:100],
        "failed_raters": feedback_selectors.raters_delivery_failed()[:100],
        "plan_counts": development_selectors.plan_counts(),
        "readable": readable,
        "team": _team_view(
            user=request.user,
            cycle=chosen,
            page_number=request.GET.get("page"),
            sort=_heatmap_sort(request),
        ),
    }
    return render(request, "reports/hr.html", context)


def _hr_chase(cycles: list[Cycle], *, presser) -> None:
    """What HR needs to chase each open cycle, in four queries for all of them: who still
    owes surveys (names and counts only), decline reasons (no names), "Remind all", and
    how many invitation emails are still on their way."""
    open_ids = [c.id for c in cycles if c.status == Cycle.Status.OPEN]
    if not open_ids:
        return
    now = timezone.now()
    owing = feedback_selectors.raters_owing_by_cycle(cycle_ids=open_ids)
    declines = feedback_selectors.decline_reasons_by_cycle(cycle_ids=open_ids)
    outlook = feedback_selectors.cycle_reminder_outlook(
        cycle_ids=open_ids, presser=presser, now=now
    )
    sending = feedback_selectors.invitations_sending_by_cycle(cycle_ids=open_ids)
    for cycle in cycles:
        if cycle.id in owing:
            cycle.owing = owing[cycle.id]
            cycle.sending = sending[cycle.id]
            cycle.declines = declines[cycle.id]
            cycle.remind = _remind_outlook(
                outlook.get(cycle.id, services.NOTHING_TO_REMIND), now=now
            )


@login_required
@require_POST
def hr_cycle_remind(request, pk: int):
    """HR's "Remind all": every rater of the cycle who owes a survey, one email a day at most."""
    _require_hr(request)
    cycle = get_object_or_404(Cycle, pk=pk)
    try:
        reminded = services.cycle_remind(cycle=cycle, presser=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect(reverse("reports_hr") + f"#cycle-{cycle.pk}")
    next_at = reminded.outlook["next_at"]
    later = (
        " "
        + _("The others had an email less than a day ago: next reminder possible on %(when)s.")
        % {"when": date_format(timezone.localtime(next_at), "D j M, H:i")}
        if next_at
        else ""
    )
    if reminded.sent:
        messages.success(
            request,
            ngettext(
                "%(cycle)s: reminder sent for %(count)s survey, each with a fresh link.",
                "%(cycle)s: reminder sent for %(count)s surveys, each with a fresh link.",
                reminded.sent,
            )
            % {"cycle": cycle.name, "count": reminded.sent}
            + later,
        )
    else:
        messages.info(
            request,
            _("%(cycle)s: no reminder sent: each rater gets at most one email a day.")
            % {"cycle": cycle.name}
            + later,
        )
    return redirect(reverse("reports_hr") + f"#cycle-{cycle.pk}")


# action: (service, button label, what it does, in plain words)
CYCLE_ACTIONS = {
    "open": (
        feedback_services.cycle_open,
        gettext_lazy("Open"),
        gettext_lazy("Managers can then ask for feedback and raters receive their survey links."),
    ),
    "close": (
        feedback_services.cycle_close,
        gettext_lazy("Close"),
        gettext_lazy(
            "Surveys stop taking answers and every result is computed. Only HR can read "
            "results until you release them."
        ),
    ),
    "release": (
        feedback_services.cycle_release,
        gettext_lazy("Release"),
        gettext_lazy(
            "Every subject and their managers can read their results. This is final: the "
            "cycle can never reopen and its figures never change."
        ),
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
            messages.success(
                request,
                _("%(cycle)s is now %(status)s.")
                % {"cycle": cycle.name, "status": cycle.get_status_display().lower()},
            )
        return redirect("reports_hr")
    unanswered = None
    if action == "close":
        # Surveys given a link and neither submitted nor declined: closing ends them.
        unanswered = cycle.requests.filter(
            raters__status__in=(Rater.Status.INVITED, Rater.Status.STARTED)
        ).aggregate(surveys=Count("raters"), people=Count("raters__email", distinct=True))
    comments_to_review = None
    if action == "release":
        # Warned, not refused: the screening is a heuristic and HR has the last word
        # (docs/decisions.md, issue 16).
        comments_to_review = selectors.comment_flags_pending_counts(cycle_ids=[cycle.id]).get(
            cycle.id, 0
        )
    return render(
        request,
        "reports/cycle_confirm.html",
        {
            "cycle": cycle,
            "action": action,
            "label": label,
            "consequence": consequence,
            "unanswered": unanswered,
            "comments_to_review": comments_to_review,
        },
    )


# --- Response quality and coaches' debriefs (issue 16) -----------------------------------


@login_required
def hr_cycle_quality(request, pk: int):
    """HR's response quality of one closed or released cycle, in aggregate only."""
    _require_hr(request)
    cycle = get_object_or_404(Cycle, pk=pk)
    try:
        quality = services.cycle_response_quality_read(cycle=cycle)
    except DomainError as exc:
        return render(
            request,
            "reports/cycle_quality.html",
            {"cycle": cycle, "reason": exc.detail},
            status=exc.status,
        )
    review = [item for item in quality["cant_say"]["items"] or [] if item["review"]]
    for bucket in quality["time_to_answer"].get("buckets") or []:
        bucket["words"] = presentation.bucket_words(bucket["from_minutes"], bucket["to_minutes"])
    return render(
        request,
        "reports/cycle_quality.html",
        {"cycle": cycle, "quality": quality, "review": review},
    )


def _ids(values: list[str]) -> list[int]:
    """The valid ids among a form's values; anything else (text, a 40-digit number) is
    dropped, and the page says what is missing."""
    ids = []
    for value in values:
        try:
            ids.append(int_strict(value, minimum=1))
        except ValueError:
            continue
    return ids


def _person_choices():
    return Person.objects.filter(erased_at__isnull=True).order_by("name", "id")


@login_required
@require_http_methods(["GET", "POST"])
def hr_cycle_coaches(request, pk: int):
    """HR assigns a coach to each subject of a cycle run with a debrief, one or many at once."""
    _require_hr(request)
    cycle = get_object_or_404(Cycle, pk=pk, debrief_before_release=True)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        request_ids = _ids(request.POST.getlist("requests"))
        remove = request.POST.get("action") == "remove"
        coach = None
        if not remove:
            coach_ids = _ids([request.POST.get("coach", "")])
            coach = _person_choices().filter(pk__in=coach_ids).first() if coach_ids else None
        if not request_ids:
            errors.append(_("Tick at least one person."))
        elif coach is None and not remove:
            errors.append(_("Choose a coach from the list."))
        else:
            try:
                count = services.coaches_assign(
                    cycle=cycle, request_ids=request_ids, coach=coach, actor=request.user
                )
            except DomainError as exc:
                errors.extend(exc.messages())
            else:
                if remove:
                    text = ngettext(
                        "Coach removed for %(count)s person.",
                        "Coach removed for %(count)s people.",
                        count,
                    )
                else:
                    text = ngettext(
                        "%(coach)s now coaches %(count)s person.",
                        "%(coach)s now coaches %(count)s people.",
                        count,
                    )
                messages.success(
                    request, text % {"count": count, "coach": coach.name if coach else ""}
                )
                return redirect("reports_cycle_coaches", pk=cycle.pk)
        status = 400
    return render(
        request,
        "reports/cycle_coaches.html",
        {
            "cycle": cycle,
            "rows": selectors.debrief_rows(cycle=cycle),
            "people": _person_choices(),
            "errors": errors,
            "chosen": set(_ids(request.POST.getlist("requests"))),
            "chosen_coach": request.POST.get("coach", ""),
        },
        status=status,
    )


@login_required
def debriefs_mine(request):
    """A coach's reports to debrief."""
    person = person_for_user(request.user)
    debriefs = (
        selectors.debriefs_for_coach(person=person).order_by("request__subject__name", "pk")
        if person is not None
        else []
    )
    return render(
        request,
        "reports/debriefs.html",
        {"debriefs": debriefs, "today": timezone.localdate().isoformat()},
    )


@login_required
@require_POST
def debrief_record(request, pk: int):
    try:
        debrief = services.debrief_record(
            request_id=pk, user=request.user, held_on=request.POST.get("held_on", "")
        )
    except DomainError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        messages.error(request, " ".join(exc.messages()))
    else:
        messages.success(
            request,
            _("Debrief with %(name)s recorded for %(date)s.")
            % {
                "name": debrief.request.subject.name,
                "date": date_format(debrief.debriefed_on, "j F Y"),
            },
        )
    return redirect(reverse("debriefs_mine") + f"#debrief-{pk}")


@login_required
@require_POST
def debrief_release(request, pk: int):
    try:
        debrief = services.subject_release(request_id=pk, user=request.user)
    except DomainError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            _("Report released to %(name)s: they were emailed and can read it now.")
            % {"name": debrief.request.subject.name},
        )
    return redirect(reverse("debriefs_mine") + f"#debrief-{pk}")


# --- Comments to review (issue 16) ---------------------------------------------------------


def _review_url(cycle_id: int, anchor: str = "") -> str:
    return reverse("reports_cycle_comments", args=[cycle_id]) + (f"#{anchor}" if anchor else "")


@login_required
def cycle_comments(request, pk: int):
    """HR's review list: the cycle's flagged comments, passages highlighted, each with
    "Redact" per passage, a passage to type, and "Keep as is". Never names a writer."""
    _require_hr(request)
    cycle = get_object_or_404(Cycle, pk=pk)
    try:
        cycle = services.cycle_results_opened(
            cycle=cycle, hr=True, refused=_("Comments cannot be reviewed")
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect(reverse("reports_hr") + f"#cycle-{cycle.pk}")
    voice = presentation.Voice(own=False)
    pending, reviewed = [], []
    for flag in selectors.comment_flags(cycle_id=cycle.id):
        flag.passages = presentation.comment_passages(flag.comment.text, flag.matches)
        flag.group_label = voice.comment_label(flag.comment.rater.relationship)
        (pending if flag.status == flag.Status.PENDING else reviewed).append(flag)
    return render(
        request,
        "reports/comment_review.html",
        {"cycle": cycle, "pending": pending, "reviewed": reviewed},
    )


@login_required
@require_POST
def comment_review(request, flag_id: int, decision: str):
    """ "Redact" (a flagged passage by its offsets, or a typed passage) or "Keep as is"."""
    if decision not in ("redact", "keep"):
        raise Http404
    try:
        flag = services.comment_flag_open(flag_id=flag_id, user=request.user)
    except DomainError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        messages.error(request, exc.detail)
        return redirect("reports_hr")
    try:
        if decision == "keep":
            services.comment_keep(flag=flag, actor=request.user)
            messages.success(request, _("Comment kept as it is."))
        else:
            expected = None
            if request.POST.get("passage", "").strip():
                start, end = services.passage_span(flag.comment.text, request.POST["passage"])
            else:
                start = int_strict(request.POST.get("start", ""), minimum=0)
                end = int_strict(request.POST.get("end", ""), minimum=0)
                expected = request.POST.get("expected")
            services.comment_redact(
                flag=flag, start=start, end=end, actor=request.user, expected=expected
            )
            messages.success(request, _("Passage removed: the report shows “[removed]” instead."))
    except ValueError:
        messages.error(request, _("Choose a passage to remove."))
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect(_review_url(flag.cycle_id, f"flag-{flag.pk}"))


@login_required
@require_POST
def cycle_comments_screen(request, pk: int):
    """ "Screen again": by the worker; the list fills in as it finishes."""
    _require_hr(request)
    cycle = get_object_or_404(Cycle, pk=pk)
    try:
        services.cycle_comments_rescreen(cycle=cycle, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.info(request, _("The comments are being screened again: reload in a moment."))
    return redirect(_review_url(cycle.pk))

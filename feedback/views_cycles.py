"""HR sets up a cycle from the pages (issue 14): settings, participants, review, open.

The state lives in the database, on a draft cycle and its participants, so a reload, the
back button or coming back next week loses nothing; every write is a feedback service
(the same as the API's and the admin's), so a page can refuse nothing the API accepts and
accept nothing it refuses. Thin: forms in, services called, templates out.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from accounts.models import Person, Team
from accounts.selectors import user_is_hr
from core.errors import DomainError
from core.validation import int_strict, query_text
from feedback import selectors, services
from feedback.models import Cycle, Framework
from feedback.vocabulary import GROUP_WORDS as VOCABULARY_WORDS
from feedback.vocabulary import READER_GROUP_LABELS

SEARCH_LIMIT = 50
# The largest numbers the form takes; the database columns could hold more, nobody needs it.
SETTING_MAXIMUM = 1000
_THRESHOLD = re.compile(r"[0-9]{1,2}(\.[0-9]{1,2})?")


def _require_hr(request) -> None:
    if not user_is_hr(request.user):
        raise Http404


def _draft_or_hr_page(request, pk: int):
    """The draft being set up, or a redirect to HR's page if it has opened meanwhile."""
    cycle = get_object_or_404(Cycle, pk=pk)
    if cycle.status != Cycle.Status.DRAFT:
        messages.info(
            request,
            gettext("%(name)s is %(status)s: its set-up is over.")
            % {"name": cycle.name, "status": selectors.CYCLE_STATUS_WORDS[cycle.status]},
        )
        return None, redirect("reports_hr")
    return cycle, None


def _frameworks():
    # Versions with something to rate, newest first (the default a cycle would get).
    return Framework.objects.annotate(statements=Count("items")).filter(statements__gt=0)


def _closing_day(cycle: Cycle | None) -> str:
    if cycle is None:
        return (timezone.localdate() + datetime.timedelta(days=21)).isoformat()
    return timezone.localtime(cycle.closes_at).date().isoformat()


def _settings_from_form(post) -> tuple[dict, dict[str, list[str]]]:
    """The form's values as the services take them, and every problem at once."""
    values: dict = {
        "name": post.get("name", ""),
        "shuffle_comments": post.get("shuffle_comments", "") == "on",
    }
    errors: dict[str, list[str]] = {}
    try:
        day = datetime.date.fromisoformat(post.get("closes_on", ""))
    except ValueError:
        errors["closes_on"] = [gettext("Choose a date (year-month-day).")]
    else:
        # Surveys take answers to the end of that day, in the platform's time zone.
        values["closes_at"] = timezone.make_aware(
            datetime.datetime.combine(day, datetime.time(23, 59))
        )
    for field, minimum in (("min_anonymous_raters", 2), ("max_requests_per_rater", 1)):
        try:
            values[field] = int_strict(
                post.get(field, ""), minimum=minimum, maximum=SETTING_MAXIMUM
            )
        except ValueError:
            errors[field] = [
                gettext("A whole number from %(minimum)d to %(maximum)d.")
                % {"minimum": minimum, "maximum": SETTING_MAXIMUM}
            ]
    threshold = post.get("gap_threshold", "").strip()
    if _THRESHOLD.fullmatch(threshold) and Decimal(threshold) > 0:
        values["gap_threshold"] = Decimal(threshold)
    else:
        errors["gap_threshold"] = [
            gettext("A number above 0 with at most two decimals, such as 1 or 0.75.")
        ]
    try:
        version = int_strict(post.get("framework", ""), minimum=1, maximum=SETTING_MAXIMUM * 1000)
        values["framework"] = _frameworks().get(version=version)
    except (ValueError, Framework.DoesNotExist):
        errors["framework"] = [gettext("Choose one of the questionnaire versions listed.")]
    values["debrief_before_release"] = post.get("debrief_before_release") == "on"
    return values, errors


LABELS = {
    "name": gettext_lazy("Name"),
    "closes_on": gettext_lazy("Closing date"),
    "framework": gettext_lazy("Questionnaire version"),
    "min_anonymous_raters": gettext_lazy("Anonymity minimum"),
    "gap_threshold": gettext_lazy("Blind-spot threshold"),
    "max_requests_per_rater": gettext_lazy("Rater cap"),
}


def _settings_page(request, *, cycle: Cycle | None, form: dict, errors: dict, status: int = 200):
    # The summary at the top names each field, as a screen reader user hears it first.
    summary = [
        (field if field in LABELS else "", LABELS.get(field, ""), problem)
        for field, problems in errors.items()
        for problem in problems
    ]
    return render(
        request,
        "feedback/cycle_settings.html",
        {
            "cycle": cycle,
            "form": form,
            "errors": errors,
            "summary": summary,
            "frameworks": _frameworks(),
            "step": 1,
            "time_zone": timezone.get_current_timezone_name(),
        },
        status=status,
    )


def _form_of(cycle: Cycle | None) -> dict:
    if cycle is None:
        latest = _frameworks().first()
        return {
            "name": "",
            "closes_on": _closing_day(None),
            "framework": latest.version if latest else "",
            "min_anonymous_raters": 3,
            "gap_threshold": "1.0",
            "max_requests_per_rater": 10,
            "shuffle_comments": False,
            "debrief_before_release": False,
        }
    framework = cycle.framework or _frameworks().first()
    return {
        "name": cycle.name,
        "closes_on": _closing_day(cycle),
        "framework": framework.version if framework else "",
        "min_anonymous_raters": cycle.min_anonymous_raters,
        "gap_threshold": cycle.gap_threshold.normalize(),
        "max_requests_per_rater": cycle.max_requests_per_rater,
        "shuffle_comments": cycle.shuffle_comments,
        "debrief_before_release": cycle.debrief_before_release,
    }


def _save_settings(request, cycle: Cycle | None):
    """Create or update the draft; on bad input the form again, with nothing written."""
    values, errors = _settings_from_form(request.POST)
    if not errors:
        try:
            if cycle is None:
                cycle = services.cycle_create(created_by=request.user, **values)
            else:
                cycle = services.cycle_settings_update(cycle=cycle, actor=request.user, **values)
        except DomainError as exc:
            errors = {"closes_on" if k == "closes_at" else k: v for k, v in exc.errors.items()}
            errors = errors or {"": [exc.detail]}
    if errors:
        form = {key: request.POST.get(key, "") for key in _form_of(None)}
        form["debrief_before_release"] = request.POST.get("debrief_before_release") == "on"
        return _settings_page(request, cycle=cycle, form=form, errors=errors, status=400)
    return redirect("cycle_participants", pk=cycle.pk)


@login_required
@require_http_methods(["GET", "POST"])
def cycle_new(request):
    """Step 1 for a new cycle: its settings. Saving makes the draft."""
    _require_hr(request)
    if request.method == "POST":
        return _save_settings(request, None)
    return _settings_page(request, cycle=None, form=_form_of(None), errors={})


@login_required
@require_http_methods(["GET", "POST"])
def cycle_settings(request, pk: int):
    """Step 1 again, for a draft: going back to change a setting."""
    _require_hr(request)
    cycle, elsewhere = _draft_or_hr_page(request, pk)
    if elsewhere:
        return elsewhere
    if request.method == "POST":
        return _save_settings(request, cycle)
    return _settings_page(request, cycle=cycle, form=_form_of(cycle), errors={})


def _ids(values: list[str]) -> list[int] | None:
    try:
        return [int_strict(value, minimum=1) for value in values]
    except ValueError:
        return None


def _change_participants(request, cycle: Cycle) -> None:
    """One button of the participants page: add everyone, teams or people; remove one or all."""
    action = request.POST.get("action", "")
    people = None
    if action == "everyone":
        people = Person.objects.values("id")
    elif action == "teams":
        teams = _ids(request.POST.getlist("team"))
        if not teams:
            messages.error(request, gettext("Tick at least one team to add."))
            return
        people = Person.objects.filter(team_id__in=teams).values("id")
    elif action in ("people", "remove"):
        people = _ids(request.POST.getlist("person"))
        if not people:
            messages.error(request, gettext("Tick at least one person."))
            return
    elif action != "clear":
        messages.error(request, gettext("Unknown action."))
        return
    try:
        if action in ("remove", "clear"):
            changed = services.cycle_participants_remove(cycle=cycle, people=people)
            messages.success(
                request,
                ngettext("Removed %(count)d person.", "Removed %(count)d people.", changed)
                % {"count": changed},
            )
        else:
            changed = services.cycle_participants_add(cycle=cycle, people=people)
            messages.success(
                request,
                ngettext("Added %(count)d person.", "Added %(count)d people.", changed)
                % {"count": changed}
                if changed
                else gettext("They were already chosen."),
            )
    except DomainError as exc:
        messages.error(request, exc.detail)


@login_required
@require_http_methods(["GET", "POST"])
def cycle_participants(request, pk: int):
    """Step 2: who takes part. Everyone, whole teams, or people found by a plain search."""
    _require_hr(request)
    cycle, elsewhere = _draft_or_hr_page(request, pk)
    if elsewhere:
        return elsewhere
    if request.method == "POST":
        # The search the people were picked from stays on screen for the next pick.
        query = query_text(request.POST, "q")
        _change_participants(request, cycle)
        target = reverse("cycle_participants", args=[cycle.pk])
        return redirect(f"{target}?{urlencode({'q': query})}#search" if query else target)
    query = query_text(request.GET, "q")
    chosen = selectors.cycle_participants(cycle=cycle)
    chosen_ids = set(cycle.participants.values_list("id", flat=True))
    found = None
    if query:
        found = list(
            Person.objects.filter(erased_at__isnull=True)
            .filter(
                Q(name__icontains=query)
                | Q(email__icontains=query)
                | Q(team__name__icontains=query)
            )
            .select_related("team")
            .order_by("name", "id")[: SEARCH_LIMIT + 1]
        )
        for person in found:
            person.chosen = person.id in chosen_ids
    teams = Team.objects.annotate(
        people=Count("members", filter=Q(members__erased_at__isnull=True))
    ).filter(people__gt=0)
    context = {
        "cycle": cycle,
        "step": 2,
        "page": Paginator(chosen, 50).get_page(request.GET.get("page")),
        "chosen_count": len(chosen_ids),
        "everyone": Person.objects.filter(erased_at__isnull=True).count(),
        "teams": teams,
        "query": query,
        "found": found[:SEARCH_LIMIT] if found is not None else None,
        "found_more": found is not None and len(found) > SEARCH_LIMIT,
        "search_limit": SEARCH_LIMIT,
    }
    return render(request, "feedback/cycle_participants.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cycle_review(request, pk: int):
    """Step 3: what opening creates, the cap warnings, and "Open cycle" (which also sends
    every invitation: one step, confirmed by this page)."""
    _require_hr(request)
    cycle, elsewhere = _draft_or_hr_page(request, pk)
    if elsewhere:
        return elsewhere
    if request.method == "POST":
        try:
            opened = services.cycle_open_with_participants(cycle=cycle, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.detail)
            return redirect("cycle_review", pk=cycle.pk)
        if opened.requests:
            messages.success(
                request,
                ngettext(
                    "%(name)s is open: %(requests)d feedback request created",
                    "%(name)s is open: %(requests)d feedback requests created",
                    opened.requests,
                )
                % {"name": cycle.name, "requests": opened.requests}
                + " "
                + ngettext(
                    "and %(invited)d survey invitation on its way.",
                    "and %(invited)d survey invitations on their way.",
                    opened.invited,
                )
                % {"invited": opened.invited},
            )
        else:
            messages.success(
                request,
                gettext(
                    "%(name)s is open, with nobody chosen: managers can now request "
                    "feedback for their people."
                )
                % {"name": cycle.name},
            )
        return redirect(reverse("reports_hr") + f"#cycle-{cycle.pk}")
    subjects = list(selectors.cycle_participants(cycle=cycle))
    plan = selectors.cycle_requests_plan(cycle=cycle, subjects=subjects)
    framework = cycle.framework or selectors.framework_current()
    # The vocabulary's word tables answer in the language active at lookup: looked up per
    # request, never kept in a module-level dict (which would hold the words of import time).
    small_groups = [
        (VOCABULARY_WORDS[relationship][1], people)
        for relationship, people in plan.small_groups.items()
    ]
    for proposed in plan.requests:
        # Who is asked, by group, for HR to check before anyone is emailed.
        groups: dict[str, list[str]] = {}
        for relationship, person in proposed.raters[1:]:
            groups.setdefault(READER_GROUP_LABELS[relationship], []).append(person.name)
        proposed.groups = list(groups.items())
    context = {
        "cycle": cycle,
        "step": 3,
        "plan": plan,
        "framework": framework,
        "small_groups": small_groups,
        "colleagues": plan.invitations - len(plan.requests),
        "closes_in_past": cycle.closes_at <= timezone.now(),
    }
    return render(request, "feedback/cycle_review.html", context)

"""The exports page: ask for a file, watch it being built, download it.

Thin: the same services and selectors as the API decide who exports what.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.models import Team
from core.errors import DomainError
from core.validation import int_strict, text_problem
from exports import selectors, services
from exports.models import Export
from feedback import selectors as feedback_selectors
from feedback.models import Cycle


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
    # Only cycles the reader could export: HR's closed and released ones, a manager's
    # released ones, nobody else's (their names are not for everyone).
    cycles = feedback_selectors.cycles_in_reach(user=request.user).filter(
        status__in=[Cycle.Status.CLOSED, Cycle.Status.RELEASED]
    )
    return render(
        request,
        "exports/exports.html",
        {
            "exports": selectors.exports_visible_to(user=request.user)[:50],
            "kinds": Export.Kind.choices,
            "cycles": cycles,
        },
    )

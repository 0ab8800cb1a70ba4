"""The exports page: ask for a file, watch its progress, download it. Thin over services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from feedback.models import Cycle
from reports import selectors, services
from reports.models import Export


@login_required
@require_http_methods(["GET", "POST"])
def exports_page(request):
    if request.method == "POST":
        try:
            services.export_create(
                user=request.user,
                kind=request.POST.get("kind", ""),
                cycle_id=int(request.POST.get("cycle") or 0),
                team=request.POST.get("team", "").strip() or None,
                request_id=int(request.POST["request"]) if request.POST.get("request") else None,
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

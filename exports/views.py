"""The exports page: ask for a file, watch it being built, download it.

Thin: the same services and selectors as the API decide who exports what.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from accounts.models import Team
from core.errors import DomainError
from core.validation import int_strict, text_problem
from exports import files, selectors, services
from exports.models import Export
from feedback import selectors as feedback_selectors
from feedback.models import Cycle, FeedbackRequest
from reports import services as reports_services


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


@login_required
def report_pdf(request, pk: int):
    """The subject's own released report as a PDF, written to them ("you").

    Only their own, only released: anything else is the same 404 as an unknown id. It is
    rendered on the spot (about a second); a per-person limit keeps a loop of clicks
    from tying up the web workers.
    """
    feedback_request = get_object_or_404(
        feedback_selectors.requests_listed(
            FeedbackRequest.objects.select_related("cycle", "subject").filter(
                subject__user=request.user, cycle__status=Cycle.Status.RELEASED
            )
        ),
        pk=pk,
    )
    if is_ratelimited(
        request,
        group="report-pdf",
        key="user",
        rate=settings.REPORT_PDF_RATE_PER_PERSON,
        method=is_ratelimited.ALL,
        increment=True,
    ):
        return render(
            request,
            "reports/report_unavailable.html",
            {
                "feedback_request": feedback_request,
                "reason": "You have downloaded this report many times in the last hour: "
                "please try again later.",
            },
            status=429,
        )
    document = reports_services.results_read(request=feedback_request, user=request.user)
    content = files.individual_pdf(document, own=True)
    response = HttpResponse(content, content_type="application/pdf")
    # ASCII letters, digits and dashes: a name safe in any browser and file system.
    stem = slugify(f"feedback {feedback_request.cycle.name} {feedback_request.subject.name}")
    name = f"{stem[:150].strip('-') or 'feedback'}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

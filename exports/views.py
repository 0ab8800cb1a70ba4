"""The exports page: ask for a file, watch it being built, download it.

Thin: the same services and selectors as the API decide who exports what.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from core.errors import DomainError
from core.validation import int_strict
from exports import files, selectors, services
from exports.models import Export
from feedback import selectors as feedback_selectors
from feedback.models import Cycle, FeedbackRequest
from reports import services as reports_services

# The visible labels, for messages that say which field to change.
FIELD_LABELS = {
    "kind": gettext_lazy("File"),
    "cycle": gettext_lazy("Cycle"),
    "team": gettext_lazy("Team"),
    "request": gettext_lazy("Person"),
}


@login_required
@require_http_methods(["GET", "POST"])
def exports_page(request):
    """The form offers only what the reader may export (people and teams from lists, never
    an id to type); a refusal re-shows it (400) with the choices kept and the field named."""
    people, teams = selectors.export_choices(user=request.user)
    # Only cycles the reader could export: HR's closed and released ones, a manager's
    # released ones, nobody else's (their names are not for everyone).
    cycles = feedback_selectors.cycles_in_reach(user=request.user).filter(
        status__in=[Cycle.Status.CLOSED, Cycle.Status.RELEASED]
    )
    form = dict.fromkeys(FIELD_LABELS, "")
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = {field: request.POST.get(field, "").strip() for field in FIELD_LABELS}
        errors, arguments = _form_read(form, people=people, teams=teams)
        if not errors:
            try:
                export = services.export_create(user=request.user, **arguments)
            except DomainError as error:
                errors = _refusal_words(error)
            else:
                # Without a broker the task ran eagerly when the request committed: the
                # file may already be there, so say so rather than "being built".
                export.refresh_from_db()
                if export.status == Export.Status.DONE:
                    messages.success(request, gettext("Your file is ready: download it below."))
                elif export.status == Export.Status.FAILED:
                    messages.error(
                        request,
                        gettext("The file could not be built: %(error)s") % {"error": export.error},
                    )
                else:
                    messages.success(
                        request, gettext("Your file is being built: it appears below when ready.")
                    )
                return redirect("exports")
    summary = [
        (field, FIELD_LABELS.get(field), problem)
        for field, problems in errors.items()
        for problem in problems
    ]
    return render(
        request,
        "exports/exports.html",
        {
            "exports": selectors.exports_visible_to(user=request.user)[:50],
            "kinds": Export.Kind.choices,
            "cycles": cycles,
            "people": people,
            "teams": teams,
            "form": form,
            "errors": errors,
            "summary": summary,
        },
        status=400 if errors else 200,
    )


def _form_read(form, *, people, teams):
    """The form's choices checked against the lists the page offered, in plain words.

    An individual report's cycle is the chosen person's (the list names it: "Sam (Spring
    2027)"), so the two cannot disagree; the other files take the cycle and, optionally, a
    team. Reach is decided again by ``export_create``.
    """
    errors: dict[str, list[str]] = {}
    kind = form["kind"]
    if kind not in Export.Kind.values:
        errors["kind"] = [gettext("Choose which file to build from the list.")]
        return errors, {}
    if kind == Export.Kind.INDIVIDUAL_PDF:
        if form["team"]:
            errors["team"] = [
                gettext("An individual report is about one person: leave Team empty.")
            ]
        chosen = None
        if not form["request"]:
            errors["request"] = [gettext("Choose whose individual report to build from the list.")]
        else:
            try:
                chosen = people.filter(pk=int_strict(form["request"], minimum=1)).first()
            except ValueError:
                chosen = None
            if chosen is None:
                errors["request"] = [gettext("Choose a person from the list.")]
        if errors:
            return errors, {}
        return {}, {"kind": kind, "cycle_id": chosen.cycle_id, "request_id": chosen.id}
    if form["request"]:
        errors["request"] = [
            gettext(
                "Only an individual report is about one person: choose “Individual report "
                "(PDF)” as the file, or leave Person empty."
            )
        ]
    try:
        cycle_id = int_strict(form["cycle"], minimum=1)
    except ValueError:
        errors["cycle"] = [gettext("Choose a cycle from the list.")]
    if form["team"] and not any(team.name == form["team"] for team in teams):
        errors["team"] = [gettext("Choose a team from the list, or leave it empty for everyone.")]
    if errors:
        return errors, {}
    return {}, {"kind": kind, "cycle_id": cycle_id, "team": form["team"] or None}


def _refusal_words(error: DomainError) -> dict[str, list[str]]:
    """A service's refusal as field problems for the form."""
    if error.code == "not_found":
        # The lists hold only what is in reach, so this is a cycle typed or sent by hand,
        # or one that changed since the page was shown.
        return {"cycle": [gettext("You cannot export this cycle: choose one from the list.")]}
    if "team" in error.errors:
        return {
            "team": [gettext("Nobody in this team has feedback in this cycle: choose another.")]
        }
    if error.errors:
        return {field: list(problems) for field, problems in error.errors.items()}
    return {"": [error.detail]}


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
                "reason": gettext(
                    "You have downloaded this report many times in the last hour: "
                    "please try again later."
                ),
            },
            status=429,
        )
    document = reports_services.results_read(request=feedback_request, user=request.user)
    # The subject reads their own report: in their language, else the page's.
    language = services.report_language(
        feedback_request.subject, default=translation.get_language()
    )
    content = files.individual_pdf(document, own=True, language=language)
    response = HttpResponse(content, content_type="application/pdf")
    # ASCII letters, digits and dashes: a name safe in any browser and file system.
    stem = slugify(f"feedback {feedback_request.cycle.name} {feedback_request.subject.name}")
    name = f"{stem[:150].strip('-') or 'feedback'}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

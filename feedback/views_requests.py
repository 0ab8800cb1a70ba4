"""The request pages (issue 14): a manager, or HR, asks for feedback about someone, reviews
the raters the org chart proposed and why, removes and adds raters (from the directory,
or by email for someone outside it, who then waits for approval), launches, and follows
the answers by group with Remind and Retry.

Thin: the API's services and selectors decide everything (feedback/api.py), so the rules
are the same. A refused input re-shows the page with the service's message and what was
typed; every service is one transaction, so nothing is half-written. No JavaScript: the
directory search is a plain GET form.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Person
from accounts.selectors import person_for_user, person_has_reports, person_line, user_is_hr
from core.errors import DomainError
from core.validation import int_strict, query_int, query_text, text_problem
from feedback import selectors, services
from feedback.models import Cycle, FeedbackRequest, Rater, Relationship
from feedback.vocabulary import READER_GROUP_LABELS, RELATIONSHIPS

SEARCH_MAX_LENGTH = Person._meta.get_field("email").max_length
PEOPLE_SHOWN = 50


def _groups() -> list[tuple[str, str]]:
    """(slug, heading) of each group, in the active language: looked up per request."""
    return [(relationship, READER_GROUP_LABELS[relationship]) for relationship in RELATIONSHIPS]


# A rater's relationship inside a sentence ("Ann added as peer."), as the services word it.
RELATIONSHIP_WORDS = services.RELATIONSHIP_WORDS
# What a directory colleague can be to the subject ("self" is only ever the subject).
DIRECTORY_RELATIONSHIPS = [
    (value, label) for value, label in Relationship.choices if value != Relationship.SELF
]


# --- choosing whom and when ------------------------------------------------------------


def _subjects_for(user, person: Person | None):
    """Whom the user may request feedback about: HR anyone, a manager their line and
    themself (feedback.selectors.person_in_reach, the rule request_create applies)."""
    people = Person.objects.filter(erased_at__isnull=True).select_related("team")
    if user_is_hr(user):
        return people
    if person is None:
        return people.none()
    return people.filter(Q(id__in=person_line(manager_id=person.id).values("id")) | Q(pk=person.pk))


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request):
    """Choose the person and the open cycle; creating the request proposes its raters."""
    person = person_for_user(request.user)
    if not user_is_hr(request.user) and not (person and person_has_reports(person_id=person.id)):
        raise Http404
    cycles = list(
        selectors.cycles_in_reach(user=request.user)
        .filter(status=Cycle.Status.OPEN)
        .order_by("closes_at", "id")
    )
    subjects = _subjects_for(request.user, person)
    query = query_text(request.GET, "q", max_length=SEARCH_MAX_LENGTH)
    chosen = {"subject": query_int(request.GET, "subject"), "cycle": None}
    error, status = "", 200
    if request.method == "POST":
        chosen = {
            "subject": _posted_id(request.POST, "subject"),
            "cycle": _posted_id(request.POST, "cycle"),
        }
        cycle = next((c for c in cycles if c.id == chosen["cycle"]), None)
        subject = subjects.filter(pk=chosen["subject"]).first() if chosen["subject"] else None
        if subject is None:
            error, status = gettext("Choose the person the feedback is about."), 400
        elif cycle is None:
            error, status = gettext("Choose one of the open cycles."), 400
        else:
            try:
                created = services.request_create(
                    cycle=cycle, subject=subject, requested_by=request.user
                )
            except DomainError as exc:
                error, status = exc.detail, exc.status
            else:
                for warning in created.warnings:
                    messages.warning(request, warning)
                messages.success(
                    request,
                    gettext(
                        "Feedback about %(name)s in %(cycle)s: these are the raters "
                        "the org chart proposes. Remove or add raters, then launch."
                    )
                    % {"name": subject.name, "cycle": cycle.name},
                )
                return redirect("request_detail", pk=created.request.pk)
    others = subjects.exclude(pk=person.pk) if person is not None else subjects
    if query:
        others = others.filter(Q(name__icontains=query) | Q(email__icontains=query))
    shown = list(others.order_by("name", "id")[:PEOPLE_SHOWN])
    more_people = others.count() > len(shown)
    # Oneself first (a manager may ask about themself), when the search allows.
    if (
        person is not None
        and person.erased_at is None
        and (not query or query.lower() in f"{person.name} {person.email}".lower())
    ):
        person.is_me = True
        shown.insert(0, person)
    if chosen["subject"] and all(p.pk != chosen["subject"] for p in shown):
        extra = subjects.filter(pk=chosen["subject"]).first()
        if extra is not None:
            shown.insert(0, extra)
    _mark_existing_requests(shown, cycles=cycles, user=request.user)
    context = {
        "cycles": cycles,
        "people": shown,
        "more_people": more_people,
        "query": query,
        "chosen": chosen,
        "me": person,
        "error": error,
        # Managers come from My team; HR without a line from the home page.
        "back": reverse(
            "reports_manager" if person and person_has_reports(person_id=person.id) else "home"
        ),
    }
    return render(request, "feedback/request_new.html", context, status=status)


def _posted_id(post, name: str) -> int | None:
    try:
        return int_strict(post.get(name, ""), minimum=1)
    except ValueError:
        return None


def _mark_existing_requests(people: list[Person], *, cycles: list[Cycle], user) -> None:
    """Tell, beside each person, the open cycles they already have a request in (and
    link it when it is the user's to manage): one request per person and cycle."""
    existing = FeedbackRequest.objects.filter(
        cycle__in=cycles, subject__in=[p.pk for p in people]
    ).select_related("cycle")
    manageable = set(
        selectors.requests_manageable_by(user=user)
        .filter(pk__in=[r.pk for r in existing])
        .values_list("pk", flat=True)
    )
    by_subject: dict[int, list] = {}
    for feedback_request in existing:
        feedback_request.is_manageable = feedback_request.pk in manageable
        by_subject.setdefault(feedback_request.subject_id, []).append(feedback_request)
    for person in people:
        person.existing_requests = by_subject.get(person.pk, [])


# --- one request -------------------------------------------------------------------------


def _manageable_or_404(request, pk: int) -> FeedbackRequest:
    # The requester or HR, as for the API's raters and launch; anyone else gets a 404.
    return get_object_or_404(
        selectors.requests_manageable_by(user=request.user).select_related(
            "subject__manager", "cycle"
        ),
        pk=pk,
    )


def _rater_state(rater: Rater, *, launched: bool) -> tuple[str, str]:
    """(label, css class) of one rater. Answered or not is never shown per rater, only
    counted per group: the page tells the requester whom they asked, not who answered."""
    if rater.approval == Rater.Approval.WAITING:
        return gettext("Waiting for approval"), "status-closed"
    if rater.approval == Rater.Approval.REJECTED:
        return gettext("Not approved: will not be asked"), "status-released"
    if rater.status == Rater.Status.PENDING:
        if launched:
            return gettext("Not invited yet: launch to invite"), ""
        return gettext("Not invited yet"), ""
    if rater.delivery == "failed":
        return gettext("Email failed"), "status-failed"
    return gettext("Invited"), "status-open"


def _approvers_words(feedback_request: FeedbackRequest) -> str:
    """Who approves a nomination on this request, in words (selectors.approvers_of's rule:
    HR, or the subject unless the subject made the request)."""
    subject = feedback_request.subject
    if subject.user_id is not None and subject.user_id != feedback_request.requested_by_id:
        return gettext("HR or %(name)s") % {"name": selectors.first_name(subject.name)}
    return gettext("HR")


def _detail_context(request, feedback_request: FeedbackRequest, **extra) -> dict:
    user = request.user
    now = timezone.now()
    cycle = feedback_request.cycle
    subject = feedback_request.subject
    raters = list(selectors.raters_for_request_page(request=feedback_request))
    # Launched: some rater has had a link (launching sets launched_at and invites).
    launched = feedback_request.launched_at is not None or any(
        r.status != Rater.Status.PENDING for r in raters
    )
    grouped = {value: [] for value, _ in _groups()}
    for rater in raters:
        rater.reason = selectors.rater_reason(rater=rater, subject=subject, viewer=user)
        rater.state, rater.state_class = _rater_state(rater, launched=launched)
        grouped[rater.relationship].append(rater)
    groups = [(label, grouped[value]) for value, label in _groups() if grouped[value]]
    to_invite = sum(
        1
        for r in raters
        if r.status == Rater.Status.PENDING
        and r.approval in (Rater.Approval.NOT_NEEDED, Rater.Approval.APPROVED)
    )
    waiting_approval = sum(1 for r in raters if r.approval == Rater.Approval.WAITING)

    progress_rows, waiting, failed = [], 0, 0
    if launched:
        counts = selectors.request_progress(request=feedback_request, with_raters=False)
        for value, label in _groups():
            c = counts["relationships"][value]
            answering = c["invited"] + c["started"]
            row = {
                "label": label,
                "done": c["submitted"],
                "waiting": answering - c["failed"],
                "declined": c["declined"],
                "failed": c["failed"],
                "not_invited": c["pending"],
                "total": c["total"],
            }
            if row["total"]:
                progress_rows.append(row)
            waiting += row["waiting"]
            failed += row["failed"]
    outlook = selectors.reminder_outlook(
        request_ids=[feedback_request.pk], presser=user, now=now
    ).get(feedback_request.pk)
    remind = selectors.remind_state(
        request=feedback_request,
        viewer=user,
        manageable=True,
        requester_is_hr=False,
        outlook=outlook,
        launched=launched,
        waiting=waiting,
        failed=failed,
        now=now,
    )
    query = extra.pop("query", "")
    candidates = selectors.directory_candidates(request=feedback_request, query=query)
    for person in candidates:
        person.suggested = selectors.relationship_suggested(subject=subject, person=person)
    return {
        "feedback_request": feedback_request,
        "cycle": cycle,
        "subject": subject,
        "is_open": cycle.status == Cycle.Status.OPEN,
        "status_words": selectors.CYCLE_STATUS_WORDS[cycle.status],
        "launched": launched,
        "groups": groups,
        "rater_count": len(raters),
        "to_invite": to_invite,
        "waiting_approval": waiting_approval,
        "approvers": _approvers_words(feedback_request),
        "warnings": selectors.request_warnings(request=feedback_request),
        "progress_rows": progress_rows,
        "answered_total": sum(row["done"] for row in progress_rows),
        "asked_total": sum(row["total"] for row in progress_rows),
        # The counts are as of this page's loading: the page says so, and offers a refresh.
        "as_of": now,
        "remind": remind,
        "failed_raters": list(selectors.raters_delivery_failed(request_ids=[feedback_request.pk])),
        "query": query,
        "search_too_short": bool(query) and len(query) < selectors.DIRECTORY_SEARCH_MIN,
        "candidates": candidates,
        "relationships": DIRECTORY_RELATIONSHIPS,
        "add_error": "",
        "typed": {},
        **extra,
    }


@login_required
def request_detail(request, pk: int):
    feedback_request = _manageable_or_404(request, pk)
    query = query_text(request.GET, "q", max_length=SEARCH_MAX_LENGTH)
    context = _detail_context(request, feedback_request, query=query)
    return render(request, "feedback/request_detail.html", context)


@login_required
@require_POST
def request_rater_add(request, pk: int):
    """Add a directory colleague (``person`` and ``relationship``) or, by ``email``, someone
    from outside, who is an "other" rater and waits for approval."""
    feedback_request = _manageable_or_404(request, pk)
    post = request.POST
    query = post.get("q", "")
    if text_problem(query, max_length=SEARCH_MAX_LENGTH):
        query = ""
    typed = {"email": post.get("email", ""), "name": post.get("name", "")}
    try:
        if "person" in post:
            person_id = _posted_id(post, "person")
            person = Person.objects.filter(pk=person_id, erased_at__isnull=True).first()
            if person is None:
                raise DomainError(gettext("Choose someone from the search results."))
            rater = services.rater_add(
                request=feedback_request,
                email=person.email,
                relationship=post.get("relationship", ""),
                actor=request.user,
            )
        else:
            rater = services.rater_add(
                request=feedback_request,
                email=typed["email"],
                relationship=Relationship.OTHER,
                name=typed["name"],
                actor=request.user,
            )
    except DomainError as exc:
        # The page again, with the reason and what was typed: nothing was written.
        context = _detail_context(
            request,
            feedback_request,
            query=query.strip(),
            add_error=" ".join(dict.fromkeys([exc.detail, *exc.messages()])),
            typed=typed,
        )
        return render(request, "feedback/request_detail.html", context, status=exc.status)
    who = rater.name or rater.email
    relationship = RELATIONSHIP_WORDS[rater.relationship]
    if rater.approval == Rater.Approval.WAITING:
        messages.success(
            request,
            gettext(
                "%(email)s added as %(relationship)s. They are outside the directory, "
                "so %(approvers)s must approve them before they get a "
                "survey link; we have emailed the approvers."
            )
            % {
                "email": rater.email,
                "relationship": relationship,
                "approvers": _approvers_words(feedback_request),
            },
        )
    elif feedback_request.launched_at is not None:
        messages.success(
            request,
            gettext("%(who)s added as %(relationship)s. Launch again to send their invitation.")
            % {"who": who, "relationship": relationship},
        )
    else:
        messages.success(
            request,
            gettext("%(who)s added as %(relationship)s.")
            % {"who": who, "relationship": relationship},
        )
    target = reverse("request_detail", args=[feedback_request.pk])
    if "person" in post and query.strip():
        # Back to the same search, to add the next colleague from it.
        target += "?" + urlencode({"q": query.strip()}) + "#add"
    else:
        target += "#raters"
    return redirect(target)


@login_required
@require_POST
def request_rater_remove(request, pk: int, rater_id: int):
    feedback_request = _manageable_or_404(request, pk)
    rater = get_object_or_404(feedback_request.raters, pk=rater_id)
    try:
        services.rater_remove(rater=rater)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            (
                gettext(
                    "%(who)s removed: they will not be asked and their survey link no longer works."
                )
                if rater.token_hash
                else gettext("%(who)s removed: they will not be asked.")
            )
            % {"who": rater.name or rater.email},
        )
    return redirect(reverse("request_detail", args=[feedback_request.pk]) + "#raters")


@login_required
@require_http_methods(["GET", "POST"])
def request_launch(request, pk: int):
    """GET states what launching does (how many invitations go now, how many wait for
    approval); POST launches."""
    feedback_request = _manageable_or_404(request, pk)
    if request.method == "POST":
        try:
            result = services.request_launch(request=feedback_request)
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            waiting = feedback_request.raters.filter(approval=Rater.Approval.WAITING).count()
            text = ngettext(
                "Launched: %(count)d invitation is on the way.",
                "Launched: %(count)d invitations are on the way.",
                result.invited,
            ) % {"count": result.invited}
            if waiting:
                text += " " + ngettext(
                    "%(count)d rater waits for approval by %(approvers)s: "
                    "each invitation goes out once approved.",
                    "%(count)d raters wait for approval by %(approvers)s: "
                    "each invitation goes out once approved.",
                    waiting,
                ) % {"count": waiting, "approvers": _approvers_words(feedback_request)}
            messages.success(request, text)
        return redirect(reverse("request_detail", args=[feedback_request.pk]) + "#progress")
    context = _detail_context(request, feedback_request)
    return render(request, "feedback/request_launch.html", context)

"""Privacy: everything the platform holds about one person (export it, or erase it), and
answers kept no longer than needed (purge a released cycle's answers).

Export gathers the person's profile, login, the feedback requested about them (with
their released results) and the surveys they were asked to answer, with their own
answers. Those answers are about other people, so the file goes to the person alone:
HR (or the person) asks, the person is emailed a personal link, and only that link
downloads it (``person_export_request``, ``person_export_download``).

Erasure removes all of it without moving any released figure of anyone else
(``person_erase``): the person record is kept as an anonymous shell so that the org
chart and other people's frozen figures still hold together, and their answers about
others are unlinked from them (their free-text comments are deleted everywhere, since
words can identify whoever wrote them).

A released cycle's figures are frozen documents (reports.GapAnalysis.data); the raw
answers behind them can go once the retention period has passed (``cycle_answers_purge``).

This app sits at the top of the layers: it reads and writes every app's rows through
their services, and no app imports it.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from accounts.models import Person, PersonExportLink
from core.audit import audit_record
from core.errors import DomainError
from core.models import AuditEvent
from development import selectors as development_selectors
from development import services as development_services
from exports import services as exports_services
from feedback.models import Comment, Cycle, FeedbackRequest, Rater, Rating
from privacy import tasks
from reports import services as reports_services


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def person_export_request(*, person: Person, actor) -> PersonExportLink:
    """Email the person a personal link to their data export; whoever asked gets nothing.

    A new request replaces the person's earlier links, so at most one works at a time.
    The token travels to the email task through the broker (only its hash is stored), as
    survey invitations do.
    """
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if _is_erased(locked):
            raise DomainError(
                gettext("This person was erased: there is nothing to export."), code="conflict"
            )
        PersonExportLink.objects.filter(person=locked).delete()
        token = secrets.token_urlsafe(32)
        now = timezone.now()
        link = PersonExportLink.objects.create(
            person=locked,
            token_hash=_token_hash(token),
            requested_by=actor if getattr(actor, "is_authenticated", False) else None,
            expires_at=now + datetime.timedelta(days=settings.PERSON_EXPORT_LINK_DAYS),
        )
        audit_record(
            actor=actor,
            action="person.export_request",
            target=locked,
            detail={"link": link.pk, "expires_at": link.expires_at.isoformat()},
        )
        link_id = link.pk
        # After commit: the worker must find the row, and a rollback must send nothing.
        transaction.on_commit(lambda: tasks.send_person_export_link.delay(link_id, token))
    return link


def _is_erased(person: Person) -> bool:
    return person.erased_at is not None


def person_export_link_send(*, link_id: int, token: str, send) -> bool:
    """Call ``send(link)`` once per link: not for a replaced, expired or already sent one.

    The row lock is held while sending, so a redelivered task cannot send twice.
    """
    with transaction.atomic():
        link = (
            PersonExportLink.objects.select_for_update()
            .select_related("person")
            .filter(pk=link_id, token_hash=_token_hash(token))
            .first()
        )
        if link is None or link.emailed_at is not None or link.expires_at <= timezone.now():
            return False
        send(link)
        link.emailed_at = timezone.now()
        link.save(update_fields=["emailed_at"])
    return True


def person_export_download(*, token: str) -> tuple[Person, dict]:
    """The export behind a personal link, built now; every download is audited.

    An unknown, replaced or expired token is not found, whatever the reason.
    """
    link = (
        PersonExportLink.objects.select_related("person")
        .filter(token_hash=_token_hash(token), expires_at__gt=timezone.now())
        .first()
    )
    if link is None or _is_erased(link.person):
        raise DomainError(gettext("No such link, or it has expired."), code="not_found")
    export = person_data_export(person=link.person)
    audit_record(
        actor=None, action="person.export_download", target=link.person, detail={"link": link.pk}
    )
    return link.person, export


def person_export_link_status(*, person: Person) -> PersonExportLink | None:
    return (
        PersonExportLink.objects.filter(person=person, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )


def person_data_export(*, person: Person) -> dict:
    """Everything held about one person. For the person's own eyes only: it holds their
    answers about other people (drafts included), so it is served through a personal
    link (``person_export_download``), never to HR."""
    requests = list(
        FeedbackRequest.objects.filter(subject=person).select_related("cycle").order_by("id")
    )
    # A person has a handful of requests: their released results one by one is fine.
    documents = {
        r.id: reports_services.gap_analysis_current(request=r).data
        for r in requests
        if r.cycle.status == "released"
    }
    raters = list(
        Rater.objects.filter(person=person)
        .select_related("request__cycle", "request__subject")
        .order_by("id")
    )
    ratings: dict[int, dict] = {}
    for rater_id, item_id, value in Rating.objects.filter(rater__in=raters).values_list(
        "rater_id", "item__rater_text", "value"
    ):
        ratings.setdefault(rater_id, {})[item_id] = value
    comments: dict[int, dict] = {}
    for rater_id, question, text in Comment.objects.filter(rater__in=raters).values_list(
        "rater_id", "question__rater_text", "text"
    ):
        comments.setdefault(rater_id, {})[question] = text
    user = person.user
    export = {
        "exported_at": timezone.now().isoformat(),
        "person": {
            "id": person.id,
            "email": person.email,
            "name": person.name,
            "title": person.title,
            "team": person.team.name if person.team_id else "",
            "manager": person.manager.email if person.manager_id else None,
        },
        "login": None
        if user is None
        else {
            "username": user.get_username(),
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "groups": sorted(user.groups.values_list("name", flat=True)),
        },
        "feedback_about_them": [
            {
                "cycle": r.cycle.name,
                "cycle_status": r.cycle.status,
                "results": documents.get(r.id),
            }
            for r in requests
        ],
        "surveys_they_were_asked_to_answer": [
            {
                "cycle": rater.request.cycle.name,
                "about": rater.request.subject.name,
                "relationship": rater.relationship,
                "status": rater.status,
                "ratings": ratings.get(rater.id, {}),
                "comments": comments.get(rater.id, {}),
            }
            for rater in raters
        ],
        # Their development plans with every word, and the comments on them (issue 16).
        "development_plans": development_selectors.plan_export(person=person),
        "actions_they_took": list(
            AuditEvent.objects.filter(actor=user).values("at", "action", "target_label")
            if user
            else []
        ),
    }
    return export


@transaction.atomic
def person_erase(*, person: Person, actor=None) -> None:
    """Erase a person; no released figure of anyone else moves (issue 11).

    - Their words go everywhere: every comment they wrote is deleted, and so is its entry
      in every stored document (one entry per comment: an identical comment by someone
      else stays), and every stored export file of the cycles concerned.
    - Feedback about them in a released cycle: their report is gone for everyone (404),
      their row leaves every team list, the raters and answers about them are deleted;
      their frozen share of the team figures (pole scores, item means, response counts)
      stays, anonymous, so team means, subject counts and response rates hold.
    - Feedback about them in any other cycle is deleted, as nothing about it is final.
    - Their answers about others are unlinked from them (ratings kept, anonymous, so
      other people's figures hold), their survey links stop working.
    - Their login goes; their record stays as an anonymous shell for the org chart.
    """
    if actor is not None and getattr(actor, "pk", None) == person.user_id:
        raise DomainError(
            gettext("You cannot erase yourself: ask another HR person."), code="conflict"
        )
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.erased_at is not None:
        raise DomainError(gettext("This person has already been erased."), code="conflict")
    label = f"erased person #{person.pk}"
    about_them = FeedbackRequest.objects.filter(subject=person)
    their_raters = Rater.objects.filter(person=person)
    written = Comment.objects.filter(rater__in=their_raters).exclude(text="")
    touched_cycles = set(about_them.values_list("cycle_id", flat=True)) | set(
        written.values_list("rater__request__cycle_id", flat=True)
    )
    # Released history is made final first: every document rendered and frozen, every
    # response count frozen, so nothing below can move a released figure.
    for cycle_id in sorted(
        Cycle.objects.filter(
            pk__in=touched_cycles | set(their_raters.values_list("request__cycle_id", flat=True)),
            status=Cycle.Status.RELEASED,
        ).values_list("id", flat=True)
    ):
        reports_services.cycle_results_freeze(cycle_id=cycle_id)

    # Their words, from the rows and from every stored document and file.
    removed = list(
        written.values_list(
            "rater__request_id", "question__rater_text", "rater__relationship", "text"
        )
    )
    Comment.objects.filter(rater__in=their_raters).delete()
    reports_services.comments_erase(comments=removed)
    exports_services.exports_erase(cycle_ids=sorted(touched_cycles), line_of_id=person.pk)

    # Feedback about them.
    released = list(
        about_them.filter(cycle__status=Cycle.Status.RELEASED).values_list("id", flat=True)
    )
    reports_services.subject_results_erase(request_ids=released)
    Rater.objects.filter(request_id__in=released).delete()  # answers cascade; counts frozen
    about_them.exclude(id__in=released).delete()  # raters, answers and results cascade

    # Their answers about others: unlinked, their links dead.
    for rater in Rater.objects.filter(person=person):
        rater.email = f"erased-rater-{rater.pk}@invalid.example"
        rater.name = ""
        rater.decline_reason = ""
        rater.person = None
        rater.token_hash = None
        rater.save(update_fields=["email", "name", "decline_reason", "person", "token_hash"])
    PersonExportLink.objects.filter(person=person).delete()
    # Their development plans, and every comment they wrote on anyone's plan.
    plans_deleted = development_services.plans_erase(person=person)
    user = person.user
    if user is not None:
        AuditEvent.objects.filter(actor=user).update(actor=None, actor_label=label)
        person.user = None
    AuditEvent.objects.filter(target_type="accounts.person", target_id=person.pk).update(
        target_label=label
    )
    person.email = f"erased-{person.pk}@invalid.example"
    person.name = label.capitalize()
    person.title = ""
    person.erased_at = timezone.now()
    person.save()
    if user is not None:
        user.delete()
    audit_record(
        actor=actor,
        action="person.erase",
        detail={
            "person_id": person.pk,
            "released_requests_kept_anonymous": len(released),
            "comments_deleted": len(removed),
            "development_plans_deleted": plans_deleted,
        },
    )


def cycle_answers_purge(*, cycle: Cycle, actor=None, now: datetime.datetime | None = None) -> dict:
    """Delete a released cycle's ratings, comments and decline reasons, keeping its figures."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
        if locked.status != Cycle.Status.RELEASED:
            raise DomainError(
                gettext(
                    "Only a released cycle’s answers can be purged: its figures must be final first."
                ),
                code="conflict",
            )
        allowed_from = locked.released_at + datetime.timedelta(days=settings.ANSWER_RETENTION_DAYS)
        if now < allowed_from:
            raise DomainError(
                gettext(
                    "Answers are kept %(days)d days after release: "
                    "this cycle’s can be purged from %(day)s."
                )
                % {
                    "days": settings.ANSWER_RETENTION_DAYS,
                    "day": date_format(timezone.localtime(allowed_from), "DATE_FORMAT"),
                },
                code="conflict",
            )
        # Every figure is rendered and frozen before the answers behind it go.
        reports_services.cycle_results_freeze(cycle_id=locked.id)
        raters = Rater.objects.filter(request__cycle=locked)
        ratings, _ = Rating.objects.filter(rater__in=raters).delete()
        comments, _ = Comment.objects.filter(rater__in=raters).delete()
        raters.exclude(decline_reason="").update(decline_reason="")
        locked.answers_purged_at = now
        locked.save(update_fields=["answers_purged_at"])
        counts = {"ratings": ratings, "comments": comments}
        audit_record(actor=actor, action="cycle.purge_answers", target=locked, detail=counts)
    return counts

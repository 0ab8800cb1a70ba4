"""Everything the platform holds about one person: export it, or erase it.

Export gathers the person's profile, login, the feedback requested about them (with
their released results) and the surveys they were asked to answer, with their own
answers. Erasure removes all of it: the feedback about them is deleted; the person
record is kept as an anonymous shell so that the org chart and other people's frozen
figures still hold together, and their answers about others are unlinked from them
(their free-text comments are deleted, since words can identify whoever wrote them).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import Person
from core.audit import audit_record
from core.errors import DomainError
from core.models import AuditEvent


def person_data_export(*, person: Person, actor=None) -> dict:
    from feedback.models import Comment, FeedbackRequest, Rater, Rating
    from reports.services import gap_analysis_current

    requests = list(
        FeedbackRequest.objects.filter(subject=person).select_related("cycle").order_by("id")
    )
    # A person has a handful of requests: their released results one by one is fine.
    documents = {
        r.id: gap_analysis_current(request=r).data for r in requests if r.cycle.status == "released"
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
        "actions_they_took": list(
            AuditEvent.objects.filter(actor=user).values("at", "action", "target_label")
            if user
            else []
        ),
    }
    audit_record(actor=actor, action="person.export", target=person)
    return export


@transaction.atomic
def person_erase(*, person: Person, actor=None) -> None:
    from feedback.models import Comment, FeedbackRequest, Rater

    if actor is not None and getattr(actor, "pk", None) == person.user_id:
        raise DomainError("You cannot erase yourself: ask another HR person.", code="conflict")
    person = Person.objects.select_for_update().get(pk=person.pk)
    label = f"erased person #{person.pk}"
    # Feedback about them: requests, raters, answers and results go (cascade).
    FeedbackRequest.objects.filter(subject=person).delete()
    # Their answers about others: unlinked; their words deleted.
    their_raters = Rater.objects.filter(person=person)
    Comment.objects.filter(rater__in=their_raters).delete()
    for rater in their_raters:
        rater.email = f"erased-rater-{rater.pk}@invalid.example"
        rater.name = ""
        rater.decline_reason = ""
        rater.person = None
        rater.save(update_fields=["email", "name", "decline_reason", "person"])
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
    person.save()
    if user is not None:
        user.delete()
    audit_record(actor=actor, action="person.erase", detail={"person_id": person.pk})

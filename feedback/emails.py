"""Emails to raters. Links are absolute, built from SITE_URL; the token is the only credential."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from accounts.models import Person
from core.languages import in_language
from core.mail import deliver, header_text
from feedback import selectors
from feedback.models import RELATIONSHIP_AS, RELATIONSHIP_AS_TO_SUBJECT, Rater
from feedback.vocabulary import ANONYMOUS, Relationship


def survey_link(*, token: str) -> str:
    return f"{settings.SITE_URL}/s/{token}/"


def _context(rater: Rater, token: str) -> dict:
    request = rater.request
    subject_person = request.subject
    is_self = rater.relationship == Relationship.SELF
    return {
        "name": rater.name or rater.email,
        "subject_name": subject_person.name,
        "is_self": is_self,
        # Plain words, as on the survey page: "as someone they work with outside their team".
        "as_phrase": RELATIONSHIP_AS[rater.relationship],
        "anonymous": rater.relationship in ANONYMOUS,
        "cycle_name": request.cycle.name,
        "deadline": date_format(
            timezone.localtime(request.cycle.closes_at), gettext("l j F Y, H:i T")
        ),
        "link": survey_link(token=token),
        "minutes": 10,
    }


def _send(*, rater: Rater, title: str, template: str, context: dict) -> None:
    message = EmailMultiAlternatives(
        # Names come from stored data: a line break in one must not fail every email.
        subject=header_text(title),
        body=render_to_string(f"feedback/email/{template}.txt", context),
        to=[rater.email],
    )
    message.attach_alternative(
        render_to_string(f"feedback/email/{template}.html", context), "text/html"
    )
    deliver(message)


def invitation_send(*, rater: Rater, token: str) -> None:
    # The rater's language: their own, else the subject's, else the site's (issue 18).
    with in_language(selectors.rater_language(rater=rater)):
        context = _context(rater, token)
        request = rater.request
        names = {"cycle_name": request.cycle.name, "subject_name": request.subject.name}
        if context["is_self"]:
            title = gettext("Your own view: self-assessment for %(cycle_name)s") % names
        else:
            title = gettext("Feedback for %(subject_name)s: your view is requested") % names
        _send(rater=rater, title=title, template="invitation", context=context)


def reminder_send(*, rater: Rater, token: str) -> None:
    with in_language(selectors.rater_language(rater=rater)):
        context = _context(rater, token)
        context["started"] = rater.status == Rater.Status.STARTED
        request = rater.request
        names = {"cycle_name": request.cycle.name, "subject_name": request.subject.name}
        if context["is_self"]:
            title = gettext("Reminder: your self-assessment for %(cycle_name)s closes soon") % names
        else:
            title = gettext("Reminder: feedback for %(subject_name)s closes soon") % names
        _send(rater=rater, title=title, template="reminder", context=context)


def approval_request_send(address: str, is_hr: bool, request, raters: list[Rater]) -> None:
    """Ask one approver (HR, or the subject) to approve or decline nominations."""
    # In the approver's language: the subject's own, or the HR person's at that address.
    language = (
        Person.objects.filter(email=address.lower()).values_list("language", flat=True).first()
        if is_hr
        else request.subject.language
    )
    with in_language(language):
        _approval_request_send(address, is_hr, request, raters)


def _approval_request_send(address: str, is_hr: bool, request, raters: list[Rater]) -> None:
    page = reverse("reports_hr") if is_hr else reverse("reports_mine")
    nominators = sorted({r.nominated_by.get_username() for r in raters if r.nominated_by_id})
    context = {
        "subject_name": request.subject.name,
        "is_subject": not is_hr,
        "cycle_name": request.cycle.name,
        "nominees": [
            {
                "name": r.name,
                "email": r.email,
                "as_phrase": (RELATIONSHIP_AS if is_hr else RELATIONSHIP_AS_TO_SUBJECT)[
                    r.relationship
                ],
            }
            for r in raters
        ],
        "nominators": ", ".join(nominators) or gettext("the requester"),
        "link": f"{settings.SITE_URL}{page}#approvals",
    }
    count = len(raters)
    title = ngettext(
        "Feedback for %(subject_name)s: %(count)d rater to approve",
        "Feedback for %(subject_name)s: %(count)d raters to approve",
        count,
    ) % {"subject_name": request.subject.name, "count": count}
    message = EmailMultiAlternatives(
        subject=header_text(title),
        body=render_to_string("feedback/email/approval_request.txt", context),
        to=[address],
    )
    message.attach_alternative(
        render_to_string("feedback/email/approval_request.html", context), "text/html"
    )
    message.send()

"""The check-in email: the subject's own actions, due soon or overdue, and a link to the plan."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext

from core.languages import in_language
from core.mail import deliver, header_text


def checkin_send(person, actions, today) -> None:
    with in_language(person.language):
        _checkin_send(person, actions, today)


def _checkin_send(person, actions, today) -> None:
    rows = [
        {
            "text": action.text,
            "due": date_format(action.due_date, gettext("l j F Y")),
            "overdue": action.due_date < today,
            "plan_link": f"{settings.SITE_URL}{reverse('plan_detail', args=[action.plan_id])}",
        }
        for action in actions
    ]
    overdue = any(row["overdue"] for row in rows)
    context = {"name": person.name, "actions": rows, "overdue": overdue}
    title = (
        gettext("Your development plan: an action is overdue")
        if overdue
        else gettext("Your development plan: actions due soon")
    )
    message = EmailMultiAlternatives(
        subject=header_text(title),
        body=render_to_string("development/email/checkin.txt", context),
        to=[person.email],
    )
    message.attach_alternative(
        render_to_string("development/email/checkin.html", context), "text/html"
    )
    deliver(message)

"""Emails about results. Links are absolute, built from SITE_URL."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext

from core.languages import in_language
from core.mail import deliver, header_text


def report_released_send(*, debrief) -> None:
    """Tell a subject that their coach released their report (issue 16)."""
    with in_language(debrief.request.subject.language):
        _report_released_send(debrief)


def _report_released_send(debrief) -> None:
    request = debrief.request
    subject = request.subject
    context = {
        "name": subject.name,
        "cycle_name": request.cycle.name,
        "coach_name": debrief.coach.name,
        "link": f"{settings.SITE_URL}{reverse('report', kwargs={'pk': request.pk})}",
    }
    message = EmailMultiAlternatives(
        subject=header_text(
            gettext("Your feedback report for %(cycle_name)s is ready")
            % {"cycle_name": request.cycle.name}
        ),
        body=render_to_string("reports/email/report_released.txt", context),
        to=[subject.email],
    )
    message.attach_alternative(
        render_to_string("reports/email/report_released.html", context), "text/html"
    )
    deliver(message)

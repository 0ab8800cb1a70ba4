"""Emails about logins. Links are absolute, built from SITE_URL."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.formats import date_format
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext

from core.languages import in_language


def login_invitation_send(*, user_id: int) -> None:
    user = get_user_model().objects.select_related("person").filter(pk=user_id).first()
    if user is None or not user.email:
        return  # removed since it was queued: nothing to send
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    person = getattr(user, "person", None)
    with in_language(person.language if person else ""):
        _login_invitation_send(user, person, path)


def _login_invitation_send(user, person, path: str) -> None:
    context = {
        "name": person.name if person else user.username,
        "username": user.username,
        "link": f"{settings.SITE_URL}{path}",
        "site_url": settings.SITE_URL,
        "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    message = EmailMultiAlternatives(
        subject=gettext("Your Feedback 360 login"),
        body=render_to_string("accounts/email/login_invitation.txt", context),
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("accounts/email/login_invitation.html", context), "text/html"
    )
    message.send()


def person_export_link_send(*, link, token: str) -> None:
    """The person's own link to their data export, to their directory email only."""
    with in_language(link.person.language):
        _person_export_link_send(link, token)


def _person_export_link_send(link, token: str) -> None:
    person = link.person
    requested_by = link.requested_by
    context = {
        "name": person.name,
        "link": f"{settings.SITE_URL}{reverse('my_data_download', kwargs={'token': token})}",
        "asked_by_self": requested_by is not None and requested_by.pk == person.user_id,
        "expires": date_format(timezone.localtime(link.expires_at), gettext("l j F Y, H:i T")),
        "site_url": settings.SITE_URL,
    }
    message = EmailMultiAlternatives(
        subject=gettext("Your data in Feedback 360: your personal download link"),
        body=render_to_string("accounts/email/data_export.txt", context),
        to=[person.email],
    )
    message.attach_alternative(
        render_to_string("accounts/email/data_export.html", context), "text/html"
    )
    message.send()

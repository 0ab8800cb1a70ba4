"""The accounts app's Celery tasks: thin, each takes ids and calls one function."""

from celery import shared_task

from accounts import emails
from core.mail import email_task_options


@shared_task(**email_task_options())
def send_login_invitation(user_id: int) -> None:
    emails.login_invitation_send(user_id=user_id)

from celery import shared_task

from accounts import emails
from core.mail import email_task_options


@shared_task(**email_task_options())
def send_login_invitation(user_id: int) -> None:
    emails.login_invitation_send(user_id=user_id)


@shared_task(**email_task_options())
def send_person_export_link(link_id: int, token: str) -> None:
    # The token travels through the broker because only its hash is stored; a retry or a
    # duplicate delivery sends nothing once this link's email went out or was replaced.
    from accounts import privacy

    privacy.person_export_link_send(
        link_id=link_id,
        token=token,
        send=lambda link: emails.person_export_link_send(link=link, token=token),
    )

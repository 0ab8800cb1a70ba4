"""The privacy app's Celery tasks: thin, each takes ids and calls one service.

``services`` imports this module and queues these tasks, these tasks call ``services``:
both import the other module object (never names from it), so either may load first.
"""

from celery import shared_task

from accounts import emails
from core.mail import email_task_options
from privacy import services


# Named as before it moved here from accounts: a message queued by the previous release
# still finds its task.
@shared_task(name="accounts.tasks.send_person_export_link", **email_task_options())
def send_person_export_link(link_id: int, token: str) -> None:
    # The token travels through the broker because only its hash is stored; a retry or a
    # duplicate delivery sends nothing once this link's email went out or was replaced.
    services.person_export_link_send(
        link_id=link_id,
        token=token,
        send=lambda link: emails.person_export_link_send(link=link, token=token),
    )

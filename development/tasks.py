"""Check-in emails: thin tasks over ``development.services``."""

from celery import shared_task

from core.mail import email_task_options
from development import emails, services


@shared_task(acks_late=True)
def send_checkins() -> int:
    # Beat, hourly: one task per subject, so one bad address never holds up the rest.
    return services.checkins_queue()


@shared_task(**email_task_options())
def send_checkin(subject_id: int) -> int:
    # The date is read at run time: a retry the next day re-checks what is due.
    return services.checkin_send(subject_id=subject_id, send=emails.checkin_send)

"""Check-in emails: thin tasks over ``development.services``."""

import datetime

from celery import shared_task

from core.mail import email_task_options
from development import emails, services


@shared_task(acks_late=True)
def send_checkins() -> int:
    # Beat, hourly: one task per subject, so one bad address never holds up the rest.
    return services.checkins_queue()


@shared_task(**email_task_options())
def send_checkin(subject_id: int, today: str | None = None) -> int:
    # The sweep's date travels with the task (what it found due, it found due that day);
    # the claim still re-checks each action, so a retry or a duplicate sends nothing twice.
    return services.checkin_send(
        subject_id=subject_id,
        send=emails.checkin_send,
        today=datetime.date.fromisoformat(today) if today else None,
    )

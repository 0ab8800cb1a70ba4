from celery import shared_task
from django.utils import timezone

from core.mail import email_task_options
from feedback import emails, services


@shared_task(**email_task_options())
def send_invitation(rater_id: int, token: str) -> None:
    # The token travels through the broker because only its hash is stored; a retry or a
    # duplicate delivery sends nothing once this token's email went out or was replaced.
    services.invitation_mark_sent(
        rater_id=rater_id,
        token=token,
        send=lambda rater: emails.invitation_send(rater=rater, token=token),
    )


@shared_task(acks_late=True)
def send_reminders() -> int:
    # Beat, hourly: one task per due rater, so one bad address never holds up the rest.
    return services.reminders_queue(now=timezone.now())


@shared_task(**email_task_options())
def send_reminder(rater_id: int) -> bool:
    # The clock is read at run time: a retry an hour later re-checks that it is still due.
    return services.reminder_send(
        rater_id=rater_id,
        now=timezone.now(),
        send=lambda rater, token: emails.reminder_send(rater=rater, token=token),
    )


@shared_task(**email_task_options())
def send_approval_requests(request_id: int) -> int:
    # Each approver gets one email listing the request's new nominations; a retry or a
    # duplicate delivery finds them announced and sends nothing.
    return services.approval_requests_send(request_id=request_id, send=emails.approval_request_send)

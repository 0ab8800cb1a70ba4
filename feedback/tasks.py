"""The feedback app's Celery tasks: thin, each takes ids and calls one service.

The one place its task references live: ``services`` imports this module and queues these
tasks, these tasks call ``services``. Both import the other module object (never names
from it) and use it only when called, so either may be imported first.
"""

from celery import Task, shared_task
from django.utils import timezone

from core.mail import delivery_error_text, email_task_options
from feedback import emails, services


class RaterEmailTask(Task):
    """An email to one rater, called as ``(rater_id[, token])``.

    When it finally fails (refused for good, which is not retried, or still failing once
    ``email_task_options``' retries are spent) Celery calls ``on_failure`` exactly once,
    and the rater is marked, so the requester and HR see "failed" with a Retry instead of
    an "invited" that never arrived. A retry calls ``on_retry`` instead, so a transient
    fault that clears up leaves no mark.
    """

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        rater_id = kwargs.get("rater_id", args[0] if args else None)
        token = kwargs.get("token", args[1] if len(args) > 1 else None)
        if rater_id is None:
            return
        services.delivery_mark_failed(
            rater_id=rater_id,
            token=token,
            error=delivery_error_text(exc, attempts=self.request.retries + 1),
        )


@shared_task(base=RaterEmailTask, **email_task_options())
def send_invitation(rater_id: int, token: str) -> None:
    # The token travels through the broker because only its hash is stored; a retry or a
    # duplicate delivery sends nothing once this token's email went out or was replaced.
    services.invitation_mark_sent(
        rater_id=rater_id,
        token=token,
        send=lambda rater: emails.invitation_send(rater=rater, token=token),
    )


@shared_task(acks_late=True)
def send_invitations(invitations: list) -> int:
    # A whole cycle's launch, queued as one message so the page that opened it answers at
    # once: one email task per rater from here. Running twice sends nothing twice, since
    # each invitation goes out once per token (``send_invitation``).
    for rater_id, token in invitations:
        send_invitation.delay(rater_id, token)
    return len(invitations)


@shared_task(base=RaterEmailTask, **email_task_options())
def send_reminder_link(rater_id: int, token: str) -> None:
    # A reminder a person asked for: the link was claimed when they pressed (the one-a-day
    # rule); this only delivers it, once per token, as an invitation is delivered.
    services.invitation_mark_sent(
        rater_id=rater_id,
        token=token,
        send=lambda rater: emails.reminder_send(rater=rater, token=token),
        reminder=True,
    )


@shared_task(acks_late=True)
def send_reminders() -> int:
    # Beat, hourly: one task per due rater, so one bad address never holds up the rest.
    return services.reminders_queue(now=timezone.now())


@shared_task(base=RaterEmailTask, **email_task_options())
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

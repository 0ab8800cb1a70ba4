"""A local outbox for development: each email is written to OUTBOX_DIR as an .eml file.

Django's file backend appends several messages to one log file; one file per
message lets the outbox page list, open and link each email on its own.
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        outbox = Path(settings.OUTBOX_DIR)
        outbox.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
            path = outbox / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            # Write then rename, so the outbox page never reads half a message.
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(message.message().as_bytes(linesep="\n"))
            tmp.rename(path)
            sent += 1
        return sent


def email_task_options() -> dict:
    """Celery options for every task that sends an email: an SMTP fault (an OSError,
    smtplib's included) is retried with exponential backoff, and the message is
    acknowledged only once the task is done."""
    return {
        "acks_late": True,
        "autoretry_for": (OSError,),
        "retry_backoff": settings.EMAIL_RETRY_BACKOFF_SECONDS,
        "retry_backoff_max": 900,
        "max_retries": 8,
    }

"""A local outbox for development: each email is written to OUTBOX_DIR as an .eml file.

Django's file backend appends several messages to one log file; one file per
message lets the outbox page list, open and link each email on its own.
"""

import smtplib
import unicodedata
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail import BadHeaderError
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


def header_text(value: str) -> str:
    """One line of text fit for an email header (a subject), whatever the stored data holds.

    Django refuses a header holding CR or LF (``BadHeaderError``), which would fail every
    email about a person whose name was stored with a line break (legacy rows, an admin
    edit). Every control or invisible format character becomes a space and runs of spaces
    collapse, so the email goes out and a stray ``Bcc:`` stays visible text in the subject.
    """
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in value
    )
    return " ".join(cleaned.split())


class UndeliverableError(Exception):
    """The mail server refused a message for good (an SMTP 5xx reply): retrying cannot help.

    Not an OSError, so ``email_task_options``' automatic retry lets it fail at once.
    """

    def __init__(self, code: int):
        super().__init__(f"SMTP {code}")
        self.code = code


def _permanent_code(exc: smtplib.SMTPException) -> int | None:
    # RFC 5321: a 5yz reply is a permanent failure; a 4yz reply or a lost connection is not.
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return min(codes) if codes and all(code >= 500 for code in codes) else None
    if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500:
        return exc.smtp_code
    return None


def deliver(message) -> None:
    """Send one EmailMessage; a permanent refusal becomes ``UndeliverableError``."""
    try:
        message.send()
    except smtplib.SMTPException as exc:
        code = _permanent_code(exc)
        if code is None:
            raise  # transient: an OSError, retried by the task
        raise UndeliverableError(code) from exc


def delivery_error_text(exc: BaseException, *, attempts: int) -> str:
    """What a manager or HR may read about a failed email: the kind of failure, never the
    raw exception (which names addresses and the server's own words)."""
    if isinstance(exc, UndeliverableError):
        return f"The mail server refused the email for good (SMTP {exc.code})."
    if isinstance(exc, BadHeaderError):
        return "The email could not be built from the stored name or address."
    code = None
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
    elif isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code = max(code for code, _ in exc.recipients.values())
    if code is not None:
        return f"The mail server kept deferring the email (SMTP {code}, {attempts} attempts)."
    if isinstance(exc, OSError):
        return f"The mail server could not be reached ({attempts} attempts)."
    return "The email could not be sent (an unexpected error, logged by the worker)."

import datetime

import pytest
from django.utils import timezone

from core.errors import DomainError
from feedback import services
from feedback.models import Rater


def in_days(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


@pytest.fixture
def draft_cycle(org):
    return services.cycle_create(
        name="Spring 2026", closes_at=in_days(14), created_by=org["hr"].user
    )


@pytest.fixture
def open_cycle(draft_cycle):
    return services.cycle_open(cycle=draft_cycle)


@pytest.fixture
def dev_request(org, open_cycle):
    """Feedback about dev, requested by lead: self dev, boss lead, peer Pat."""
    return services.request_create(
        cycle=open_cycle, subject=org["dev"], requested_by=org["lead"].user
    ).request


def tokens_from_outbox() -> dict[int, str]:
    """rater id -> raw token, read from the survey links in the emails sent, as a rater
    would find them (only the token's hash is stored)."""
    import re

    from django.core import mail

    from feedback.selectors import rater_for_token

    tokens = {}
    for message in mail.outbox:
        for token in re.findall(r"/s/([A-Za-z0-9_-]{20,})/", message.body):
            try:
                tokens[rater_for_token(token=token).pk] = token
            except DomainError:
                continue  # a link that was replaced since
    return tokens


@pytest.fixture
def launched(dev_request, django_capture_on_commit_callbacks):
    """dev_request launched (emails sent in-process); returns {relationship: raw token}."""
    with django_capture_on_commit_callbacks(execute=True):
        services.request_launch(request=dev_request)
    return {
        Rater.objects.get(pk=rater_id).relationship: token
        for rater_id, token in tokens_from_outbox().items()
    }


@pytest.fixture
def questionnaire(db):
    """Version 1 of the questionnaire, reloaded for transactional tests (their flush drops
    what the data migration created)."""
    import importlib

    from django.apps import apps

    from feedback.models import Framework

    if not Framework.objects.filter(version=1).exists():
        migration = importlib.import_module("feedback.migrations.0002_framework_v1")
        migration.load(apps, None)
    return Framework.objects.get(version=1)


@pytest.fixture(autouse=True)
def _forget_token_guesses():
    """Unknown-token counts live in the cache (Redis when configured): start every test clean."""
    from feedback.throttle import guessing_forget

    for address in ("127.0.0.1", "10.0.0.1", "10.0.0.2"):
        guessing_forget(address)
    yield


class SmtpHandler:
    """What a real mail server answers, per recipient: refuse for good (550), defer (451)
    a number of times (-1: always), or accept. Counts every RCPT attempt."""

    def __init__(self):
        self.refuse: set[str] = set()
        self.defer: dict[str, int] = {}
        self.attempts: dict[str, int] = {}
        self.messages: list[tuple[list[str], str]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.attempts[address] = self.attempts.get(address, 0) + 1
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        if self.defer.get(address, 0):
            self.defer[address] -= 1
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf8", "replace")))
        return "250 Message accepted for delivery"

    def received_by(self, address: str) -> list[str]:
        return [content for rcpt, content in self.messages if address in rcpt]


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd) in this process, and Django sending to it over TCP."""
    from aiosmtpd.controller import Controller

    from tests.faults.conftest import free_port

    handler = SmtpHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield handler
    controller.stop()

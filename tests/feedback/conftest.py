import datetime
import email
import email.policy
import re

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
        # Its German, French and Spanish texts too (issue 18).
        importlib.import_module("feedback.migrations.0018_framework_v1_translations").load(
            apps, None
        )
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


# --- browser walks: pages, mail from the real SMTP server, surveys ---------------------

PHONE, DESKTOP = 390, 1280
SURVEY_LINK = re.compile(r"http://\S+/s/[A-Za-z0-9_-]{43,}/")


def new_page(browser, live_server, width: int):
    context = browser.new_context(
        viewport={"width": width, "height": 800}, base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.csp_violations = violations
    return page


@pytest.fixture
def pages(browser, live_server, settings):
    """Open browser pages (one per person: each its own context, so its own login),
    closed and checked for CSP violations at the end."""
    settings.SITE_URL = live_server.url
    opened = []

    def _open(width: int = PHONE):
        page = new_page(browser, live_server, width)
        opened.append(page)
        return page

    yield _open
    for page in opened:
        page.context.close()
    assert not [v for page in opened for v in page.csp_violations]


@pytest.fixture
def look(axe_check, screenshot):
    """Look at the page as it is, at a phone's and a desktop's width: nothing wider than
    the screen, no serious axe-core violation, and a screenshot for a person to look at."""

    def _look(page, name: str) -> None:
        current = page.viewport_size
        for width in (PHONE, DESKTOP):
            page.set_viewport_size({"width": width, "height": 800})
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
            axe_check(page, f"{name} at {width}px")
            screenshot(page, f"{name}-{width}")
        page.set_viewport_size(current)

    return _look


class Mailbox:
    """The messages the real SMTP server received, read as a mail client would."""

    def __init__(self, smtp, wait_for):
        self.smtp, self.wait_for = smtp, wait_for

    def bodies(self, address: str) -> list[tuple[str, str]]:
        found = []
        for content in self.smtp.received_by(address):
            # As bytes with the modern policy: an 8-bit body (German, French, Spanish) and
            # an encoded subject come out as the text the recipient reads.
            message = email.message_from_bytes(content.encode(), policy=email.policy.default)
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    found.append((str(message["Subject"]), part.get_content()))
        return found

    def survey_link(self, address: str, *, subject_starts: str = "") -> str:
        """The newest survey link sent to ``address`` (in a message whose subject starts
        with ``subject_starts``), waiting for it to arrive."""

        def link():
            links = [
                SURVEY_LINK.search(text)
                for subject, text in self.bodies(address)
                if subject.startswith(subject_starts)
            ]
            links = [match.group(0) for match in links if match]
            return links[-1] if links else None

        return self.wait_for(link, timeout=60)


def answer_survey(page, link: str, choice: str = "Often", *, look=None, name: str = ""):
    """Open the link from an email as the rater's mail client would, give every statement
    ``choice`` and submit; ``look`` at the survey and the thank-you page when given."""
    from playwright.sync_api import expect  # only browser tests need Playwright installed

    page.goto(link)  # the link in the email: one of the addresses a walk may type
    scales = page.locator("fieldset.item")
    expect(scales.first).to_be_visible()
    if look:
        look(page, f"{name}-survey")
    for index in range(scales.count()):
        scales.nth(index).locator("label.choice", has_text=choice).click()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    if look:
        look(page, f"{name}-thank-you")

"""Fixtures shared by the whole suite.

Tests that need a real service (PostgreSQL, Redis, a Celery worker, Chromium) ask for
it through ``need_service``: without it they are skipped with the reason, and with
REQUIRE_SERVICES=1 they fail instead, so CI cannot pass by skipping.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from config.celery_app import app as celery_app
from tests.factories import PersonFactory, person_with_login

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
# Sync Playwright runs an event loop in the test thread; Django's live_server tests then
# need this to touch the database from that thread (see PITFALLS.md).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
_skipped: list[str] = []


def need_service(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    # Belt and braces: whatever skipped a test, a required-services run must not pass.
    if REQUIRE_SERVICES and _skipped and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    if REQUIRE_SERVICES and _skipped:
        terminalreporter.write_line(
            f"REQUIRE_SERVICES=1: {len(_skipped)} skipped test(s) fail the run.", red=True
        )


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        need_service("this test needs PostgreSQL (set DATABASE_URL)")
    return connection


def _broker_reachable() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # any transport error means unreachable
        return False
    return True


@pytest.fixture(autouse=True)
def _fresh_questionnaire_cache():
    """SQLite gives a rolled-back test's ids to the next test's rows: forget the cached
    questionnaire rows (keyed by framework id, see feedback.selectors.survey_rows)."""
    from feedback.selectors import _framework_rows

    _framework_rows.cache_clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a page or a service that activated another
    one (the survey's switch, a person's language) leaves it active on the thread, which a
    request resets but a plain function call in the next test would not."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    """Each test counts password resets from zero: the counts live in the cache, which
    outlives a test (per-process memory) or even the run (Redis). A fresh key prefix, not
    a cache flush, which on Redis would also empty the broker's database."""
    import uuid

    settings.RATELIMIT_CACHE_PREFIX = f"rl:{uuid.uuid4().hex}:"


@pytest.fixture(autouse=True)
def _fresh_guess_counts():
    """Each test starts with no unknown survey links counted for 127.0.0.1 (the test client
    and live servers): on Redis the count outlives a test, and a test that probes many
    unknown links (the hostile-input walk) would slow down the next one."""
    from feedback.throttle import guessing_forget

    guessing_forget("127.0.0.1")


@pytest.fixture(autouse=True)
def _eager_celery_by_default(request):
    """Unit tests run tasks in-process; only tests that ask for ``celery_worker`` use the broker."""
    if "celery_worker" in request.fixturenames or "real_broker" in request.fixturenames:
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def _use_the_real_broker() -> None:
    """Send tasks to the configured Redis broker, its default queue emptied first; skip
    (or fail, with REQUIRE_SERVICES) when there is none."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        need_service("this test needs a Celery broker (set CELERY_BROKER_URL)")
    if not _broker_reachable():
        need_service(f"the Celery broker at {settings.CELERY_BROKER_URL} is not reachable")
    celery_app.conf.task_always_eager = False
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)


@pytest.fixture
def real_broker(transactional_db):
    """Tasks go to the configured Redis broker (its default queue emptied first), for
    tests that run their own worker processes."""
    _use_the_real_broker()
    yield settings.CELERY_BROKER_URL
    celery_app.conf.task_always_eager = True


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker consuming from the configured Redis broker, in a thread."""
    from celery.contrib.testing.worker import start_worker

    _use_the_real_broker()
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30
    ) as worker:
        yield worker


@pytest.fixture
def wait_for():
    """Poll a condition (what a user would do: look again) instead of sleeping blindly."""
    import time

    def _wait(condition, *, timeout: float = 20.0, interval: float = 0.05):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"condition not met within {timeout}s")

    return _wait


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (its own browser download does not work here)."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        need_service("browser tests need Debian's chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need_service("browser tests need the playwright package (requirements-dev.txt)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def phone(browser, live_server, settings):
    """A 360-pixel-wide phone screen on the live server; links in emails point at it."""
    settings.SITE_URL = live_server.url
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, base_url=live_server.url, device_scale_factor=2
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    # Any page that breaks the content security policy fails the test that opened it.
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    yield page
    context.close()
    assert not violations, f"content security policy violations: {violations}"


@pytest.fixture
def desktop(browser, live_server, settings):
    """A 1280-pixel-wide desktop screen on the live server (the phone fixture's twin)."""
    settings.SITE_URL = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    yield page
    context.close()
    assert not violations, f"content security policy violations: {violations}"


# axe-core impacts that fail a page: WCAG 2.1 AA problems a person cannot work around.
AXE_FAILING_IMPACTS = {"serious", "critical"}


@pytest.fixture
def axe_check():
    """Run axe-core (axe-playwright-python) on the page as it is now; fail on any serious
    or critical violation, naming the rule and the elements."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def _check(page, what: str) -> None:
        results = axe.run(page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]})
        failing = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
            for v in results.response["violations"]
            if v["impact"] in AXE_FAILING_IMPACTS
        ]
        assert not failing, f"{what}: axe-core violations: {failing}"

    return _check


@pytest.fixture
def screenshot():
    """Save what the user sees to var/screenshots/ for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shot(page, name: str):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return _shot


@pytest.fixture
def org(db):
    """A fixed little organisation: ceo > vp > lead > dev, plus hr and an outsider.

    Named like healthchecks' owner/member/outsider so tests read as sentences; shared by
    the accounts and feedback tests.
    """
    ceo = person_with_login(email="ceo@example.com", name="Cleo Executive", team=None)
    vp = person_with_login(email="vp@example.com", name="Victor Vice", manager=ceo)
    lead = person_with_login(email="lead@example.com", name="Lena Lead", manager=vp)
    dev = person_with_login(email="dev@example.com", name="Dev Eloper", manager=lead)
    peer = PersonFactory(email="peer@example.com", name="Pat Peer", manager=lead)
    hr = person_with_login(email="hr@example.com", name="Hana HR", hr=True, manager=ceo)
    outsider = person_with_login(email="outsider@example.com", name="Otto Outside")
    return {
        "ceo": ceo,
        "vp": vp,
        "lead": lead,
        "dev": dev,
        "peer": peer,
        "hr": hr,
        "outsider": outsider,
    }


@pytest.fixture
def api_as():
    def _client(person=None):
        client = APIClient()
        if person is not None:
            client.force_authenticate(person.user)
        return client

    return _client

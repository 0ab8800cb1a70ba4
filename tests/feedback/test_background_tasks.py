"""With the embedded defaults (no broker) no page waits for a task (issue 14).

The page that opens a cycle queues the invitations; in a process serving pages they run on
the in-process task thread (core/background.py) after the page has answered. The email
backend below refuses to send until the test says the page has answered (or 3 s pass),
and records which came first, so a page that sends inline fails the test."""

import threading

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse

from core import background
from feedback import services
from feedback.models import Rater
from tests.feedback.conftest import in_days

page_answered = threading.Event()
sent_after_page: list[bool] = []
sending_threads: set[str] = set()


class WaitForThePageBackend(EmailBackend):
    def send_messages(self, messages):
        sent_after_page.append(page_answered.wait(timeout=3))
        sending_threads.add(threading.current_thread().name)
        return super().send_messages(messages)


@pytest.fixture
def background_tasks(settings):
    settings.EMAIL_BACKEND = f"{__name__}.WaitForThePageBackend"
    page_answered.clear()
    sent_after_page.clear()
    sending_threads.clear()
    background.enable()
    yield
    page_answered.set()
    assert background.wait_idle(timeout=60)
    background.enable(False)


@pytest.mark.django_db(transaction=True)
def test_open_cycle_answers_before_the_invitations_are_sent(
    client, org, questionnaire, background_tasks
):
    cycle = services.cycle_create(
        name="Autumn 2026", closes_at=in_days(14), created_by=org["hr"].user
    )
    services.cycle_participants_add(cycle=cycle, people=[org["dev"].pk, org["lead"].pk])
    mail.outbox = []
    client.force_login(org["hr"].user)

    response = client.post(reverse("cycle_review", args=[cycle.pk]))
    page_answered.set()

    assert response.status_code == 302
    assert response.url.startswith(reverse("reports_hr")), "the cycle was not opened"
    assert background.wait_idle(timeout=60)
    raters = Rater.objects.filter(request__cycle=cycle)
    assert raters.count() == 7
    # Every invitation went out, each after the page had answered, from the task thread.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(raters.values_list("email", flat=True))
    assert sent_after_page and all(sent_after_page)
    assert sending_threads and all(name.startswith("tasks") for name in sending_threads)
    assert not raters.filter(invitation_sent_hash="").exists()


@pytest.mark.django_db(transaction=True)
def test_tasks_run_in_the_order_queued_and_a_failure_does_not_stop_the_next(org, caplog):
    order: list[str] = []

    def fails():
        order.append("first")
        raise RuntimeError("boom")

    background.enable()
    try:
        background.submit("fails", fails)
        background.submit("second", order.append, "second")
        assert background.wait_idle(timeout=30)
    finally:
        background.enable(False)
    assert order == ["first", "second"]
    assert "in-process task fails failed" in caplog.text

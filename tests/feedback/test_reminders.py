"""Reminders: on the configured days before closing, at most one a day, never twice."""

import datetime
import re
import threading
import time
from collections import Counter

import pytest
from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.core import mail
from django.db import connections

from config.celery_app import app as celery_app
from core.errors import DomainError
from feedback import emails, selectors, services, tasks
from feedback.models import Rater

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
LINK = re.compile(r"http://\S+/s/([A-Za-z0-9_-]{43,})/")


@pytest.fixture
def invited(launched, open_cycle):
    """dev_request launched three weeks before its close; every invitation long sent."""
    close = open_cycle.closes_at
    Rater.objects.update(invited_at=close - 21 * DAY)
    return {"close": close, "tokens": launched}


def due_at(now):
    days = settings.REMINDER_DAYS_BEFORE_CLOSE
    return sorted(selectors.raters_due_reminder(now=now, days=days).values_list("email", flat=True))


def remind_all(now):
    """What one beat run does, with the clock set by hand."""
    sent = []
    for rater_id in selectors.raters_due_reminder(
        now=now, days=settings.REMINDER_DAYS_BEFORE_CLOSE
    ).values_list("id", flat=True):
        services.reminder_send(
            rater_id=rater_id, now=now, send=lambda rater, token: sent.append((rater, token))
        )
    return sent


EVERYONE = ["dev@example.com", "lead@example.com", "peer@example.com"]


@pytest.mark.django_db
def test_it_defaults_to_seven_two_and_one_days_and_runs_hourly_from_beat():
    assert settings.REMINDER_DAYS_BEFORE_CLOSE == [7, 2, 1]
    entry = settings.CELERY_BEAT_SCHEDULE["send-reminders"]
    assert entry == {"task": "feedback.tasks.send_reminders", "schedule": 3600}


@pytest.mark.django_db
def test_it_reminds_only_on_the_configured_days_before_closing(invited):
    close = invited["close"]
    assert due_at(close - 8 * DAY) == []
    assert due_at(close - 7 * DAY - HOUR) == []
    assert due_at(close - 7 * DAY + HOUR) == EVERYONE
    assert due_at(close - 6 * DAY - HOUR / 60) == EVERYONE  # 6 days and a minute: day 7
    assert due_at(close - 6 * DAY + HOUR) == []
    assert due_at(close - 3 * DAY + HOUR) == []
    assert due_at(close - 2 * DAY + HOUR) == EVERYONE
    assert due_at(close - DAY + HOUR) == EVERYONE
    assert due_at(close + HOUR) == []  # past the close nobody is chased


@pytest.mark.django_db
def test_it_sends_one_reminder_per_window_whatever_the_number_of_beat_runs(invited):
    close = invited["close"]
    per_run = []
    # Hourly beat from eight days before the close to the close, off the window edges.
    moment = close - 8 * DAY + HOUR / 2
    while moment < close:
        per_run.append((moment, sorted(r.email for r, _ in remind_all(moment))))
        moment += HOUR
    runs_with_mail = [(close - m) for m, emails_sent in per_run if emails_sent]
    assert all(emails_sent == EVERYONE for _, emails_sent in per_run if emails_sent)
    # One run in each of the windows 7, 2 and 1: three reminders each, never two in a day.
    assert [d.days for d in runs_with_mail] == [6, 1, 0]
    assert all(b - a >= DAY for a, b in zip(runs_with_mail[1:], runs_with_mail, strict=False))


@pytest.mark.django_db
def test_it_skips_submitted_declined_and_closed_and_the_freshly_invited(invited, org, open_cycle):
    close = invited["close"]
    tokens = invited["tokens"]
    services.survey_decline(token=tokens["peer"], reason="on leave")
    Rater.objects.filter(relationship="boss").update(status="submitted")
    # The self rater was invited only half a day ago: an invitation counts as today's email.
    now = close - 2 * DAY + HOUR
    Rater.objects.filter(relationship="self").update(invited_at=now - DAY / 2)
    assert due_at(now) == []
    Rater.objects.filter(relationship="self").update(invited_at=now - DAY)
    assert due_at(now) == ["dev@example.com"]
    services.cycle_close(cycle=open_cycle)
    assert due_at(now) == []


@pytest.mark.django_db
def test_it_reminds_with_a_fresh_link_that_resumes_the_draft_and_kills_the_old_one(invited):
    close = invited["close"]
    old = invited["tokens"]["peer"]
    peer = Rater.objects.get(relationship="peer")
    item = selectors.survey_items(rater=peer).first()
    services.survey_save_draft(token=old, ratings={str(item.id): 4})
    mail.outbox.clear()
    now = close - 2 * DAY + HOUR
    assert services.reminder_send(
        rater_id=peer.pk,
        now=now,
        send=lambda rater, token: emails.reminder_send(rater=rater, token=token),
    )
    (message,) = mail.outbox
    assert message.to == ["peer@example.com"]
    assert message.subject == "Reminder: feedback for Dev Eloper closes soon"
    html = message.alternatives[0][0]
    new = LINK.search(message.body).group(1)
    assert LINK.search(html).group(1) == new
    for body in (message.body, html):
        assert "replaces the one in earlier emails" in body
        assert "Your draft is saved" in body
        assert close.strftime("%B %Y") in body
    with pytest.raises(DomainError):
        selectors.rater_for_token(token=old)
    resumed = selectors.rater_for_token(token=new)
    assert selectors.survey_answers(rater=resumed)["ratings"] == {item.id: 4}
    assert Rater.objects.get(pk=peer.pk).last_reminded_at == now
    # A late invitation task for the old link sends nothing.
    mail.outbox.clear()
    tasks.send_invitation(peer.pk, old)
    assert mail.outbox == []


@pytest.mark.django_db
def test_it_sends_nothing_when_the_same_reminder_is_delivered_twice(invited):
    now = invited["close"] - DAY + HOUR
    peer = Rater.objects.get(relationship="peer")
    sent = []
    for _ in range(2):
        services.reminder_send(rater_id=peer.pk, now=now, send=lambda r, t: sent.append(t))
    assert len(sent) == 1


@pytest.mark.django_db
def test_it_keeps_the_old_link_and_the_claim_when_the_smtp_send_fails(invited):
    now = invited["close"] - DAY + HOUR
    peer = Rater.objects.get(relationship="peer")

    def smtp_down(rater, token):
        raise OSError("SMTP down")

    with pytest.raises(OSError):
        services.reminder_send(rater_id=peer.pk, now=now, send=smtp_down)
    assert Rater.objects.get(pk=peer.pk).last_reminded_at is None
    assert selectors.rater_for_token(token=invited["tokens"]["peer"]).pk == peer.pk
    sent = []
    assert services.reminder_send(rater_id=peer.pk, now=now, send=lambda r, t: sent.append(t))
    assert len(sent) == 1


@pytest.mark.django_db
def test_it_queues_one_task_per_due_rater_from_the_beat_task(invited, settings):
    settings.REMINDER_DAYS_BEFORE_CLOSE = [14]  # the cycle closes in 14 days
    mail.outbox.clear()
    # Tasks run in-process here: each queued reminder is sent at once.
    assert tasks.send_reminders() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        Rater.objects.values_list("email", flat=True)
    )


def test_it_retries_transient_mail_faults_late_acked():
    task = tasks.send_reminder
    assert task.acks_late is True
    assert task.autoretry_for == (OSError,)
    assert task.max_retries == 8


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_claims_send_one_reminder_on_postgresql(
    postgres, questionnaire, org, django_capture_on_commit_callbacks
):
    from tests.feedback.conftest import in_days

    cycle = services.cycle_open(cycle=services.cycle_create(name="Race", closes_at=in_days(1.5)))
    request = services.request_create(
        cycle=cycle, subject=org["dev"], requested_by=org["hr"].user
    ).request
    services.request_launch(request=request)  # autocommit: invitations go out in-process
    Rater.objects.update(invited_at=cycle.closes_at - 10 * DAY)
    rater = Rater.objects.get(relationship="peer")
    now = cycle.closes_at - 2 * DAY + HOUR
    barrier = threading.Barrier(2)
    sent = []

    def slow_send(rater, token):
        time.sleep(0.3)  # hold the claim while the other thread tries its own
        sent.append(token)

    def claim():
        try:
            barrier.wait()
            services.reminder_send(rater_id=rater.pk, now=now, send=slow_send)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sent) == 1
    assert Rater.objects.get(pk=rater.pk).token_hash == selectors.token_hash(token=sent[0])


@pytest.mark.services
def test_it_sends_reminders_through_a_real_worker(
    postgres, real_broker, questionnaire, org, wait_for
):
    """Two beat sweeps in a row queue two reminders per rater; a worker running them side
    by side sends each rater one. Both deliveries of a reminder pass the "is it due" read
    before either claims it: only the claim's conditional UPDATE stops the second (an
    unconditional one sends six emails here). The test holds the raters' rows until all
    six deliveries wait on them, so the race happens every run, not by chance."""
    from celery.contrib.testing.worker import start_worker
    from django.db import connection, transaction

    from tests.feedback.conftest import in_days

    # Closing in half a day: inside the "1 day before" window.
    cycle = services.cycle_open(cycle=services.cycle_create(name="Worker", closes_at=in_days(0.5)))
    request = services.request_create(
        cycle=cycle, subject=org["dev"], requested_by=org["hr"].user
    ).request
    # Six threads: both sweeps' deliveries of the three reminders at once.
    with start_worker(
        celery_app,
        pool="threads",
        concurrency=6,
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=30,
    ):
        services.request_launch(request=request)
        wait_for(
            lambda: Rater.objects.filter(request=request, invited_at__isnull=False).count() == 3
        )
        wait_for(lambda: len(mail.outbox) >= 3)
        Rater.objects.filter(request=request).update(
            invited_at=cycle.closes_at - 10 * DAY, status="invited"
        )
        mail.outbox.clear()
        # Every task the worker starts and finishes from here on: the count is read once
        # all of them are done, not after a guessed pause.
        started, finished = Counter(), Counter()

        def on_start(sender=None, **kwargs):
            started[sender.name] += 1

        def on_finish(sender=None, **kwargs):
            finished[sender.name] += 1

        def waiting_on_a_lock() -> int:
            with connection.cursor() as cursor:
                # Inside a transaction the statistics views keep their first snapshot.
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                return cursor.fetchone()[0]

        task_prerun.connect(on_start, weak=False)
        task_postrun.connect(on_finish, weak=False)
        try:
            with transaction.atomic():
                list(Rater.objects.select_for_update().filter(request=request))
                tasks.send_reminders.delay()
                tasks.send_reminders.delay()  # two beat runs in a row
                wait_for(lambda: waiting_on_a_lock() == 6)
            with celery_app.connection_for_write() as conn:
                queue = settings.CELERY_TASK_DEFAULT_QUEUE

                def all_done() -> bool:
                    # Both sweeps ran, the queue is empty and no task is running: every
                    # reminder either sweep queued has been tried.
                    waiting = conn.default_channel.client.llen(queue)
                    return (
                        finished["feedback.tasks.send_reminders"] == 2
                        and not waiting
                        and (started == finished)
                    )

                wait_for(all_done)
        finally:
            task_prerun.disconnect(on_start)
            task_postrun.disconnect(on_finish)
    assert started["feedback.tasks.send_reminder"] == 6
    assert Rater.objects.filter(request=request, last_reminded_at__isnull=False).count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == EVERYONE
    assert all(m.subject.startswith("Reminder:") for m in mail.outbox)
    token = LINK.search(mail.outbox[0].body).group(1)
    assert selectors.rater_for_token(token=token).email == mail.outbox[0].to[0]

"""Invitations: tokens, one email per rater and per token, retries, and a real worker."""

import datetime
import hashlib
import re

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from feedback import services, tasks
from feedback.models import Rater
from tests.feedback.conftest import tokens_from_outbox

URL_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")
DAY = datetime.timedelta(days=1)


def launch(request, capture):
    with capture(execute=True):
        return services.request_launch(request=request)


@pytest.mark.django_db
def test_it_stores_only_the_hash_of_a_long_url_safe_token(launched):
    assert set(launched) == {"self", "boss", "peer"}
    for relationship, token in launched.items():
        assert len(token) >= 43
        assert URL_SAFE.match(token)
        rater = Rater.objects.get(relationship=relationship)
        assert rater.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert rater.status == "invited"
        stored = " ".join(str(v) for v in Rater.objects.filter(pk=rater.pk).values().get().values())
        assert token not in stored
    assert len(set(launched.values())) == 3


@pytest.mark.django_db
def test_it_emails_each_rater_once_with_subject_deadline_and_link(
    dev_request, django_capture_on_commit_callbacks
):
    result = launch(dev_request, django_capture_on_commit_callbacks)
    assert result.invited == 3
    assert sorted(m.to[0] for m in mail.outbox) == [
        "dev@example.com",
        "lead@example.com",
        "peer@example.com",
    ]
    by_to = {m.to[0]: m for m in mail.outbox}
    peer = by_to["peer@example.com"]
    assert peer.subject == "Feedback for Dev Eloper: your view is requested"
    html = peer.alternatives[0][0]
    for body in (peer.body, html):
        assert "Dev Eloper" in body
        assert re.search(rf"{re.escape(settings.SITE_URL)}/s/[A-Za-z0-9_-]{{43,}}/", body)
        assert dev_request.cycle.closes_at.strftime("%B %Y") in body
        assert "anonymous" in body
    own = by_to["dev@example.com"]
    assert own.subject.startswith("Your own view")
    assert "Your own view" in own.body and "Your own view" in own.alternatives[0][0]
    assert (
        "shown to Dev Eloper as their boss's view, with your name" in by_to["lead@example.com"].body
    )


@pytest.mark.django_db
def test_it_never_emails_anyone_twice_when_launched_again(
    dev_request, django_capture_on_commit_callbacks, settings
):
    launch(dev_request, django_capture_on_commit_callbacks)
    hashes = dict(Rater.objects.values_list("id", "token_hash"))
    result = launch(dev_request, django_capture_on_commit_callbacks)
    assert (result.invited, len(mail.outbox)) == (0, 3)
    assert dict(Rater.objects.values_list("id", "token_hash")) == hashes
    settings.ALLOWED_RATER_DOMAINS = ["partner.example"]  # no approval step (issue 11)
    services.rater_add(request=dev_request, email="ext@partner.example", relationship="other")
    result = launch(dev_request, django_capture_on_commit_callbacks)
    assert result.invited == 1
    assert [m.to[0] for m in mail.outbox[3:]] == ["ext@partner.example"]


@pytest.mark.django_db
def test_it_sends_nothing_when_the_same_task_runs_twice(launched):
    rater = Rater.objects.get(relationship="peer")
    mail.outbox.clear()
    Rater.objects.filter(pk=rater.pk).update(invitation_sent_hash="")
    tasks.send_invitation(rater.pk, launched["peer"])
    tasks.send_invitation(rater.pk, launched["peer"])
    assert len(mail.outbox) == 1
    assert Rater.objects.get(pk=rater.pk).invited_at is not None


@pytest.mark.django_db
def test_it_kills_the_old_link_on_resend_and_never_mails_it(
    launched, django_capture_on_commit_callbacks
):
    from core.errors import DomainError
    from feedback.selectors import rater_for_token

    rater = Rater.objects.get(relationship="peer")
    # Invited two days ago: a resend is a reminder, allowed once the last email is a day old.
    Rater.objects.filter(pk=rater.pk).update(invited_at=timezone.now() - 2 * DAY)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.rater_resend(rater=rater)
    assert len(mail.outbox) == 1  # the new link, sent once
    new_token = tokens_from_outbox()[rater.pk]
    assert new_token != launched["peer"]
    with pytest.raises(DomainError):
        rater_for_token(token=launched["peer"])
    assert rater_for_token(token=new_token).pk == rater.pk
    mail.outbox.clear()
    tasks.send_invitation(rater.pk, launched["peer"])  # a late task for the old link
    tasks.send_invitation(rater.pk, new_token)  # a duplicate delivery of the new one
    assert mail.outbox == []


def test_it_is_configured_to_retry_transient_mail_faults_late_acked():
    task = tasks.send_invitation
    assert task.acks_late is True
    assert task.autoretry_for == (OSError,)
    assert task.retry_backoff and task.max_retries == 8


@pytest.mark.django_db
def test_it_leaves_a_failed_send_unmarked_so_the_retry_sends_it(launched):
    rater = Rater.objects.get(relationship="peer")
    Rater.objects.filter(pk=rater.pk).update(invitation_sent_hash="", invited_at=None)

    def smtp_down(rater):
        raise OSError("SMTP down")

    with pytest.raises(OSError):
        services.invitation_mark_sent(rater_id=rater.pk, token=launched["peer"], send=smtp_down)
    assert Rater.objects.get(pk=rater.pk).invited_at is None
    sent = []
    assert services.invitation_mark_sent(
        rater_id=rater.pk, token=launched["peer"], send=sent.append
    )
    assert [r.pk for r in sent] == [rater.pk]
    assert Rater.objects.get(pk=rater.pk).invited_at is not None


@pytest.mark.services
def test_it_emails_each_rater_exactly_once_through_a_real_worker(
    celery_worker, questionnaire, org, wait_for, settings
):
    from tests.feedback.conftest import in_days

    cycle = services.cycle_open(cycle=services.cycle_create(name="Worker", closes_at=in_days(5)))
    request = services.request_create(
        cycle=cycle, subject=org["dev"], requested_by=org["hr"].user
    ).request
    mail.outbox.clear()
    services.request_launch(request=request)
    services.request_launch(request=request)  # a double click
    wait_for(lambda: Rater.objects.filter(request=request, invited_at__isnull=False).count() == 3)
    wait_for(lambda: len(mail.outbox) >= 3)
    # Give stray duplicates time to show up before counting.
    # A trusted domain: no approval step (issue 11), the launch invites the rater at once.
    settings.ALLOWED_RATER_DOMAINS = ["partner.example"]
    services.rater_add(request=request, email="late@partner.example", relationship="other")
    services.request_launch(request=request)
    wait_for(lambda: len(mail.outbox) >= 4)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "dev@example.com",
        "late@partner.example",
        "lead@example.com",
        "peer@example.com",
    ]

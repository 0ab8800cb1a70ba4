"""Login invitations go through the real broker and a real Celery worker."""

import pytest
from django.core import mail

from accounts.services import logins_invite
from tests.factories import PersonFactory

pytestmark = pytest.mark.services


def test_it_sends_the_invitation_from_the_worker_after_commit(celery_worker, wait_for):
    PersonFactory(email="ann@example.com", name="Ann Able")
    logins_invite(emails=["ann@example.com"])
    wait_for(lambda: len(mail.outbox) == 1)
    assert mail.outbox[0].to == ["ann@example.com"]
    assert "/accounts/reset/" in mail.outbox[0].body

"""Plain words for a rater's role: "you were asked as someone they work with outside
their team", never "as their other", the same on the survey page and in every email."""

import re

import pytest
from django.core import mail

from feedback import services
from feedback.models import Rater
from tests.feedback.conftest import in_days, tokens_from_outbox

pytestmark = pytest.mark.django_db

JARGON = re.compile(r"their other|’s other|'s other|as other\b|as direct report\b", re.IGNORECASE)


@pytest.fixture
def outside_rater(org, dev_request, django_capture_on_commit_callbacks):
    """Dev's request launched, with a rater from outside the team (approved by HR)."""
    with django_capture_on_commit_callbacks(execute=True):
        rater = services.rater_add(
            request=dev_request,
            email="olga@partner.example",
            relationship="other",
            actor=org["lead"].user,
        )
    approvals = {m.to[0]: m for m in mail.outbox}
    with django_capture_on_commit_callbacks(execute=True):
        services.rater_approve(rater=rater, actor=org["hr"].user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_launch(request=dev_request)
    return {"rater": Rater.objects.get(pk=rater.pk), "approvals": approvals}


def test_the_invitation_and_the_survey_say_outside_their_team(client, outside_rater):
    (message,) = [m for m in mail.outbox if m.to == ["olga@partner.example"]]
    for body in (message.body, message.alternatives[0][0]):
        flat = " ".join(body.split())
        assert "you were asked as someone they work with outside their team" in flat
        assert not JARGON.search(flat)
    token = tokens_from_outbox()[outside_rater["rater"].pk]
    html = " ".join(client.get(f"/s/{token}/").content.decode().split())
    assert "You were asked as <strong>someone they work with outside their team</strong>" in html
    assert "only if at least 3 people they work with outside their team answered" in html
    assert not JARGON.search(html)


def test_the_approval_emails_name_the_role_in_plain_words(outside_rater):
    approvals = outside_rater["approvals"]
    to_hr = " ".join(approvals["hr@example.com"].body.split())
    to_subject = " ".join(approvals["dev@example.com"].body.split())
    assert "olga@partner.example, as someone they work with outside their team" in to_hr
    assert "olga@partner.example, as someone you work with outside your team" in to_subject
    for body in (to_hr, to_subject):
        assert not JARGON.search(body)


def test_the_direct_report_survey_says_someone_who_reports_to_them(
    client, org, launched, django_capture_on_commit_callbacks
):
    # Lena's request: Dev reports to her, so Dev is asked as a direct report.
    cycle = services.cycle_open(
        cycle=services.cycle_create(name="Summer 2026", closes_at=in_days(10))
    )
    request = services.request_create(
        cycle=cycle, subject=org["lead"], requested_by=org["vp"].user
    ).request
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_launch(request=request)
    dev = Rater.objects.get(request=request, relationship="direct_report", email="dev@example.com")
    token = tokens_from_outbox()[dev.pk]
    html = " ".join(client.get(f"/s/{token}/").content.decode().split())
    assert "You were asked as <strong>someone who reports to them</strong>" in html
    assert "only if at least 3 people who report to them answered" in html

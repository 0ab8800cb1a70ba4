"""Nomination approval seen on a 360-pixel phone: the subject approves, HR declines."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from feedback import services
from feedback.models import Rater
from tests.accounts.test_browser import log_in
from tests.feedback.conftest import in_days

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def waiting(org, questionnaire):
    """Lead asked for feedback about Dev, launched it, then nominated two outsiders."""
    cycle = services.cycle_open(
        cycle=services.cycle_create(name="Spring 2026", closes_at=in_days(14))
    )
    request = services.request_create(
        cycle=cycle, subject=org["dev"], requested_by=org["lead"].user
    ).request
    services.request_launch(request=request)
    for email in ("ann@mail.example", "ben@mail.example"):
        services.rater_add(
            request=request, email=email, relationship="other", actor=org["lead"].user
        )
    mail.outbox.clear()
    return request


def test_the_subject_sees_who_was_asked_and_approves_a_nomination_on_a_phone(
    phone, screenshot, org, waiting
):
    log_in(phone, "dev@example.com")
    phone.get_by_role("link", name="My feedback").first.click()
    section = phone.get_by_role("region", name="Who was asked")
    expect(section).to_contain_text("Lena Lead")
    expect(section).to_contain_text("Pat Peer")
    expect(section).to_contain_text("ann@mail.example")
    expect(section).to_contain_text("2 raters from outside the directory wait for your approval")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "nomination-subject-phone")
    phone.get_by_role("button", name="Approve ann@mail.example").click()
    expect(phone.get_by_role("status")).to_contain_text("ann@mail.example approved")
    # The request is launched: Ann's survey link went out on approval.
    ann = [m for m in mail.outbox if m.to == ["ann@mail.example"]]
    assert len(ann) == 1 and re.search(r"/s/[A-Za-z0-9_-]{43,}/", ann[0].body)
    assert Rater.objects.get(email="ann@mail.example").status == "invited"


def test_hr_declines_a_nomination_from_the_approvals_list_on_a_phone(
    phone, screenshot, org, waiting
):
    log_in(phone, "hr@example.com")
    phone.get_by_role("link", name="Cycles").first.click()
    approvals = phone.get_by_role("region", name="Approvals")
    expect(approvals).to_contain_text("ben@mail.example")
    expect(approvals).to_contain_text("Proposed by lead@example.com")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "nomination-hr-phone")
    phone.get_by_role("button", name="Decline ben@mail.example").click()
    expect(phone.get_by_role("status")).to_contain_text("ben@mail.example declined")
    expect(phone.get_by_role("region", name="Approvals")).not_to_contain_text("ben@mail.example")
    assert all(m.to != ["ben@mail.example"] for m in mail.outbox)
    assert Rater.objects.get(email="ben@mail.example").approval == "rejected"

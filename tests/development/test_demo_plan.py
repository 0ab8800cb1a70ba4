"""The demo holds a development plan: Sofia's, from her autumn 2025 report, shared with her
managers; her spring report opens with its focus behaviours."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from development.models import Plan, PlanComment
from feedback.models import FeedbackRequest

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_the_demo_has_a_shared_plan_the_subject_and_manager_can_open(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    [plan] = Plan.objects.all()
    assert plan.subject.email == "sofia.martinez@example.com"
    assert plan.request.cycle.status == "released" and plan.shared_at is not None
    assert plan.focus.count() == 2 and plan.actions.count() == 3
    assert PlanComment.objects.get().author.email == "daniel.kim@example.com"
    # Sofia, and Amara (the CEO, in whose line Sofia is, with a demo login).
    for login in ("sofia.martinez@example.com", "amara.okafor@example.com"):
        client = Client()
        client.force_login(User.objects.get(username=login))
        page = client.get(f"/plans/{plan.pk}/")
        assert page.status_code == 200
        assert "Hold a fortnightly coaching hour" in page.content.decode()
    report = Client()
    report.force_login(User.objects.get(username="sofia.martinez@example.com"))
    spring = FeedbackRequest.objects.get(subject=plan.subject, cycle__name="Spring 2026 review")
    html = report.get(f"/reports/requests/{spring.id}/").content.decode()
    assert (
        html.index('id="b-vision"') < html.index('id="b-development"') < html.index('id="b-change"')
    )
    # The change since autumn 2025, in the same order, the focus ones labelled too.
    assert html.index('id="change-vision"') < html.index('id="change-development"')
    assert html.index('id="change-development"') < html.index('id="change-change"')
    assert html.count("Your focus") == 4
    # A second run adds nothing.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    assert Plan.objects.count() == 1 and PlanComment.objects.count() == 1

"""The demo holds a development plan: Liam's, from his released report, shared with Sofia."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from development.models import Plan, PlanComment

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_the_demo_has_a_shared_plan_the_subject_and_manager_can_open(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    [plan] = Plan.objects.all()
    assert plan.subject.email == "liam.chen@example.com"
    assert plan.request.cycle.status == "released" and plan.shared_at is not None
    assert plan.focus.count() == 2 and plan.actions.count() == 3
    assert PlanComment.objects.get().author.email == "sofia.martinez@example.com"
    for login in ("liam.chen@example.com", "sofia.martinez@example.com"):
        client = Client()
        client.force_login(User.objects.get(username=login))
        page = client.get(f"/plans/{plan.pk}/")
        assert page.status_code == 200
        assert "Hold a fortnightly coaching hour" in page.content.decode()
    report = Client()
    report.force_login(User.objects.get(username="liam.chen@example.com"))
    html = report.get(f"/reports/requests/{plan.request_id}/").content.decode()
    assert html.index("Your focus") < html.index('id="b-change"')
    # A second run adds nothing.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    assert Plan.objects.count() == 1 and PlanComment.objects.count() == 1

"""seed_demo: a believable organisation, loaded twice without duplicating anything."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.models import Person, Team
from accounts.selectors import user_is_hr
from demo.seed import EARLIER_CYCLE_NAME, RELEASED_CYCLE_NAME

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        Person.objects.count(),
        Team.objects.count(),
        get_user_model().objects.count(),
        sorted(Person.objects.values_list("email", "manager__email")),
    )


def test_it_loads_two_teams_a_ceo_managers_and_reports(capsys):
    call_command("seed_demo")
    assert Person.objects.count() >= 12
    assert set(Team.objects.values_list("name", flat=True)) == {"Product", "Operations"}
    [ceo] = Person.objects.filter(manager__isnull=True)
    assert ceo.title == "Chief Executive Officer"
    managers = Person.objects.filter(reports__isnull=False).distinct()
    assert managers.count() >= 4
    out = capsys.readouterr().out
    assert "hannah.reyes@example.com" in out and "feedback-demo" in out


def test_it_gives_working_logins_including_hr(client):
    call_command("seed_demo")
    hr = get_user_model().objects.get(username="hannah.reyes@example.com")
    assert user_is_hr(hr)
    response = client.post(
        "/accounts/login/",
        {"username": "sofia.martinez@example.com", "password": "feedback-demo"},
    )
    assert response.status_code == 302 and client.get("/").status_code == 200


def test_it_duplicates_nothing_when_run_twice():
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first


def test_it_holds_a_released_cycle_whose_reports_the_subjects_can_read(
    django_capture_on_commit_callbacks,
):
    from rest_framework.test import APIClient

    from feedback.models import Cycle, FeedbackRequest

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    released = Cycle.objects.get(name=RELEASED_CYCLE_NAME, status=Cycle.Status.RELEASED)
    liam = get_user_model().objects.get(username="liam.chen@example.com")
    request = FeedbackRequest.objects.get(cycle=released, subject__user=liam)
    client = APIClient()
    client.force_authenticate(liam)
    body = client.get(f"/api/v1/requests/{request.id}/results/").json()
    assert body["groups"]["self"] == {"n": 1, "shown": True}
    # Liam's two peers are fewer than three: counted, not shown on their own.
    assert body["groups"]["peer"] == {"n": 2, "shown": False}
    assert body["blind_spots"], "the demo's self views run high: there are blind spots"
    assert Cycle.objects.filter(status=Cycle.Status.OPEN).count() == 1


def test_sofias_spring_report_shows_the_change_since_her_autumn_2025_review(
    django_capture_on_commit_callbacks,
):
    """Issue 16: the demo subject with two released cycles."""
    from rest_framework.test import APIClient

    from feedback.models import FeedbackRequest

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    sofia = get_user_model().objects.get(username="sofia.martinez@example.com")
    request = FeedbackRequest.objects.get(cycle__name=RELEASED_CYCLE_NAME, subject__user=sofia)
    client = APIClient()
    client.force_authenticate(sofia)
    (previous,) = client.get(f"/api/v1/requests/{request.id}/results/").json()["previous"]
    assert previous["cycle"]["name"] == EARLIER_CYCLE_NAME
    assert previous["rater_mix_changed"] is True
    assert previous["groups"]["peer"] == {"before": 1, "now": 2}
    vision = previous["behaviours"][0]
    assert vision["leadership"]["others"]["notable"] is True
    assert vision["leadership"]["others"]["change"] > 1
    change = previous["behaviours"][1]
    assert change["leadership"]["others"]["notable"] is False

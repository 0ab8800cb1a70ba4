"""HR edits the questionnaire by copying it as a new version; used versions are read-only."""

import pytest
from django.urls import reverse

from feedback.models import Framework


@pytest.fixture
def hr_client(client, org):
    user = org["hr"].user
    user.is_staff = True
    user.save()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_it_copies_a_version_as_the_next_one(hr_client):
    v1 = Framework.objects.get(version=1)
    response = hr_client.post(
        reverse("admin:feedback_framework_changelist"),
        {"action": "copy_as_new_version", "_selected_action": [v1.pk]},
        follow=True,
    )
    assert response.status_code == 200
    v2 = Framework.objects.get(version=2)
    assert list(v2.items.values_list("position", "behaviour", "pole", "rater_text")) == list(
        v1.items.values_list("position", "behaviour", "pole", "rater_text")
    )
    assert v2.questions.count() == 3
    assert "copied as version 2" in response.content.decode()


@pytest.mark.django_db
def test_it_shows_a_used_version_read_only(hr_client, open_cycle):
    v1 = Framework.objects.get(version=1)
    url = reverse("admin:feedback_framework_change", args=[v1.pk])
    page = hr_client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = hr_client.post(url, {"name": "changed"})
    assert response.status_code == 403
    assert Framework.objects.get(pk=v1.pk).name != "changed"


@pytest.mark.django_db
def test_it_lets_hr_edit_an_unused_version(hr_client):
    v1 = Framework.objects.get(version=1)
    page = hr_client.get(reverse("admin:feedback_framework_change", args=[v1.pk]))
    assert 'name="_save"' in page.content.decode()


# --- cycles (issue 11, finding 6): the admin follows the state machine ----------------


@pytest.fixture
def superuser_client(client, org):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("root@example.com", "root@example.com", "x")
    client.force_login(user)
    return client


@pytest.fixture(params=["hr", "superuser"])
def admin_client(request):
    return request.getfixturevalue(f"{request.param}_client")


def cycle_form(cycle=None, **changes) -> dict:
    """The cycle change form as a browser posts it (the closing date in two inputs)."""
    import datetime

    from django.utils import timezone

    closes_at = timezone.localtime(
        changes.pop("closes_at", None)
        or (cycle.closes_at if cycle else timezone.now() + datetime.timedelta(days=30))
    )
    data = {
        "name": cycle.name if cycle else "Winter 2027",
        "closes_at_0": closes_at.strftime("%Y-%m-%d"),
        "closes_at_1": closes_at.strftime("%H:%M:%S"),
        "min_anonymous_raters": cycle.min_anonymous_raters if cycle else 3,
        "gap_threshold": str(cycle.gap_threshold) if cycle else "1.0",
        "max_requests_per_rater": cycle.max_requests_per_rater if cycle else 10,
    }
    return data | changes


def cycle_in(state: str, open_cycle):
    from feedback import services

    if state in ("closed", "released"):
        services.cycle_close(cycle=open_cycle)
    if state == "released":
        services.cycle_release(cycle=open_cycle)
    return open_cycle


def settings_of(cycle) -> tuple:
    from feedback.models import Cycle

    fresh = Cycle.objects.get(pk=cycle.pk)
    return (
        fresh.status,
        fresh.min_anonymous_raters,
        fresh.gap_threshold,
        fresh.closes_at,
        fresh.max_requests_per_rater,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["open", "closed", "released"])
def test_it_shows_a_cycle_past_draft_read_only_and_refuses_changes(admin_client, open_cycle, state):
    import datetime

    cycle = cycle_in(state, open_cycle)
    before = settings_of(cycle)
    url = reverse("admin:feedback_cycle_change", args=[cycle.pk])

    page = admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html and 'name="min_anonymous_raters"' not in html

    response = admin_client.post(
        url,
        cycle_form(
            cycle,
            min_anonymous_raters=2,
            gap_threshold="0.5",
            max_requests_per_rater=50,
            closes_at=cycle.closes_at + datetime.timedelta(days=60),
            status="draft",
        ),
    )
    assert response.status_code == 403
    assert settings_of(cycle) == before


@pytest.mark.django_db
def test_it_edits_a_draft_by_the_same_rules_as_the_api(admin_client, draft_cycle):
    from core.models import AuditEvent

    url = reverse("admin:feedback_cycle_change", args=[draft_cycle.pk])

    refused = admin_client.post(url, cycle_form(draft_cycle, min_anonymous_raters=1))
    assert refused.status_code == 200
    assert "Must be at least 2." in refused.content.decode()
    assert settings_of(draft_cycle)[1] == 3

    saved = admin_client.post(url, cycle_form(draft_cycle, min_anonymous_raters=4))
    assert saved.status_code == 302
    assert settings_of(draft_cycle)[1] == 4
    assert AuditEvent.objects.filter(action="cycle.update", target_id=draft_cycle.pk).exists()


@pytest.mark.django_db
def test_it_adds_a_cycle_only_as_a_draft_through_the_service(admin_client):
    import datetime

    from django.utils import timezone

    from feedback.models import Cycle

    add = reverse("admin:feedback_cycle_add")
    past = admin_client.post(add, cycle_form(closes_at=timezone.now() - datetime.timedelta(days=1)))
    assert "Must be in the future." in past.content.decode()
    assert not Cycle.objects.exists()

    response = admin_client.post(add, cycle_form(status="released", min_anonymous_raters=2))
    assert response.status_code == 302
    cycle = Cycle.objects.get()
    assert (cycle.name, cycle.status, cycle.min_anonymous_raters) == ("Winter 2027", "draft", 2)
    assert cycle.created_by is not None


@pytest.mark.django_db
def test_it_deletes_only_a_draft(admin_client, draft_cycle, open_cycle):
    from core.models import AuditEvent
    from feedback.models import Cycle
    from feedback.services import cycle_create
    from tests.feedback.conftest import in_days

    other_draft = cycle_create(name="Spare", closes_at=in_days(20))
    delete_open = reverse("admin:feedback_cycle_delete", args=[open_cycle.pk])
    assert admin_client.post(delete_open, {"post": "yes"}).status_code == 403

    changelist = reverse("admin:feedback_cycle_changelist")
    mixed = {"action": "delete_selected", "_selected_action": [other_draft.pk, open_cycle.pk]}
    assert admin_client.post(changelist, mixed | {"post": "yes"}).status_code == 403
    assert Cycle.objects.filter(pk__in=[other_draft.pk, open_cycle.pk]).count() == 2

    drafts = {"action": "delete_selected", "_selected_action": [other_draft.pk]}
    assert admin_client.post(changelist, drafts | {"post": "yes"}).status_code == 302
    assert not Cycle.objects.filter(pk=other_draft.pk).exists()
    assert AuditEvent.objects.filter(action="cycle.delete", target_id=other_draft.pk).exists()


@pytest.mark.django_db
def test_its_state_actions_call_the_cycle_services_and_show_their_refusal(
    admin_client, draft_cycle
):
    from core.models import AuditEvent
    from feedback.models import Cycle

    changelist = reverse("admin:feedback_cycle_changelist")

    def act(action):
        response = admin_client.post(
            changelist, {"action": action, "_selected_action": [draft_cycle.pk]}, follow=True
        )
        assert response.status_code == 200
        return response.content.decode(), Cycle.objects.get(pk=draft_cycle.pk)

    html, cycle = act("release_cycles")
    assert "Only a closed cycle can be released; this cycle is draft." in html
    assert cycle.status == "draft"

    html, cycle = act("open_cycles")
    assert f"{cycle.name} is now open." in html
    assert cycle.status == "open" and cycle.framework_id is not None  # pinned, as the API does
    html, cycle = act("close_cycles")
    assert cycle.status == "closed" and cycle.closed_at is not None
    html, cycle = act("release_cycles")
    assert cycle.status == "released"
    assert list(
        AuditEvent.objects.filter(target_id=cycle.pk)
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["cycle.open", "cycle.close", "cycle.release"]


@pytest.mark.django_db
def test_staff_outside_hr_may_look_but_change_nothing(client, org, draft_cycle):
    from django.contrib.auth.models import Permission

    from feedback.models import Cycle

    user = org["outsider"].user
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__model="cycle"))
    client.force_login(user)
    changelist = reverse("admin:feedback_cycle_changelist")

    assert client.get(changelist).status_code == 200
    client.post(changelist, {"action": "open_cycles", "_selected_action": [draft_cycle.pk]})
    url = reverse("admin:feedback_cycle_change", args=[draft_cycle.pk])
    assert client.post(url, cycle_form(draft_cycle, min_anonymous_raters=2)).status_code == 403
    assert Cycle.objects.get(pk=draft_cycle.pk).status == "draft"
    assert settings_of(draft_cycle)[1] == 3


@pytest.mark.django_db
def test_it_never_deletes_a_feedback_request(admin_client, dev_request):
    from feedback.models import FeedbackRequest

    url = reverse("admin:feedback_feedbackrequest_delete", args=[dev_request.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert FeedbackRequest.objects.filter(pk=dev_request.pk).exists()

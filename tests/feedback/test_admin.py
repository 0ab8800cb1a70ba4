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

"""Logins: invite_logins, the password-set link, login, logout, password reset."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command

from accounts.models import HR_GROUP_NAME
from accounts.selectors import user_is_hr
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def link_in(message) -> str:
    return re.search(r"http://testserver\S+", message.body).group(0)


@pytest.fixture
def site(settings):
    settings.SITE_URL = "http://testserver"


def test_it_gives_a_login_and_emails_a_link_to_set_a_password(
    site, client, django_capture_on_commit_callbacks
):
    person = PersonFactory(email="ann@example.com", name="Ann Able")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("invite_logins", "ANN@example.com")

    person.refresh_from_db()
    assert person.user.username == "ann@example.com"
    assert not person.user.has_usable_password()
    [message] = mail.outbox
    assert message.to == ["ann@example.com"]
    assert "Ann Able" in message.body
    assert message.alternatives and "Choose your password" in message.alternatives[0][0]

    # Following the link as the user would: Django redirects to the set-password form.
    page = client.get(link_in(message), follow=True)
    assert b"Choose a password" in page.content
    response = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "a-long-new-password", "new_password2": "a-long-new-password"},
        follow=True,
    )
    assert b"Password saved" in response.content
    # Signing in through the login page (axes refuses authenticate() without a request).
    client.post("/accounts/logout/")
    response = client.post(
        "/accounts/login/", {"username": "Ann@Example.com", "password": "a-long-new-password"}
    )
    assert response.status_code == 302 and client.get("/").status_code == 200


def test_it_puts_hr_in_the_hr_group_with_admin_access(django_capture_on_commit_callbacks):
    PersonFactory(email="hr@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("invite_logins", "hr@example.com", "--hr")
    user = get_user_model().objects.get(username="hr@example.com")
    assert user.groups.filter(name=HR_GROUP_NAME).exists()
    assert user.is_staff and user_is_hr(user)
    assert user.has_perm("accounts.change_person")
    assert user.has_perm("accounts.add_team")


def test_it_refuses_unknown_emails_and_invites_nobody(django_capture_on_commit_callbacks):
    PersonFactory(email="ann@example.com")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CommandError):
        call_command("invite_logins", "ann@example.com", "ghost@example.com")
    assert get_user_model().objects.count() == 0
    assert mail.outbox == []


def test_it_lets_hr_invite_from_the_people_page(client, django_capture_on_commit_callbacks):
    from tests.factories import person_with_login

    hr = person_with_login(email="hr@example.com", hr=True)
    PersonFactory(email="new@example.com")
    client.force_login(hr.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/people/invite/", {"email": "new@example.com"}, follow=True)
    assert b"Login invitation sent to new@example.com" in response.content
    assert [m.to for m in mail.outbox] == [["new@example.com"]]


def test_it_keeps_the_invite_action_for_hr(client):
    from tests.factories import person_with_login

    employee = person_with_login(email="emp@example.com")
    client.force_login(employee.user)
    assert client.post("/people/invite/", {"email": "emp@example.com"}).status_code == 403


def test_it_logs_in_and_out_from_the_pages(client):
    from tests.factories import person_with_login

    person = person_with_login(email="ann@example.com", name="Ann Able")
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and b'autocomplete="username"' in page.content
    response = client.post(
        "/accounts/login/",
        {"username": "ANN@example.com", "password": "correct horse battery"},
        follow=True,
    )
    assert b"Hello, Ann Able" in response.content
    response = client.post("/accounts/logout/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert client.get("/").status_code == 302
    assert person.user.is_active


def test_it_refuses_a_wrong_password_with_a_message(client):
    from tests.factories import person_with_login

    person_with_login(email="ann@example.com")
    response = client.post("/accounts/login/", {"username": "ann@example.com", "password": "no"})
    assert b"didn\xe2\x80\x99t match" in response.content


def test_it_emails_a_reset_link_built_from_site_url(site, client):
    from tests.factories import person_with_login

    person_with_login(email="ann@example.com")
    client.post("/accounts/password_reset/", {"email": "ann@example.com"})
    [message] = mail.outbox
    assert link_in(message).startswith("http://testserver/accounts/reset/")

"""Password resets send a few emails an hour per address and per client, and the page
never tells whether an address has a login or was throttled. HR's invitations, which
use the same set-a-password link, are never held back."""

import types

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django_ratelimit import core as ratelimit_core

from tests.factories import PersonFactory, person_with_login

pytestmark = pytest.mark.django_db


def browser(address="10.0.0.1"):
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=address)
    assert client.get("/accounts/password_reset/").status_code == 200
    return client


def ask_reset(client, email):
    token = client.cookies["csrftoken"].value
    return client.post(
        "/accounts/password_reset/", {"email": email, "csrfmiddlewaretoken": token}, follow=True
    )


def sent_to(address) -> int:
    return sum(message.to == [address] for message in mail.outbox)


@pytest.fixture
def ann():
    return person_with_login(email="ann@example.com", name="Ann Able")


def test_it_sends_at_most_three_reset_emails_an_hour_per_address(ann):
    # Fifteen requests, from three clients, in any letter case: three emails.
    spellings = ["ann@example.com", "ANN@example.com", " Ann@Example.COM "]
    for n in range(15):
        ask_reset(browser(f"10.0.0.{n % 3}"), spellings[n % 3])
    assert sent_to("ann@example.com") == 3
    assert len(mail.outbox) == 3


def test_it_sends_again_in_the_next_hour(ann, monkeypatch):
    client = browser()
    for _ in range(4):
        ask_reset(client, "ann@example.com")
    assert sent_to("ann@example.com") == 3

    clock = ratelimit_core.time.time
    monkeypatch.setattr(ratelimit_core, "time", types.SimpleNamespace(time=lambda: clock() + 3600))
    ask_reset(client, "ann@example.com")
    assert sent_to("ann@example.com") == 4


def test_it_answers_the_same_whether_the_address_has_a_login_or_was_throttled(ann):
    def answer(email):
        response = ask_reset(browser(), email)
        return response.status_code, response.redirect_chain, response.content

    sent = answer("ann@example.com")
    assert len(mail.outbox) == 1
    for _ in range(2):
        answer("ann@example.com")
    throttled = answer("ann@example.com")
    unknown = answer("nobody@example.com")
    assert sent_to("ann@example.com") == 3 and len(mail.outbox) == 3
    assert sent == throttled == unknown
    status, chain, content = sent
    assert status == 200 and chain == [("/accounts/password_reset/done/", 302)]
    assert b"If an account uses that address" in content


def test_it_limits_resets_per_client_across_addresses(settings):
    people = [person_with_login(email=f"p{n}@example.com") for n in range(22)]
    client = browser("10.0.0.66")
    for person in people:
        ask_reset(client, person.email)
    assert len(mail.outbox) == 20  # PASSWORD_RESET_RATE_PER_CLIENT = 20/h

    # Another client is not held back, and the addresses the busy client could not
    # reach still have their own allowance.
    ask_reset(browser("10.0.0.2"), "p21@example.com")
    assert sent_to("p21@example.com") == 1


def test_it_counts_the_client_behind_trusted_proxies(settings, ann):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.PASSWORD_RESET_RATE_PER_CLIENT = "2/h"
    people = [person_with_login(email=f"p{n}@example.com") for n in range(3)]
    client = Client(REMOTE_ADDR="10.9.9.9")  # the proxy; CSRF is tested above
    for person in people:
        client.post(
            "/accounts/password_reset/",
            {"email": person.email},
            HTTP_X_FORWARDED_FOR="spoofed, 10.0.0.66",
        )
    assert len(mail.outbox) == 2
    client.post(
        "/accounts/password_reset/", {"email": "ann@example.com"}, HTTP_X_FORWARDED_FOR="10.0.0.2"
    )
    assert sent_to("ann@example.com") == 1


def test_it_never_holds_back_hr_inviting_many_people(
    ann, client, django_capture_on_commit_callbacks
):
    # The address and the client (the test client's 127.0.0.1) are past their limits ...
    for _ in range(25):
        ask_reset(browser("127.0.0.1"), "ann@example.com")
    assert sent_to("ann@example.com") == 3
    mail.outbox.clear()

    # ... yet HR, from that same client, invites 25 people and Ann again from the page,
    newcomers = [PersonFactory(email=f"new{n}@example.com") for n in range(25)]
    hr = person_with_login(email="hr@example.com", hr=True)
    client.force_login(hr.user)
    for person in [*newcomers, ann]:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/people/invite/", {"email": person.email}, follow=True)
        assert f"Login invitation sent to {person.email}" in response.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in [*newcomers, ann])

    # ... and with the command.
    mail.outbox.clear()
    emails = [p.email for p in newcomers]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("invite_logins", *emails)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(emails)

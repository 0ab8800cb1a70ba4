"""Password guessing on the login page and the token API is stopped (django-axes).

Five failed sign-ins for one account, or from one client, within 15 minutes lock that
account, or that client, for 15 minutes: the right password does not work meanwhile, and
works again once the failures are old enough. Time is moved by ageing axes' own records.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import person_with_login

pytestmark = pytest.mark.django_db

RIGHT = "correct horse battery"
LOCKED = "Too many failed sign-ins. Try again in 15 minutes."


@pytest.fixture
def ann():
    return person_with_login(email="ann@example.com", name="Ann Able")


@pytest.fixture
def bob():
    return person_with_login(email="bob@example.com", name="Bob Baker")


def browser(address="10.0.0.1", **extra):
    """A browser on the login page: real form, real CSRF token."""
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=address, **extra)
    assert client.get("/accounts/login/").status_code == 200
    return client


def page_login(client, username, password, **extra):
    token = client.cookies["csrftoken"].value
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password, "csrfmiddlewaretoken": token, "next": ""},
        **extra,
    )


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def api_login(username, password, address="10.0.0.1", **extra):
    return APIClient(REMOTE_ADDR=address).post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json", **extra
    )


def age_failures(minutes: float) -> None:
    """Move time forward: every recorded failure becomes this much older."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


def test_it_locks_the_login_page_after_five_wrong_passwords_even_for_the_right_one(ann):
    client = browser()
    for _ in range(4):
        response = page_login(client, "ann@example.com", "wrong")
        assert response.status_code == 200
        assert "didn’t match" in response.content.decode()

    fifth = page_login(client, "ann@example.com", "wrong")
    assert fifth.status_code == 429
    assert fifth["Retry-After"] == "900"
    text = fifth.content.decode()
    assert LOCKED in text and "didn’t match" not in text
    # The login page itself is shown again, ready for later, with the email kept.
    assert 'name="password"' in text and 'value="ann@example.com"' in text

    right = page_login(client, "ann@example.com", RIGHT)
    assert right.status_code == 429 and LOCKED in right.content.decode()
    assert not signed_in(client)


def test_it_lets_the_right_password_in_again_after_the_cool_off(ann):
    client = browser()
    for _ in range(5):
        page_login(client, "ann@example.com", "wrong")

    age_failures(14)
    almost = page_login(client, "ann@example.com", RIGHT)
    assert almost.status_code == 429
    assert "Try again in 1 minute." in almost.content.decode()
    assert 0 < int(almost["Retry-After"]) <= 60
    assert not signed_in(client)

    age_failures(1.01)
    response = page_login(client, "ann@example.com", RIGHT, follow=True)
    assert "Hello, Ann Able" in response.content.decode()
    assert signed_in(client)


def test_it_does_not_restart_the_wait_when_someone_keeps_trying_during_a_lockout(ann):
    client = browser()
    for _ in range(5):
        page_login(client, "ann@example.com", "wrong")
    age_failures(10)
    for _ in range(5):
        response = page_login(client, "ann@example.com", "wrong")
    assert "Try again in 5 minutes." in response.content.decode()
    age_failures(5.01)
    assert page_login(client, "ann@example.com", RIGHT).status_code == 302


def test_it_locks_the_token_api_with_429_in_the_error_shape(ann):
    for _ in range(4):
        response = api_login("ann@example.com", "wrong")
        assert response.status_code == 400
    fifth = api_login("ann@example.com", "wrong")
    assert fifth.status_code == 429
    assert fifth.json() == {"detail": LOCKED, "errors": {}}
    assert fifth["Retry-After"] == "900"

    right = api_login("ann@example.com", RIGHT)
    assert right.status_code == 429
    assert right.json() == {"detail": LOCKED, "errors": {}}
    assert not Token.objects.exists()

    age_failures(15.01)
    response = api_login("ann@example.com", RIGHT)
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=ann.user).key}


def test_it_counts_the_login_page_and_the_api_together(ann):
    client = browser()
    for _ in range(3):
        page_login(client, "ann@example.com", "wrong")
    for _ in range(2):
        api_login("ann@example.com", "wrong")
    assert page_login(client, "ann@example.com", RIGHT).status_code == 429
    assert api_login("ann@example.com", RIGHT).status_code == 429


def test_it_locks_an_account_guessed_from_many_clients_whatever_the_letter_case(ann):
    spellings = ["Ann@Example.com", "ANN@EXAMPLE.COM", " ann@example.com", "aNN@example.Com"]
    for n, spelling in enumerate(spellings):
        page_login(browser(f"10.0.1.{n}"), spelling, "wrong")
    api_login("Ann@example.COM", "wrong", address="10.0.1.9")

    # Ann herself, from a client that never failed, with her right password: locked too.
    client = browser("192.168.5.5")
    response = page_login(client, "ann@example.com", RIGHT)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert api_login("ann@example.com", RIGHT, address="192.168.5.6").status_code == 429


def test_it_locks_a_client_that_guesses_many_accounts_and_no_one_else(ann, bob):
    for n in range(5):
        api_login(f"someone{n}@example.com", "guess", address="10.0.0.66")

    # Bob's right password from the guessing client is refused ...
    assert api_login("bob@example.com", RIGHT, address="10.0.0.66").status_code == 429
    response = page_login(browser("10.0.0.66"), "bob@example.com", RIGHT)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    # ... and works from anywhere else: neither Bob's nor Ann's account is locked.
    assert api_login("bob@example.com", RIGHT, address="10.0.0.2").status_code == 200
    client = browser("10.0.0.3")
    assert page_login(client, "ann@example.com", RIGHT).status_code == 302
    assert signed_in(client)


def test_it_counts_the_client_behind_trusted_proxies_as_the_survey_throttle_does(settings, bob):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.9.9.9"  # every request arrives from the proxy
    for n in range(5):
        api_login(f"x{n}@example.com", "guess", proxy, HTTP_X_FORWARDED_FOR="spoofed, 10.0.0.66")
    locked = api_login("bob@example.com", RIGHT, proxy, HTTP_X_FORWARDED_FOR="10.0.0.66")
    assert locked.status_code == 429
    # Another client behind the same proxy is not locked out.
    other = api_login("bob@example.com", RIGHT, proxy, HTTP_X_FORWARDED_FOR="10.0.0.2")
    assert other.status_code == 200


def test_it_ignores_forwarded_headers_without_trusted_proxies(settings, bob):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(5):  # a guesser inventing a new X-Forwarded-For each time
        api_login(f"x{n}@example.com", "guess", HTTP_X_FORWARDED_FOR=f"172.16.0.{n}")
    assert (
        api_login("bob@example.com", RIGHT, HTTP_X_FORWARDED_FOR="172.16.0.99").status_code == 429
    )


def test_it_stores_only_valid_addresses_and_bounded_usernames(settings, ann):
    # A forwarded "address" that is no address (too many proxies configured) and a
    # megabyte of username: refused as wrong credentials, never a database error.
    settings.TRUSTED_PROXY_COUNT = 1
    response = api_login("a" * 1_000_000, "guess", "10.0.0.7", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert response.status_code == 400
    [attempt] = AccessAttempt.objects.all()
    assert attempt.ip_address == "10.0.0.7"
    assert attempt.username == "a" * 255

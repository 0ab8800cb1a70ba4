"""A client that keeps guessing survey tokens is slowed down; real raters are not."""

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from feedback import throttle

pytestmark = pytest.mark.django_db
UNKNOWN = "x" * 43


def page(token, address="10.0.0.1"):
    return Client(REMOTE_ADDR=address).get(f"/s/{token}/")


def api(token, address="10.0.0.1", suffix=""):
    client = APIClient(REMOTE_ADDR=address)
    if suffix:
        return client.post(f"/api/v1/survey/{token}/{suffix}/", {}, format="json")
    return client.get(f"/api/v1/survey/{token}/")


@pytest.fixture
def limit(settings):
    settings.SURVEY_GUESS_LIMIT = 5
    return 5


def test_it_is_on_by_default_with_a_cache_shared_when_redis_is_configured():
    assert settings.SURVEY_GUESS_LIMIT == 20
    assert settings.SURVEY_GUESS_WINDOW_SECONDS == 600
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.CELERY_BROKER_URL.startswith("redis://"):
        assert backend == "django.core.cache.backends.redis.RedisCache"
    else:
        assert backend == "django.core.cache.backends.locmem.LocMemCache"


def test_it_answers_404_up_to_the_limit_then_429_with_retry_after_on_the_page(limit):
    for n in range(limit):
        assert page(f"{UNKNOWN[:-2]}{n:02d}").status_code == 404
    response = page(UNKNOWN)
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= settings.SURVEY_GUESS_WINDOW_SECONDS
    text = response.content.decode()
    assert "Too many unknown survey links from your network" in text
    assert "use the link in your most recent email" in text


def test_it_counts_page_and_api_misses_together_and_answers_429_in_the_error_shape(limit):
    for n in range(limit - 1):
        assert api(f"{UNKNOWN}{n}").status_code == 404
    assert api(UNKNOWN, suffix="submit").status_code == 404
    response = api(UNKNOWN, suffix="decline")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["detail"].startswith("Too many unknown survey links from your network")
    assert body["errors"] == {}
    assert page(UNKNOWN).status_code == 429


def test_it_never_counts_a_valid_token_however_often_it_is_used(launched, limit):
    token = launched["peer"]
    for _ in range(limit * 3):
        assert page(token).status_code == 200
        assert api(token).status_code == 200
    assert api(UNKNOWN).status_code == 404


def test_valid_tokens_keep_working_for_everyone_even_from_a_slowed_address(launched, limit):
    for n in range(limit - 1):  # a rater who mistypes a few times is not slowed down
        assert page(f"{UNKNOWN}{n}", address="10.0.0.2").status_code == 404
    assert page(launched["peer"], address="10.0.0.2").status_code == 200
    for n in range(limit + 1):
        api(f"{UNKNOWN}{n}", address="10.0.0.1")
    assert page(UNKNOWN, address="10.0.0.1").status_code == 429
    # The scanner's address is refused unknown tokens only: a rater behind the same
    # office NAT still gets their survey, and so does everyone elsewhere.
    assert page(launched["self"], address="10.0.0.1").status_code == 200
    assert api(launched["self"], address="10.0.0.1").status_code == 200
    assert page(launched["self"], address="10.0.0.2").status_code == 200
    assert api(launched["boss"], address="10.0.0.2").status_code == 200


def test_it_lets_the_client_try_again_in_the_next_window(limit, monkeypatch):
    for n in range(limit):
        page(f"{UNKNOWN}{n}")
    assert page(UNKNOWN).status_code == 429
    real = throttle._window
    monkeypatch.setattr(throttle, "_window", lambda: (real()[0] + 1, 600))
    assert page(UNKNOWN).status_code == 404


def test_it_counts_the_forwarded_client_behind_trusted_proxies(limit, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.9.9.9")
    for n in range(limit):
        proxy.get(f"/s/{UNKNOWN}{n}/", HTTP_X_FORWARDED_FOR="spoofed, 10.0.0.1")
    assert proxy.get("/s/x/", HTTP_X_FORWARDED_FOR="10.0.0.1").status_code == 429
    # Another client behind the same proxy is not blocked.
    assert proxy.get("/s/x/", HTTP_X_FORWARDED_FOR="10.0.0.2").status_code == 404

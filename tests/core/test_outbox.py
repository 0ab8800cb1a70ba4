"""The development outbox: emails kept as files, listed on a DEBUG-only page."""

import pytest
from django.core.mail import EmailMultiAlternatives, get_connection


@pytest.fixture
def outbox_dir(settings, tmp_path):
    settings.OUTBOX_DIR = tmp_path / "outbox"
    return settings.OUTBOX_DIR


def send(subject="Hello", html=None):
    message = EmailMultiAlternatives(
        subject=subject,
        body="Open http://127.0.0.1:8000/s/abc/ please.",
        to=["ann@example.com"],
        connection=get_connection("core.mail.OutboxEmailBackend"),
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


def test_it_writes_one_file_per_email(outbox_dir):
    send("One")
    send("Two")
    assert len(list(outbox_dir.glob("*.eml"))) == 2


@pytest.mark.django_db
def test_it_lists_and_opens_emails_when_debug_is_on(outbox_dir, settings, client):
    settings.DEBUG = True
    send("Your survey", html="<p>Click <a href='http://127.0.0.1:8000/s/abc/'>here</a></p>")
    listing = client.get("/dev/outbox/").content.decode()
    assert "Your survey" in listing and "ann@example.com" in listing
    name = next(outbox_dir.glob("*.eml")).stem
    detail = client.get(f"/dev/outbox/{name}/").content.decode()
    # The plain-text link is clickable; the HTML version is sandboxed in an iframe.
    assert '<a href="http://127.0.0.1:8000/s/abc/"' in detail
    assert "sandbox=" in detail


@pytest.mark.django_db
def test_it_hides_the_outbox_when_debug_is_off(outbox_dir, settings, client):
    settings.DEBUG = False
    send()
    assert client.get("/dev/outbox/").status_code == 404
    name = next(outbox_dir.glob("*.eml")).stem
    assert client.get(f"/dev/outbox/{name}/").status_code == 404


@pytest.mark.django_db
def test_it_does_not_read_outside_the_outbox(outbox_dir, settings, client):
    settings.DEBUG = True
    send()
    assert client.get("/dev/outbox/..%2F..%2Fetc%2Fpasswd/").status_code == 404

"""The second factor (TOTP app + recovery codes), HR's requirement for it, and the
session rules: sign-out everywhere after a factor or password change, HR idle timeout."""

import re
import time

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.oidc import SSO_SESSION_KEY
from accounts.sessions import LAST_SEEN_SESSION_KEY
from tests.factories import person_with_login

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def code_for(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    """What the person's authenticator app shows now (django-otp's own TOTP)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0 - offset_steps * device.step, digits=device.digits):06d}"


def signed_in(person) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": person.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def enrol(client, user) -> list[str]:
    """Set up the factor through the pages; the recovery codes shown once."""
    page = client.get("/accounts/two-factor/setup/")
    assert page.status_code == 200 and b"<svg" in page.content
    assert not TOTPDevice.objects.filter(user=user).exists()  # nothing written by a look
    device = two_factor.totp_setup_device(user=user, key=client.session["two_factor_setup_key"])
    response = client.post("/accounts/two-factor/setup/", {"code": code_for(device)})
    assert response.status_code == 200
    return re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.content.decode())


@pytest.fixture
def hr(settings):
    settings.HR_REQUIRE_2FA = True
    return person_with_login(email="hr@example.com", name="Hana HR", hr=True)


def test_it_sends_hr_without_a_factor_to_set_one_up_before_any_hr_page(hr):
    client = signed_in(hr)
    response = client.get("/people/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/verify/?next=%2Fpeople%2F"
    response = client.get(response["Location"])
    assert response["Location"] == "/accounts/two-factor/setup/?next=%2Fpeople%2F"
    assert client.get("/api/v1/people/").status_code == 403

    codes = enrol(client, hr.user)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/people/").status_code == 200
    assert client.get("/api/v1/people/").status_code == 200


def test_it_shows_the_secret_and_refuses_a_wrong_code(hr):
    client = signed_in(hr)
    page = client.get("/accounts/two-factor/setup/").content.decode()
    device = two_factor.totp_setup_device(user=hr.user, key=client.session["two_factor_setup_key"])
    shown = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert shown == two_factor._base32(device)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/two-factor/setup/", {"code": wrong})
    assert response.status_code == 400 and b"did not match" in response.content
    assert not TOTPDevice.objects.filter(user=hr.user).exists()
    assert client.get("/people/").status_code == 302
    # The same key until it is confirmed: the app set up from the first look still works.
    client.get("/accounts/two-factor/setup/")
    response = client.post("/accounts/two-factor/setup/", {"code": code_for(device)})
    assert response.status_code == 200 and b"Your recovery codes" in response.content


def test_it_asks_hr_for_a_code_at_the_next_sign_in_and_takes_a_recovery_code_once(hr, settings):
    codes = enrol(signed_in(hr), hr.user)
    client = signed_in(hr)
    assert client.get("/people/")["Location"].startswith("/accounts/two-factor/verify/")
    device = TOTPDevice.objects.get(user=hr.user)
    response = client.post("/accounts/two-factor/verify/", {"code": "000000", "next": "/people/"})
    assert response.status_code == 400
    # A wrong code throttles every device of the login (django-otp): even a right code
    # is refused straight after it.
    response = client.post("/accounts/two-factor/verify/", {"code": codes[0], "next": "/people/"})
    assert response.status_code == 400

    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0
    response = client.post("/accounts/two-factor/verify/", {"code": codes[0], "next": "/people/"})
    assert response["Location"] == "/people/"
    assert client.get("/people/").status_code == 200
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    other = signed_in(hr)
    assert other.post("/accounts/two-factor/verify/", {"code": codes[0]}).status_code == 400
    next_code = code_for(device, offset_steps=1)
    assert other.post("/accounts/two-factor/verify/", {"code": next_code}).status_code == 302


def test_it_does_not_ask_staff_outside_hr(settings):
    settings.HR_REQUIRE_2FA = True
    dev = person_with_login(email="dev@example.com")
    assert signed_in(dev).get("/").status_code == 200


def test_it_lets_no_one_replace_a_factor_with_the_password_alone(hr):
    enrol(signed_in(hr), hr.user)
    thief = signed_in(hr)
    assert thief.get("/accounts/two-factor/setup/").status_code == 302
    assert thief.post("/accounts/two-factor/remove/").status_code == 302
    assert thief.post("/accounts/two-factor/recovery-codes/").status_code == 302
    assert TOTPDevice.objects.filter(user=hr.user, confirmed=True).count() == 1


def test_it_signs_out_other_sessions_when_the_factor_changes(hr, settings):
    laptop = signed_in(hr)
    enrol(laptop, hr.user)
    phone = signed_in(hr)
    device = TOTPDevice.objects.get(user=hr.user)
    # The code that confirmed the set-up is spent, even on the re-issued device.
    assert phone.post("/accounts/two-factor/verify/", {"code": code_for(device)}).status_code == 400
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0
    phone.post("/accounts/two-factor/verify/", {"code": code_for(device, offset_steps=1)})
    assert phone.get("/people/").status_code == 200

    response = laptop.post("/accounts/two-factor/recovery-codes/")
    assert (
        response.status_code == 200
        and len(re.findall(r"<li><code>", response.content.decode())) == 10
    )
    assert laptop.get("/people/").status_code == 200
    response = phone.get("/people/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert b"the second factor of this login changed" in response.content
    # The authenticator app keeps working: only the sessions were ended.
    phone = signed_in(hr)
    new_device = TOTPDevice.objects.get(user=hr.user)
    assert new_device.key == device.key and new_device.id != device.id


def test_it_signs_out_other_sessions_when_the_factor_is_removed(hr, settings):
    laptop = signed_in(hr)
    enrol(laptop, hr.user)
    phone = signed_in(hr)
    device = TOTPDevice.objects.get()
    phone.post("/accounts/two-factor/verify/", {"code": code_for(device, offset_steps=1)})
    assert phone.get("/people/").status_code == 200
    laptop.post("/accounts/two-factor/remove/")
    assert not TOTPDevice.objects.exists()
    settings.HR_REQUIRE_2FA = False
    assert laptop.get("/people/").status_code == 200
    assert phone.get("/people/").status_code == 302


def test_it_signs_out_other_sessions_when_the_password_changes():
    ann = person_with_login(email="ann@example.com")
    laptop, phone = signed_in(ann), signed_in(ann)
    response = laptop.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-brand-new-passphrase",
            "new_password2": "a-brand-new-passphrase",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302


def test_it_signs_out_an_idle_hr_session_but_not_an_idle_colleague(settings):
    settings.HR_IDLE_TIMEOUT_MINUTES = 30
    hr = person_with_login(email="hr@example.com", hr=True)
    dev = person_with_login(email="dev@example.com")
    hr_client, dev_client = signed_in(hr), signed_in(dev)
    for client in (hr_client, dev_client):
        session = client.session
        session[LAST_SEEN_SESSION_KEY] = int(time.time()) - 31 * 60
        session.save()
    response = hr_client.get("/people/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert b"signed out after 30 minutes without activity" in response.content
    assert dev_client.get("/").status_code == 200


def test_it_keeps_an_active_hr_session(settings):
    settings.HR_IDLE_TIMEOUT_MINUTES = 30
    hr = person_with_login(email="hr@example.com", hr=True)
    client = signed_in(hr)
    session = client.session
    session[LAST_SEEN_SESSION_KEY] = int(time.time()) - 29 * 60
    session.save()
    assert client.get("/people/").status_code == 200
    assert client.session[LAST_SEEN_SESSION_KEY] >= int(time.time()) - 5


@pytest.mark.parametrize(("trust", "status"), [(True, 200), (False, 302)])
def test_it_counts_a_provider_mfa_as_the_factor_only_when_trusted(hr, settings, trust, status):
    settings.OIDC_TRUST_PROVIDER_MFA = trust
    client = signed_in(hr)
    session = client.session
    session[SSO_SESSION_KEY] = {"mfa": True}
    session.save()
    assert client.get("/people/").status_code == status


def test_the_token_api_asks_hr_for_a_code(hr, client):
    enrol(signed_in(hr), hr.user)
    credentials = {"username": hr.email, "password": PASSWORD}
    assert client.post("/api/v1/auth/token/", credentials).status_code == 403
    device = TOTPDevice.objects.get(user=hr.user)
    response = client.post(
        "/api/v1/auth/token/", {**credentials, "otp": code_for(device, offset_steps=1)}
    )
    assert response.status_code == 200 and response.json()["token"]

"""A second factor (django-otp): an authenticator app (TOTP) plus ten recovery codes.

Required for HR sessions when HR_REQUIRE_2FA is on (accounts.sessions); anyone with a
login may set one up.

Signing out everywhere after a factor change: a session verified by a factor holds the
device's id (django-otp's DEVICE_ID_SESSION_KEY). Every change to a login's factors
(set up, new recovery codes, removal) re-issues all of that login's device rows under new
ids, keeping the authenticator's secret, so every other session verified with the old
ones finds its device gone and is signed out (accounts.sessions). The session making the
change is verified again with the new device. No session table is scanned, and no query
is added to requests of sessions that never used a factor.
"""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import DEVICE_ID_SESSION_KEY, match_token
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from accounts.selectors import user_is_hr
from core.audit import audit_record

RECOVERY_CODE_COUNT = 10
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


# --- services ------------------------------------------------------------------


def user_totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def user_has_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_setup_device(*, user, key: str) -> TOTPDevice:
    """The device a set-up page shows, unsaved: nothing is written until a code from the
    app confirms it (a page view must not leave rows behind)."""
    return TOTPDevice(user=user, name=TOTP_NAME, key=key, confirmed=False)


def _issue(*, user, totp: TOTPDevice) -> tuple[TOTPDevice, list[str]]:
    """Replace all of a login's devices: a TOTP device with this one's key, fresh recovery
    codes. The last time step used moves over, so a code already used stays used."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(
        user=user,
        name=TOTP_NAME,
        key=totp.key,
        step=totp.step,
        t0=totp.t0,
        digits=totp.digits,
        drift=totp.drift,
        last_t=totp.last_t,
        confirmed=True,
    )
    recovery = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in codes)
    return device, codes


def totp_confirm(*, user, key: str, token: str) -> tuple[TOTPDevice, list[str]] | None:
    """Turn the factor on with a code from the app: the device and its recovery codes,
    or None when the code is wrong."""
    device = totp_setup_device(user=user, key=key)
    counter = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    try:
        matched = counter.verify(int(token), tolerance=device.tolerance)
    except ValueError:
        matched = False
    if not matched:
        return None
    # The step just used is spent: the same code cannot verify a session afterwards.
    device.last_t = counter.t()
    with transaction.atomic():
        issued = _issue(user=user, totp=device)
        audit_record(actor=user, action="login.factor_set_up", target=user)
    return issued


def recovery_codes_renew(*, user) -> tuple[TOTPDevice, list[str]]:
    with transaction.atomic():
        current = user_totp_device(user)
        issued = _issue(user=user, totp=current)
        audit_record(actor=user, action="login.recovery_codes_renewed", target=user)
    return issued


def factor_remove(*, user) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_record(actor=user, action="login.factor_removed", target=user)


API_NEEDS_FACTOR = (
    "HR logins need a second factor: send otp with a code from your authenticator app "
    "(set one up on the site first)."
)


def token_allowed(*, user, code: str) -> bool:
    """May this login trade its password for an API token? HR needs a factor's code too
    when HR_REQUIRE_2FA is on; a token would otherwise skip the factor the pages ask for."""
    if not (settings.HR_REQUIRE_2FA and user_is_hr(user)):
        return True
    code = "".join((code or "").split()).lower()
    return bool(code) and match_token(user, code) is not None


def qr_svg(text: str) -> str:
    """An SVG QR code of the text, drawn as one path (no script, no external image)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


# --- pages ---------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _verified(request) -> bool:
    return bool(getattr(request.user, "is_verified", lambda: False)())


@login_required
def overview(request):
    return render(
        request,
        "accounts/two_factor.html",
        {
            "device": user_totp_device(request.user),
            "verified": _verified(request),
            "recovery_left": StaticToken.objects.filter(device__user=request.user).count(),
        },
    )


# The key being set up lives in the session until a code confirms it.
SETUP_KEY_SESSION_KEY = "two_factor_setup_key"


@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    user = request.user
    # Replacing a factor needs the factor: a stolen password alone must not swap it.
    if user_has_factor(user):
        messages.error(
            request, gettext("You already have a second factor. Remove it first to change it.")
        )
        return redirect("two_factor")
    key = request.session.get(SETUP_KEY_SESSION_KEY) or default_key()
    request.session[SETUP_KEY_SESSION_KEY] = key
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        issued = totp_confirm(user=user, key=key, token=form.cleaned_data["code"])
        if issued is not None:
            new_device, codes = issued
            del request.session[SETUP_KEY_SESSION_KEY]
            otp_login(request, new_device)
            return render(
                request,
                "accounts/two_factor_codes.html",
                {"codes": codes, "next": _safe_next(request)},
            )
        form.add_error(
            "code", gettext("That code did not match. Enter the 6 digits your app shows now.")
        )
    device = totp_setup_device(user=user, key=key)
    status = 400 if form.errors else 200
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr": qr_svg(device.config_url),
            "secret": _spaced(_base32(device)),
            "next": _safe_next(request),
        },
        status=status,
    )


def _base32(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode("ascii").rstrip("=")


def _spaced(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    user = request.user
    next_url = _safe_next(request)
    if not user_has_factor(user):
        setup_url = reverse("two_factor_setup")
        return redirect(f"{setup_url}?{urlencode({'next': next_url})}" if next_url else setup_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Each device throttles its own failures (django-otp's ThrottlingMixin), and a
        # recovery code is deleted when it is used.
        device = match_token(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = StaticToken.objects.filter(device__user=user).count()
                messages.warning(
                    request,
                    ngettext(
                        "Recovery code used: %(count)d left.",
                        "Recovery code used: %(count)d left.",
                        left,
                    )
                    % {"count": left},
                )
            return redirect(next_url or "home")
        form.add_error("code", gettext("That code did not match. Try the code your app shows now."))
    status = 400 if form.errors else 200
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": next_url}, status=status
    )


@login_required
@require_POST
def recovery_codes(request):
    if not user_has_factor(request.user) or not _verified(request):
        messages.error(request, gettext("Enter a code from your app first."))
        return redirect("two_factor_verify")
    device, codes = recovery_codes_renew(user=request.user)
    otp_login(request, device)
    return render(request, "accounts/two_factor_codes.html", {"codes": codes, "next": ""})


@login_required
@require_POST
def remove(request):
    if not user_has_factor(request.user) or not _verified(request):
        messages.error(request, gettext("Enter a code from your app first."))
        return redirect("two_factor_verify")
    factor_remove(user=request.user)
    # This session stays signed in; the others, verified with the removed factor, do not.
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    messages.success(
        request, gettext("Second factor removed. Your other sessions were signed out.")
    )
    return redirect("two_factor")

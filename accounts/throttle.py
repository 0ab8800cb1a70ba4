"""Slows down password guessing and reset-email flooding.

Sign-ins: django-axes counts failed sign-ins (AccessAttempt rows in the database, so every
gunicorn worker and host sees the same count, and `make run` needs no Redis) by account
and by client. Past AXES_FAILURE_LIMIT failures within AXES_COOLOFF_TIME for either, every
sign-in of that account, and every sign-in from that client, is refused until the failures
are older than the cool-off, even with the right password. The functions here are the
hooks axes is configured with (AXES_USERNAME_CALLABLE, AXES_CLIENT_IP_CALLABLE,
AXES_LOCKOUT_CALLABLE) and the message both the login page and the token API show.

Password resets: django-ratelimit counts reset requests per address and per client in
the shared cache. Past the limit no email is sent, and the page says exactly what it says
after a sent email, so it reveals neither whether the address has a login nor whether it
was throttled. HR's login invitations do not go through the reset page and are never
counted.
"""

from __future__ import annotations

import math

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext
from django_ratelimit.core import is_ratelimited

from core.clients import client_ip

# Longer than any stored username (Django's is 150, an email 254): axes stores it in a
# 255-character column, so a megabyte of username must not reach the database whole.
_USERNAME_MAX = 255


# --- sign-ins (django-axes hooks) ---------------------------------------------


def login_username(request, credentials: dict | None = None) -> str | None:
    """The account a sign-in is for, as the login backend reads it: usernames are emails
    compared case-insensitively, so "Sofia@..." and "sofia@..." are one account to lock."""
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "data", request.POST).get("username")
    if not isinstance(username, str):
        return None
    return username.strip().lower()[:_USERNAME_MAX]


def login_client(request) -> str | None:
    """The client a sign-in comes from: the same address the survey-link throttle counts
    (core.clients, honouring TRUSTED_PROXY_COUNT), always a valid IP."""
    return client_ip(request)


def lockout_seconds_left(request, credentials: dict | None = None) -> int:
    """Seconds until this client may sign in to this account again.

    Failures are forgotten AXES_COOLOFF_TIME after the last one of each counted row, so the
    newest failure of every count at the limit bounds the wait: never an early promise.
    """
    cool_off = get_cool_off(request)
    now = timezone.now()
    handler = AxesProxyHandler.get_implementation()
    limit = get_failure_limit(request, credentials)
    ends = []
    # get_user_attempts: the database handler's querysets, one per lockout parameter.
    for attempts in getattr(handler, "get_user_attempts", lambda *a: [])(request, credentials):
        counted = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        if (counted["failures"] or 0) >= limit:
            ends.append(counted["last"] + cool_off)
    end = max(ends, default=now + cool_off)
    return max(1, math.ceil((end - now).total_seconds()))


def lockout_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many failed sign-ins. Try again in %(minutes)d minute.",
        "Too many failed sign-ins. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials: dict | None = None):
    """The login page again, with the wait in words, instead of axes' bare text.

    Axes calls this for sign-ins through Django's own forms (the login page, the admin's);
    the token API answers its own 429 (accounts.api.AuthTokenView).
    """
    seconds = lockout_seconds_left(request, credentials)
    form = AuthenticationForm(request, initial={"username": login_username(request, credentials)})
    context = {
        "form": form,
        "next": request.POST.get("next", ""),
        "lockout_message": lockout_message(seconds),
    }
    response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


# --- password resets (django-ratelimit) ---------------------------------------


def _reset_address(group, request) -> str:
    return request.POST.get("email", "").strip().lower()


def _reset_client(group, request) -> str:
    return client_ip(request) or ""


def password_reset_throttled(request) -> bool:
    """Count one reset request for its address and its client; True when either is past
    its limit (PASSWORD_RESET_RATE_PER_ADDRESS, PASSWORD_RESET_RATE_PER_CLIENT)."""
    # The client first: a client past its own limit spends no address's allowance.
    if is_ratelimited(
        request,
        group="password-reset:client",
        key=_reset_client,
        rate=settings.PASSWORD_RESET_RATE_PER_CLIENT,
        method="POST",
        increment=True,
    ):
        return True
    return is_ratelimited(
        request,
        group="password-reset:address",
        key=_reset_address,
        rate=settings.PASSWORD_RESET_RATE_PER_ADDRESS,
        method="POST",
        increment=True,
    )

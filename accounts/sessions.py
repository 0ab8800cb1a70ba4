"""Rules every signed-in request passes (SessionRulesMiddleware, after django-otp's):

1. A session verified with a factor that no longer exists (the login's factors changed
   elsewhere, accounts.two_factor) is signed out. Password changes are Django's own
   session hash: every other session of that login is signed out already.
2. An HR session idle for HR_IDLE_TIMEOUT_MINUTES is signed out. The last request's time
   is written to the session at most once a minute, so a busy page does not write the
   session on every request.
3. With HR_REQUIRE_2FA, an HR session without a verified factor reaches only the
   second-factor pages and sign-out: pages redirect there, the API answers 403. A
   sign-in through a provider that asserted multi-factor ("mfa" in "amr") counts as
   verified when OIDC_TRUST_PROVIDER_MFA is on.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.oidc import SSO_SESSION_KEY
from accounts.selectors import user_is_hr

LAST_SEEN_SESSION_KEY = "last_seen"
# Seconds between writes of the last request's time to the session.
LAST_SEEN_RESOLUTION = 60
FACTOR_CHANGED = gettext_lazy(
    "You were signed out because the second factor of this login changed."
)
IDLE = gettext_lazy("You were signed out after {minutes} minutes without activity.")
NEEDS_FACTOR = gettext_lazy(
    "HR pages need a second factor: enter a code from your authenticator app."
)

# Paths an HR session without its second factor may still reach.
_OPEN_PREFIXES = ("/static/", "/healthz", "/accounts/two-factor/", "/accounts/logout/")


@receiver(user_logged_in, dispatch_uid="accounts.sessions.start_the_idle_clock")
def _start_the_idle_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_SESSION_KEY] = int(time.time())


class SessionRulesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self._apply(request)
        return refusal or self.get_response(request)

    def _apply(self, request):
        session = getattr(request, "session", None)
        if session is None:
            return None
        # Read before request.user is evaluated: django-otp drops a dangling id.
        verified_with = session.get(DEVICE_ID_SESSION_KEY)
        user = request.user
        if not user.is_authenticated:
            return None
        if verified_with and user.otp_device is None:
            return self._sign_out(request, FACTOR_CHANGED)
        if not (settings.HR_IDLE_TIMEOUT_MINUTES or settings.HR_REQUIRE_2FA):
            return None
        if not user_is_hr(user):
            return None
        if settings.HR_IDLE_TIMEOUT_MINUTES:
            now = int(time.time())
            last_seen = session.get(LAST_SEEN_SESSION_KEY) or now
            if now - last_seen > settings.HR_IDLE_TIMEOUT_MINUTES * 60:
                return self._sign_out(
                    request, IDLE.format(minutes=settings.HR_IDLE_TIMEOUT_MINUTES)
                )
            if now - last_seen >= LAST_SEEN_RESOLUTION or LAST_SEEN_SESSION_KEY not in session:
                session[LAST_SEEN_SESSION_KEY] = now
        if settings.HR_REQUIRE_2FA and not self._has_second_factor(request):
            if request.path.startswith(_OPEN_PREFIXES):
                return None
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": NEEDS_FACTOR, "errors": {}}, status=403)
            return redirect(
                f"{reverse('two_factor_verify')}?{urlencode({'next': request.get_full_path()})}"
            )
        return None

    @staticmethod
    def _has_second_factor(request) -> bool:
        if request.user.is_verified():
            return True
        sso = request.session.get(SSO_SESSION_KEY) or {}
        return bool(settings.OIDC_TRUST_PROVIDER_MFA and sso.get("mfa"))

    @staticmethod
    def _sign_out(request, message: str):
        """Sign out, say why on the login page, and let the request go on anonymous:
        a page then asks for a login (with ?next=), the API answers 401/403."""
        logout(request)
        messages.info(request, message)
        return None

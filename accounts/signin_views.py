"""The login page and the single sign-on entry points (accounts/oidc.py has the rules)."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from accounts.oidc import CallbackView
from accounts.views import PasswordResetView

# A sentence, not a secret.
PASSWORD_LOGIN_OFF = gettext_lazy(
    "Passwords are switched off on this site: sign in with {provider}."
)


class LoginView(auth_views.LoginView):
    """Django's login page; with PASSWORD_LOGIN off it shows only the single sign-on
    button and refuses a posted password (403) before any backend sees it."""

    def post(self, request, *args, **kwargs):
        if not settings.PASSWORD_LOGIN:
            return render(
                request,
                "registration/login.html",
                {
                    "refusal": PASSWORD_LOGIN_OFF.format(provider=settings.OIDC_PROVIDER_NAME),
                    "next": request.POST.get("next", ""),
                },
                status=403,
            )
        return super().post(request, *args, **kwargs)


def password_reset(request):
    # No password to reset when passwords are off: the page does not exist.
    if not settings.PASSWORD_LOGIN:
        raise Http404
    return PasswordResetView.as_view()(request)


def sso_start(request):
    if not settings.OIDC_ENABLED:
        raise Http404
    return OIDCAuthenticationRequestView.as_view()(request)


def sso_callback(request):
    if not settings.OIDC_ENABLED:
        raise Http404
    return CallbackView.as_view()(request)

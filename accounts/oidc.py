"""Single sign-on through an OpenID Connect provider (Entra ID, Okta, Google, Keycloak).

mozilla-django-oidc runs the authorisation-code flow (state, nonce and PKCE kept in the
session, each state usable once). This module adds what it leaves to the site:

- the ID token is checked for this site's audience and the provider's issuer (the
  library skips the audience on purpose: "Maybe add a settings to enforce audience"),
  and must carry exp/iat;
- the email in the token is matched to the people directory; an unknown one is refused
  (or becomes a person, OIDC_UNKNOWN_EMAIL=create), never a login without a person;
- HR membership follows a claim when OIDC_HR_CLAIM is set;
- every refusal is a page that says why, not a bare 400 or a redirect to the login form.
"""

from __future__ import annotations

import logging

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.shortcuts import render
from django.utils.translation import gettext, gettext_lazy
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from accounts import selectors, services
from accounts.models import HR_GROUP_NAME, Person
from core.audit import audit_record
from core.errors import DomainError

logger = logging.getLogger(__name__)

# The session key holding what the provider said about this sign-in (its "amr" mfa).
SSO_SESSION_KEY = "sso"
# Seconds of clock difference between us and the provider tolerated on exp/iat.
CLOCK_LEEWAY_SECONDS = 30

REFUSED_ID_CHECK = gettext_lazy(
    "The sign-in could not be checked: the provider’s token {problem}. "
    "Start again from the login page; if it happens again, tell IT."
)
REFUSED_STATE = gettext_lazy(
    "This sign-in was already used or has expired (it can be used once, in the browser "
    "that started it). Start again from the login page."
)
REFUSED_PROVIDER = gettext_lazy(
    "The provider did not sign you in. Start again from the login page."
)


def sign_in_options(request):
    """Template context for the login page: which ways to sign in are offered."""
    return {
        "sso_enabled": settings.OIDC_ENABLED,
        "sso_provider_name": settings.OIDC_PROVIDER_NAME,
        "password_login": settings.PASSWORD_LOGIN,
    }


# --- the sign-in rules (the service) -------------------------------------------


def _claim_values(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    # Some providers send a space- or comma-separated string for roles.
    return [part for part in str(value).replace(",", " ").split() if part]


def provider_asserted_mfa(claims: dict) -> bool:
    """True when the provider says this sign-in used more than a password (RFC 8176)."""
    return "mfa" in _claim_values(claims.get("amr"))


def sso_user_for_claims(*, claims: dict):
    """The login for a verified set of claims: the directory person with that email.

    Raises DomainError (code "forbidden") with the sentence to show when the sign-in
    is refused.
    """
    email = claims.get(settings.OIDC_EMAIL_CLAIM)
    if not isinstance(email, str) or "@" not in email:
        raise DomainError(
            gettext(
                "The provider did not send an email address (claim %(claim)r). "
                "Ask IT to release the email claim to this application."
            )
            % {"claim": settings.OIDC_EMAIL_CLAIM},
            code="forbidden",
        )
    email = email.strip().lower()
    # A provider that says the address is unverified could be naming anyone's address.
    if claims.get("email_verified") is False:
        raise DomainError(
            gettext("The provider has not verified %(email)s, so it cannot sign you in here.")
            % {"email": email},
            code="forbidden",
        )
    User = get_user_model()
    with transaction.atomic():
        person = Person.objects.select_related("user").filter(email=email).first()
        if person is None and settings.OIDC_UNKNOWN_EMAIL == "create":
            name = str(claims.get("name") or email.split("@")[0])[:200]
            person = services.person_create(email=email, name=name)
            audit_record(actor=None, action="login.sso_person_created", target=person)
        if person is not None and person.erased_at is None and person.deactivated_at is not None:
            raise DomainError(
                gettext("The login of %(email)s is switched off on this site.") % {"email": email},
                code="forbidden",
            )
        if person is None or not selectors.person_is_active(person):
            raise DomainError(
                gettext(
                    "%(email)s is not in the people directory of this site, so single sign-on "
                    "cannot sign you in. Ask HR to add you."
                )
                % {"email": email},
                code="forbidden",
            )
        user = person.user
        if user is None:
            user = User.objects.filter(username__iexact=email).first()
        if user is None:
            # Like an invitation: username = email, no password (the provider vouches).
            user = User(username=email, email=email)
            user.set_unusable_password()
            user.save()
        if person.user_id != user.id:
            person.user = user
            person.save(update_fields=["user", "updated_at"])
        if not user.is_active:
            raise DomainError(
                gettext("The login of %(email)s is switched off on this site.") % {"email": email},
                code="forbidden",
            )
        if settings.OIDC_HR_CLAIM:
            _hr_from_claim(user=user, person=person, claims=claims)
    return user


def _hr_from_claim(*, user, person: Person, claims: dict) -> None:
    """HR exactly when the provider's claim says so: joins and leaves the group."""
    wants_hr = settings.OIDC_HR_CLAIM_VALUE in _claim_values(claims.get(settings.OIDC_HR_CLAIM))
    is_hr = user.groups.filter(name=HR_GROUP_NAME).exists()
    if wants_hr and not is_hr:
        user.groups.add(services.hr_group_ensure())
        if not user.is_staff:
            user.is_staff = True  # the admin is HR's tool, as for invited HR
            user.save(update_fields=["is_staff"])
        audit_record(actor=None, action="login.sso_hr_granted", target=person)
    elif is_hr and not wants_hr:
        user.groups.remove(services.hr_group_ensure())
        if user.is_staff and not user.is_superuser:
            user.is_staff = False
            user.save(update_fields=["is_staff"])
        audit_record(actor=None, action="login.sso_hr_removed", target=person)


# --- mozilla-django-oidc hooks -------------------------------------------------


class DirectoryOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with the checks and directory match above."""

    def _verify_jws(self, payload, key):
        try:
            header = jwt.get_unverified_header(payload)
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(self._refuse(gettext("is not a signed token"))) from exc
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(
                self._refuse(gettext("is signed with an unexpected algorithm"))
            )
        try:
            claims = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_OP_ISSUER or None,
                leeway=CLOCK_LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "aud", "iss", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise SuspiciousOperation(self._refuse(gettext("has expired"))) from exc
        except jwt.InvalidAudienceError as exc:
            raise SuspiciousOperation(
                self._refuse(gettext("was issued for another application"))
            ) from exc
        except jwt.InvalidIssuerError as exc:
            raise SuspiciousOperation(self._refuse(gettext("comes from another issuer"))) from exc
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(self._refuse(gettext("is not valid"))) from exc
        # Several audiences: the token must have been issued to us (OIDC Core 3.1.3.7).
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation(self._refuse(gettext("was issued for another application")))
        return claims

    def _refuse(self, problem: str) -> str:
        message = REFUSED_ID_CHECK.format(problem=problem)
        if getattr(self, "request", None) is not None:
            self.request.oidc_refusal = message
        return message

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims (groups, amr) completed by the userinfo endpoint's."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            userinfo = super().get_userinfo(access_token, id_token, payload)
            # Userinfo about someone else must not be mixed in (OIDC Core 5.3.2).
            if userinfo.get("sub") != payload.get("sub"):
                raise SuspiciousOperation(
                    self._refuse(gettext("does not match its user information"))
                )
            claims.update(userinfo)
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        try:
            user = sso_user_for_claims(claims=claims)
        except DomainError as exc:
            self.request.oidc_refusal = exc.detail
            self.request.oidc_refusal_status = exc.status
            logger.warning("single sign-on refused: %s", exc.detail)
            return None
        self.request.oidc_mfa = provider_asserted_mfa(claims)
        return user


class CallbackView(OIDCAuthenticationCallbackView):
    """The provider's redirect back. Every refusal is a page saying why."""

    def get(self, request):
        state = request.GET.get("state")
        # The library raises for a state it has not issued (or issued and spent); a
        # state from another browser finds no list at all. Both: start again.
        if (
            "code" in request.GET
            and state is not None
            and state not in (request.session.get("oidc_states") or {})
        ):
            return self.refuse(REFUSED_STATE, status=400)
        try:
            return super().get(request)
        except SuspiciousOperation as exc:
            logger.warning("single sign-on refused: %s", exc)
            return self.refuse(getattr(request, "oidc_refusal", REFUSED_PROVIDER), status=400)

    def login_failure(self):
        request = self.request
        return self.refuse(
            getattr(request, "oidc_refusal", REFUSED_PROVIDER),
            status=getattr(request, "oidc_refusal_status", 403),
        )

    def login_success(self):
        response = super().login_success()
        self.request.session[SSO_SESSION_KEY] = {"mfa": getattr(self.request, "oidc_mfa", False)}
        return response

    def refuse(self, message: str, *, status: int):
        return render(
            self.request,
            "registration/sso_refused.html",
            {"message": message, "sso_provider_name": settings.OIDC_PROVIDER_NAME},
            status=status,
        )

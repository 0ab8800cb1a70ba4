"""A signed-in person's language (issue 18): their pages follow Person.language.

At sign-in the person's language is copied into the session (the signal below), and
PersonLanguageMiddleware, right after LocaleMiddleware, activates it for every request of
that session and mirrors it into Django's language cookie, so the sign-in page after
signing out stays in it too. The session is read anyway for a signed-in request: this
costs no query. A person without a language keeps LocaleMiddleware's choice (the language
cookie, then Accept-Language). A change made elsewhere (SCIM, an import) applies from the
next sign-in; the person's own change on the language page applies at once.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation

from core.languages import shipped_codes

SESSION_KEY = "person_language"


def session_language_set(request, language: str) -> None:
    if language:
        request.session[SESSION_KEY] = language
    else:
        request.session.pop(SESSION_KEY, None)


@receiver(user_logged_in, dispatch_uid="accounts.languages.person_language_at_sign_in")
def _person_language_at_sign_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    person = getattr(user, "person", None)
    session_language_set(request, person.language if person is not None else "")


class PersonLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        language = session.get(SESSION_KEY) if session is not None else None
        if language in shipped_codes():
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        # Read again: signing in, or the language page, may have just set it.
        language = session.get(SESSION_KEY) if session is not None else None
        if (
            language in shipped_codes()
            and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language
        ):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response

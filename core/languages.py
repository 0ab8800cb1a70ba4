"""The shipped languages (settings.LANGUAGES) and how a code from outside maps to one."""

from django.conf import settings
from django.utils import translation


def shipped_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def shipped_language(code: str | None) -> str:
    """One of settings.LANGUAGES for a language code from a file, a header or an identity
    provider ("de", "de-AT", "de_DE" and "DE" give "de"; "en" gives "en-gb"), or "" when
    none fits."""
    code = (code or "").strip().lower().replace("_", "-")
    shipped = shipped_codes()
    if code in shipped:
        return code
    base = code.split("-")[0]
    return next((language for language in shipped if language.split("-")[0] == base), "")


def in_language(code: str | None):
    """A context in which an email is written in its recipient's language: their own
    (Person.language), else the site's (LANGUAGE_CODE). Dates formatted inside it get
    that language's month and day names."""
    return translation.override(shipped_language(code) or settings.LANGUAGE_CODE)

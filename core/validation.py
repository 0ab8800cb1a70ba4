"""What text and numbers from outside may hold: one rule, used by every serializer, form,
import and query parameter (issue 12).

Text. Every field refuses NUL and the other C0/C1 control characters and lone surrogates
(PostgreSQL cannot store NUL, and a lone surrogate cannot be encoded at all: both were
500s). A single-line field (names, titles, teams, emails, search terms) also refuses
tab, CR, LF and the Unicode line and paragraph separators (a name with CR/LF becomes a
forged mail header), and the bidirectional embedding, override and isolate controls
(U+202A-U+202E, U+2066-U+2069: they make "moc.exe" read as "exe.com" in a list). The
left-to-right and right-to-left *marks* (U+200E, U+200F) stay: Arabic and Hebrew names
need them. A multi-line field (comments, decline reasons) keeps tab, CR and LF and the
bidi controls, which people writing in right-to-left scripts paste. A single-line value
that is not empty needs at least one visible character (a letter, digit, punctuation or
symbol): a name of zero-width spaces is refused. Lengths are the model columns'.

Numbers. Ids and ratings are whole numbers given as JSON integers or as strings of ASCII
digits; floats (3.5, and 3.0 too), booleans, exponents, other scripts' digits ("²",
"٣") and anything past a PostgreSQL bigint are refused, never rounded or truncated.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import BadRequest, ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext

from core.errors import DomainError

# Ids are PostgreSQL bigints: a larger number is bad input (400), never a database error.
MAX_ID = 2**63 - 1

_MULTI_LINE_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SINGLE_LINE_FORBIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_VISIBLE_CATEGORIES = frozenset("LNPS")


def _describe(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if "\ud800" <= char <= "\udfff":
        return gettext("contains a lone surrogate (%(code)s), which is not text.") % {"code": code}
    if char in "\u2028\u2029":
        return gettext("contains a line break (%(code)s).") % {"code": code}
    if unicodedata.category(char) == "Cf":
        return gettext("contains a text-direction control (%(code)s).") % {"code": code}
    return gettext("contains a control character (%(code)s).") % {"code": code}


def text_problem(
    value: str,
    *,
    multiline: bool = False,
    max_length: int | None = None,
    required: bool = False,
) -> str | None:
    """What is wrong with ``value`` as this kind of text, or None. Messages read after a
    field name: "name: has no visible character."."""
    forbidden = (_MULTI_LINE_FORBIDDEN if multiline else _SINGLE_LINE_FORBIDDEN).search(value)
    if forbidden:
        return _describe(forbidden.group())
    if max_length is not None and len(value) > max_length:
        return gettext("is longer than %(limit)d characters (%(length)d).") % {
            "limit": max_length,
            "length": len(value),
        }
    if required and not value:
        return gettext("is required.")
    if value and not multiline and not _has_visible(value):
        return gettext("has no visible character.")
    return None


def _has_visible(value: str) -> bool:
    return any(unicodedata.category(c)[0] in _VISIBLE_CATEGORIES for c in value)


def text_clean(
    value,
    *,
    field: str,
    multiline: bool = False,
    max_length: int | None = None,
    required: bool = False,
) -> str:
    """``value`` stripped, or the domain error naming ``field`` (for services)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError(
            gettext("%(field)s: must be text.") % {"field": field},
            errors={field: [gettext("Must be text.")]},
        )
    value = value.strip()
    problem = text_problem(value, multiline=multiline, max_length=max_length, required=required)
    if problem:
        message = problem[0].upper() + problem[1:]
        raise DomainError(f"{field}: {problem}", errors={field: [message]})
    return value


@deconstructible
class TextValidator:
    """The rule as a Django validator, for form fields and DRF serializer fields."""

    def __init__(self, *, multiline: bool = False, required: bool = False):
        self.multiline = multiline
        self.required = required

    def __call__(self, value):
        problem = text_problem(str(value), multiline=self.multiline, required=self.required)
        if problem:
            raise ValidationError(problem[0].upper() + problem[1:], code="invalid_text")

    def __eq__(self, other):
        return isinstance(other, TextValidator) and (self.multiline, self.required) == (
            other.multiline,
            other.required,
        )


# --- numbers ------------------------------------------------------------------------------

_DIGITS = re.compile(r"[0-9]{1,19}")


def int_strict(value, *, minimum: int | None = None, maximum: int = MAX_ID) -> int:
    """A whole number from a JSON integer or a string of ASCII digits, within bounds.

    Raises ValueError otherwise: never rounds 3.5 to 3, never reads "²" or "1e3".
    """
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value[1:] if value.startswith("-") else value
        if not _DIGITS.fullmatch(text):
            raise ValueError("not a whole number")
        number = int(value)
    else:
        raise ValueError("not a whole number")
    if (minimum is not None and number < minimum) or number > maximum:
        raise ValueError("out of range")
    return number


# --- query parameters -----------------------------------------------------------------------


def _shown(raw: str) -> str:
    return repr(raw[:20] + ("…" if len(raw) > 20 else ""))


def query_int(params, name: str) -> int | None:
    """An id from the query string (``?cycle=3``), None when absent or empty.

    Anything else is a 400 (Django's BadRequest, which the handler400 page shows), not
    silently ignored: a typed-in address should say what is wrong with it.
    """
    raw = params.get(name, "")
    if raw == "":
        return None
    try:
        return int_strict(raw, minimum=1)
    except ValueError:
        raise BadRequest(
            gettext("The “%(name)s” parameter must be a whole number from 1 up, not %(value)s.")
            % {"name": name, "value": _shown(raw)}
        ) from None


def query_text(params, name: str, *, max_length: int = 200) -> str:
    """A search term from the query string, stripped; a 400 if it breaks the text rule
    (checked before stripping: a CR or LF at either end is refused, not trimmed away)."""
    raw = params.get(name, "")
    problem = text_problem(raw, max_length=max_length)
    if problem:
        raise BadRequest(
            gettext("The “%(name)s” parameter %(problem)s") % {"name": name, "problem": problem}
        )
    return raw.strip()

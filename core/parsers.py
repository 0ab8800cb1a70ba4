"""The API's JSON parser: strict about what it accepts, before anything is built from it.

Python's json module recurses once per nesting level, so a body of 100,000 ``[`` raised
RecursionError (a 500) on every endpoint, the unauthenticated ones included. This parser
measures the nesting first, on the raw text, and refuses past ``MAX_DEPTH``; it also
refuses duplicate keys (json keeps the last one silently), NaN and Infinity (not JSON),
NUL and lone surrogates in any string (PostgreSQL cannot store the first, nothing can
encode the second), and bodies past DATA_UPLOAD_MAX_MEMORY_SIZE. Every refusal is a
ParseError: a 400 in the documented error shape.
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.utils.translation import gettext
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No request of this API nests deeper than 3 (the survey's {"ratings": {id: value}}).
MAX_DEPTH = 32

# A JSON string, escapes included, in the unrolled form that runs in linear time.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")


def nesting_check(text: str, *, limit: int = MAX_DEPTH) -> None:
    """Refuse ``text`` if its arrays and objects nest deeper than ``limit``, without
    parsing it (brackets inside strings do not count)."""
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                raise ParseError(
                    gettext("The JSON body nests deeper than %(limit)d levels.") % {"limit": limit}
                )
        else:
            depth -= 1


def _object_without_duplicates(pairs: list[tuple[str, object]]) -> dict:
    result = {}
    for key, value in pairs:
        if key in result:
            raise ParseError(
                gettext("The JSON body repeats the key “%(key)s” in one object.")
                % {"key": key[:50]}
            )
        result[key] = value
    return result


def _refuse_constant(name: str):
    raise ParseError(gettext("%(name)s is not a JSON number.") % {"name": name})


def _strings_check(value) -> None:
    """NUL and lone surrogates, in keys and values (depth is bounded by then)."""
    if isinstance(value, str):
        found = _NOT_TEXT.search(value)
        if found:
            code = f"U+{ord(found.group()):04X}"
            if code == "U+0000":
                raise ParseError(
                    gettext("The JSON body holds a NUL character in a string: not text.")
                )
            raise ParseError(
                gettext("The JSON body holds a lone surrogate (%(code)s) in a string: not text.")
                % {"code": code}
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _strings_check(key)
            _strings_check(item)
    elif isinstance(value, list):
        for item in value:
            _strings_check(item)


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        # Read one byte past the limit rather than trusting Content-Length.
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise ParseError(
                gettext("The request body is larger than %(limit)d KB.") % {"limit": limit // 1024}
            )
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError(
                gettext("The request body is not %(encoding)s text.") % {"encoding": encoding}
            ) from None
        nesting_check(text)
        try:
            data = json.loads(
                text,
                object_pairs_hook=_object_without_duplicates,
                parse_constant=_refuse_constant,
            )
        except ValueError as exc:
            raise ParseError(gettext("JSON parse error - %(error)s") % {"error": exc}) from None
        _strings_check(data)
        return data

"""Survey tokens never reach a log.

A survey link's token is its rater's only credential: whoever reads it in a log could open
the survey (and, while the cycle is open, read and change the rater's answers). Every
log the platform writes therefore masks the token in the two survey URLs, `/s/<token>/`
and `/api/v1/survey/<token>/`, and in the other links whose path is a credential (a
person's data export `/my-data/<token>/`, Django's password reset
`/accounts/reset/<uid>/<token>/`), wherever they appear: a request line, a path, a Referer
header (the survey page's own requests carry its URL), a full URL, a traceback.

Pure Python, no Django: gunicorn's master process loads this from config/gunicorn.py
before the application exists.
"""

from __future__ import annotations

import logging
import re

MASK = "[masked]"

# The token is the path segment after the prefix. Anything up to the next separator is
# masked, so a guessed token with odd characters is masked too; the percent-encoded form
# covers a survey URL carried inside a query string (?next=%2Fs%2F...).
_SURVEY_PATH = re.compile(
    r"(?P<prefix>/s/|/api/v\d+/survey/|/my-data/|/accounts/reset/[^/?#\s]+/)"
    r"(?!set-password/)(?P<token>[^/?#\s\"'<>\\]+)"
    r"|(?P<encoded>%2Fs%2F|%2Fapi%2Fv\d+%2Fsurvey%2F|%2Fmy-data%2F)"
    r"(?P<encoded_token>[^%&\s\"'<>\\]+)",
    re.IGNORECASE,
)


# A cheap test before the expression: most log lines hold none of these.
_MARKERS = ("/s/", "survey", "%2fs%2f", "my-data", "/reset/")


def _replace(match: re.Match) -> str:
    prefix = match.group("prefix") or match.group("encoded")
    return f"{prefix}{MASK}"


def mask_survey_tokens(text: str) -> str:
    """``text`` with the token of every survey URL in it replaced by ``[masked]``."""
    lowered = text.lower()
    if not any(marker in lowered for marker in _MARKERS):
        return text  # the common case, without running the expression
    return _SURVEY_PATH.sub(_replace, text)


def survey_token_in(path: str) -> str | None:
    """The token of a survey path (``/s/<token>/`` or ``/api/v1/survey/<token>/...``)."""
    match = _SURVEY_PATH.search(path or "")
    if match is None:
        return None
    return match.group("token") or match.group("encoded_token")


class SurveyTokenFilter(logging.Filter):
    """Masks survey tokens in a record's message, exception text and stack.

    Attached to the loggers that write request paths (``django.request``,
    ``django.server``, gunicorn's two loggers), so every handler after them, pytest's
    included, sees the masked record; and to every handler, for any record logged
    elsewhere. Records with nothing to mask are left as they are.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the formatter's problem, not ours
            return True
        masked = mask_survey_tokens(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_survey_tokens(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_survey_tokens(record.stack_info)
        return True

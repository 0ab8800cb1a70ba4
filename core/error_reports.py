"""Error reports (the emails to ADMINS, DEBUG's error page) without survey tokens."""

from __future__ import annotations

import html
from urllib.parse import quote

from django.views.debug import ExceptionReporter

from core.logs import MASK, mask_survey_tokens, survey_token_in

# Shorter "tokens" are guesses, not credentials; replacing such a short string everywhere
# in a report would garble it.
_MIN_TOKEN_LENGTH = 16


class SurveyTokenMaskingReporter(ExceptionReporter):
    """Django's report with every survey token masked: in the URL, the request's META
    (paths, Referer), and the frames' local variables, where the token of the failed
    request appears as a plain value (``token = '...'``, ``{'token': '...'}``)."""

    def _mask(self, text: str) -> str:
        text = mask_survey_tokens(text)
        token = survey_token_in(self.request.path_info) if self.request is not None else None
        if token and token != MASK and len(token) >= _MIN_TOKEN_LENGTH:
            for form in {token, html.escape(token), quote(token, safe="")}:
                text = text.replace(form, MASK)
        return text

    def get_traceback_text(self):
        return self._mask(super().get_traceback_text())

    def get_traceback_html(self):
        return self._mask(super().get_traceback_html())

"""The one error type every service raises.

Its ``detail`` and ``errors`` messages are for people: services build them with gettext at
raise time, so they come out in the language of the request (LocaleMiddleware activated
it) on pages and in the API alike. ``code`` and the keys of ``errors`` (field names) are
for programs and never translated: clients key on them.

Views, commands and tasks translate it; services never know about HTTP. ``code``
says what kind of refusal it is so the API can choose the status:
``invalid`` (400), ``conflict`` (409), ``not_found`` (404), ``forbidden`` (403),
``gone`` (410: a link that worked once and never will again).
"""

from __future__ import annotations

from django.utils.translation import gettext

STATUS_BY_CODE = {
    "invalid": 400,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "gone": 410,
}


# DRF's own wording, so its catalogs (de, fr, es, ...) translate it the same everywhere.
NOT_FOUND = "Not found."


class DomainError(Exception):
    def __init__(
        self,
        detail: str,
        *,
        errors: dict[str, list[str]] | None = None,
        code: str = "invalid",
    ):
        if code not in STATUS_BY_CODE:
            raise ValueError(f"unknown domain error code {code!r}")
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}
        self.code = code

    @property
    def status(self) -> int:
        return STATUS_BY_CODE[self.code]

    def messages(self) -> list[str]:
        """Every message, flattened, for the command line and page banners."""
        lines = [msg for field_msgs in self.errors.values() for msg in field_msgs]
        return lines or [self.detail]


def not_found() -> DomainError:
    """The one answer for anything out of the caller's reach and for anything that does not
    exist: the status and body of DRF's own 404 (``{"detail": "Not found.", "errors": {}}``),
    so a caller cannot tell the two apart. Raise it before any state check (409) or input
    check that depends on the object, which would confirm that it exists."""
    return DomainError(gettext(NOT_FOUND), code="not_found")

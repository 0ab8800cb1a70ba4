"""Turning a database outage into a clean answer instead of a stack trace."""

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext

RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    """A lost database connection (a restart, a failover) answers 503 with Retry-After.

    Services wrap every write of several rows in a transaction, so nothing half-written
    stays behind; Django opens a fresh connection for the next request. The page is
    rendered without the request: its context processors would ask the database again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {
                    "detail": gettext("The database is unavailable for a moment; try again."),
                    "errors": {},
                },
                status=503,
            )
        else:
            response = HttpResponse(render_to_string("core/unavailable.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

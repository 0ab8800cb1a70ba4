from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig
from django.http import Http404, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularAPIView

from core import health, outbox
from core.validation import query_text


@never_cache
@require_GET
def healthz(request):
    checks = {"database": health.database_status(), "broker": health.broker_status()}
    healthy = all(value in ("ok", "in-process") for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", **checks}, status=200 if healthy else 503
    )


def _debug_only():
    # The outbox shows every email, survey links included: never outside DEBUG.
    if not settings.DEBUG:
        raise Http404


@require_GET
def outbox_index(request):
    _debug_only()
    return render(request, "core/outbox_list.html", {"messages_": outbox.outbox_list()})


@require_GET
def outbox_detail(request, name):
    _debug_only()
    message = outbox.outbox_get(name=name)
    if message is None:
        raise Http404
    return render(request, "core/outbox_detail.html", {"message": message})


def bad_request(request, exception=None):
    """400 for what Django refuses before or outside a view's own checks: a query
    parameter that is not what the page reads (``core.validation.query_int`` raises
    BadRequest with a message for the reader), a body past DATA_UPLOAD_MAX_MEMORY_SIZE.
    JSON in the API's error shape under /api/."""
    message = gettext("This request could not be understood.")
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
        message = gettext("The request body is larger than %(limit)d KB.") % {"limit": limit}
    elif type(exception) is BadRequest and str(exception):
        message = str(exception)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "errors": {}}, status=400)
    return render(request, "400.html", {"message": message}, status=400)


def not_found(request, exception=None):
    """404 for any URL nothing matched: JSON in the API's error shape under /api/."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": gettext("Not found."), "errors": {}}, status=404)
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    """403 on the site's own layout (JSON under /api/, where DRF answers most itself)."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": gettext("You do not have permission to do this."), "errors": {}},
            status=403,
        )
    return render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """A form refused by the CSRF check (an old tab, cookies blocked): the site's layout and
    what to do, instead of Django's bare page. The reason is for logs, not for the reader."""
    return render(request, "403_csrf.html", status=403)


def server_error(request):
    """500: JSON under /api/; a plain page elsewhere (rendered without the request, whose
    context processors may be what failed)."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "detail": gettext("Something went wrong on our side; it has been logged."),
                "errors": {},
            },
            status=500,
        )
    return HttpResponseServerError(render_to_string("500.html"))


class SchemaView(SpectacularAPIView):
    """drf-spectacular's schema view writes ``?version=`` into its Content-Disposition
    header: a CR or LF there was a BadHeaderError (500). Its query parameters follow the
    text rule like every other; a refusal is a 400."""

    def dispatch(self, request, *args, **kwargs):
        # Checked before DRF takes over, so the 400 is JSON (handler400), not YAML.
        for name in ("version", "lang", "format"):
            query_text(request.GET, name, max_length=50)
        return super().dispatch(request, *args, **kwargs)

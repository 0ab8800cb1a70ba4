from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core import health, outbox


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

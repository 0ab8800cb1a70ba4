"""The project's URLs plus one bare view, for the benchmark only: never in production URLs."""

from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.urls import urlpatterns as project_urlpatterns


@csrf_exempt
@require_POST
def bare_insert(request, token):
    """The floor: one request, one INSERT, a small JSON answer. No lookup, no validation."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_hit (token, created_at) VALUES (%s, now())", [token])
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/insert/<str:token>/", bare_insert),
    *project_urlpatterns,
]

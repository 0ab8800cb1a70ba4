"""Everything under /api/v1/."""

from django.urls import path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter

from accounts.api import PersonViewSet

router = DefaultRouter(trailing_slash=True)
router.register("people", PersonViewSet, basename="person")

urlpatterns = [
    path("auth/token/", ObtainAuthToken.as_view(), name="api_token"),
    *router.urls,
]

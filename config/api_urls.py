"""Everything under /api/v1/."""

from django.urls import path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter

from accounts.api import PersonViewSet
from reports.api import RequestResultsView

router = DefaultRouter(trailing_slash=True)
router.register("people", PersonViewSet, basename="person")

urlpatterns = [
    path("auth/token/", ObtainAuthToken.as_view(), name="api_token"),
    path("requests/<int:pk>/results/", RequestResultsView.as_view(), name="request_results"),
    *router.urls,
]

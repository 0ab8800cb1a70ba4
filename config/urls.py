from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from core import views as core_views

admin.site.site_header = "Feedback 360 administration"
admin.site.site_title = "Feedback 360"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # The login page, single sign-on and the second factor (issue 17); its password reset
    # page is accounts.views.PasswordResetView (links built from SITE_URL, never from the
    # request's Host header), absent when passwords are switched off.
    path("accounts/", include("accounts.signin_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("config.api_urls")),
    # SCIM 2.0 provisioning for the identity provider (bearer token; docs/api.md).
    path("scim/v2/", include("scim.urls")),
    path("api/schema/", core_views.SchemaView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script for the CSP.
    # Its page template keeps every style in files, for the same policy (style-src 'self').
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="core/api_docs.html"),
        name="api_docs",
    ),
    path("dev/outbox/", core_views.outbox_index, name="outbox"),
    path("dev/outbox/<str:name>/", core_views.outbox_detail, name="outbox_message"),
    path("", include("reports.urls")),
    path("", include("feedback.urls")),
    path("", include("development.urls")),
    path("", include("accounts.urls")),
    path("", include("exports.urls")),
    path("", include("privacy.urls")),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.not_found"
handler500 = "core.views.server_error"

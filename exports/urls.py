from django.urls import path

from exports import views

urlpatterns = [
    # Under /reports/ as before exports became their own app (README, bookmarks).
    path("reports/exports/", views.exports_page, name="exports"),
    # The subject's own released report, beside the report page it is downloaded from.
    path("reports/requests/<int:pk>/pdf/", views.report_pdf, name="report_pdf"),
]

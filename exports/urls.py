from django.urls import path

from exports import views

urlpatterns = [
    # Under /reports/ as before exports became their own app (README, bookmarks).
    path("reports/exports/", views.exports_page, name="exports"),
]

from django.urls import path

from reports import views

urlpatterns = [path("reports/exports/", views.exports_page, name="exports")]

from django.urls import path

from privacy import views

urlpatterns = [
    path("my-data/", views.my_data_request, name="my_data_request"),
    # The token is the only credential, as on survey links: no login needed.
    path("my-data/<str:token>/", views.my_data_download, name="my_data_download"),
]

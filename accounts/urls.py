from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("people/", views.people_list, name="people"),
    path("people/invite/", views.people_invite, name="people_invite"),
    path("people/import/", views.people_import, name="people_import"),
    path("my-data/", views.my_data_request, name="my_data_request"),
    # The token is the only credential, as on survey links: no login needed.
    path("my-data/<str:token>/", views.my_data_download, name="my_data_download"),
]

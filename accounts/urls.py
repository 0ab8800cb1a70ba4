from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("people/", views.people_list, name="people"),
    path("people/invite/", views.people_invite, name="people_invite"),
    path("people/import/", views.people_import, name="people_import"),
    path("account/language/", views.language, name="language"),
]

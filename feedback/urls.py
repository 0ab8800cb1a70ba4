from django.urls import path

from feedback import views

urlpatterns = [
    path("s/<str:token>/", views.survey, name="survey"),
    path("surveys/", views.surveys_mine, name="surveys_mine"),
    path("surveys/<int:rater_id>/open/", views.survey_open, name="survey_open"),
]

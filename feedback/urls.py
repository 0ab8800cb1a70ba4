from django.urls import path

from feedback import views, views_cycles, views_requests

urlpatterns = [
    path("s/<str:token>/", views.survey, name="survey"),
    path("requests/new/", views_requests.request_new, name="request_new"),
    path("requests/<int:pk>/", views_requests.request_detail, name="request_detail"),
    path(
        "requests/<int:pk>/raters/add/", views_requests.request_rater_add, name="request_rater_add"
    ),
    path(
        "requests/<int:pk>/raters/<int:rater_id>/remove/",
        views_requests.request_rater_remove,
        name="request_rater_remove",
    ),
    path("requests/<int:pk>/launch/", views_requests.request_launch, name="request_launch"),
    # HR sets a cycle up (issue 14): settings, participants, review and open.
    path("cycles/new/", views_cycles.cycle_new, name="cycle_new"),
    path("cycles/<int:pk>/settings/", views_cycles.cycle_settings, name="cycle_settings"),
    path(
        "cycles/<int:pk>/participants/",
        views_cycles.cycle_participants,
        name="cycle_participants",
    ),
    path("cycles/<int:pk>/review/", views_cycles.cycle_review, name="cycle_review"),
    path("surveys/", views.surveys_mine, name="surveys_mine"),
    path("surveys/<int:rater_id>/open/", views.survey_open, name="survey_open"),
]

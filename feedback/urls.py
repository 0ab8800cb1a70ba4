from django.urls import path

from feedback import views, views_cycles

urlpatterns = [
    path("s/<str:token>/", views.survey, name="survey"),
    # HR sets a cycle up (issue 14): settings, participants, review and open.
    path("cycles/new/", views_cycles.cycle_new, name="cycle_new"),
    path("cycles/<int:pk>/settings/", views_cycles.cycle_settings, name="cycle_settings"),
    path(
        "cycles/<int:pk>/participants/",
        views_cycles.cycle_participants,
        name="cycle_participants",
    ),
    path("cycles/<int:pk>/review/", views_cycles.cycle_review, name="cycle_review"),
]

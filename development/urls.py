from django.urls import path

from development import views

urlpatterns = [
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/focus/", views.plan_focus, name="plan_focus"),
    path("plans/<int:pk>/actions/", views.plan_action_add, name="plan_action_add"),
    path("plans/<int:pk>/actions/<int:action_id>/", views.plan_action, name="plan_action"),
    path("plans/<int:pk>/share/", views.plan_share, name="plan_share"),
    path("plans/<int:pk>/comments/", views.plan_comment, name="plan_comment"),
]

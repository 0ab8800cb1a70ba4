from django.urls import path

from reports import views

urlpatterns = [
    path("reports/", views.my_reports, name="reports_mine"),
    path("reports/requests/<int:pk>/", views.report, name="report"),
    path("reports/requests/<int:pk>/remind/", views.remind, name="report_remind"),
    path(
        "reports/approvals/<int:rater_id>/<str:decision>/",
        views.approval_decide,
        name="reports_approval_decide",
    ),
    path(
        "reports/requests/<int:pk>/raters/<int:rater_id>/resend/",
        views.rater_resend,
        name="report_rater_resend",
    ),
    path("reports/manager/", views.manager_dashboard, name="reports_manager"),
    path("reports/hr/", views.hr_dashboard, name="reports_hr"),
    path("reports/debriefs/", views.debriefs_mine, name="debriefs_mine"),
    path("reports/debriefs/<int:pk>/record/", views.debrief_record, name="debrief_record"),
    path("reports/debriefs/<int:pk>/release/", views.debrief_release, name="debrief_release"),
    # Before the generic action below, which would take "remind-all" for an action name.
    path(
        "reports/hr/cycles/<int:pk>/quality/",
        views.hr_cycle_quality,
        name="reports_cycle_quality",
    ),
    path(
        "reports/hr/cycles/<int:pk>/coaches/",
        views.hr_cycle_coaches,
        name="reports_cycle_coaches",
    ),
    path(
        "reports/hr/cycles/<int:pk>/remind-all/",
        views.hr_cycle_remind,
        name="reports_cycle_remind",
    ),
    path(
        "reports/hr/cycles/<int:pk>/comments/",
        views.cycle_comments,
        name="reports_cycle_comments",
    ),
    path(
        "reports/hr/cycles/<int:pk>/comments/screen/",
        views.cycle_comments_screen,
        name="reports_cycle_comments_screen",
    ),
    path(
        "reports/hr/comments/<int:flag_id>/<str:decision>/",
        views.comment_review,
        name="reports_comment_review",
    ),
    path(
        "reports/hr/cycles/<int:pk>/<str:action>/", views.cycle_action, name="reports_cycle_action"
    ),
]

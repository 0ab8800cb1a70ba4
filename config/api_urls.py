"""Everything under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts.api import AuthTokenView, PersonViewSet
from development.api import PlanCountsView, PlanViewSet
from exports.api import ExportDownloadView, ExportViewSet
from feedback.api import (
    ApprovalListView,
    CycleViewSet,
    FeedbackRequestViewSet,
    SurveyDeclineView,
    SurveySubmitView,
    SurveyView,
)
from privacy.api import CycleAnswersPurgeView, MyExportView, PersonEraseView, PersonExportView
from reports.api import (
    CommentFlagListView,
    CommentKeepView,
    CommentRedactView,
    CommentScreenView,
    CycleCoachesView,
    DebriefListView,
    DebriefRecordView,
    RequestResultsView,
    ResponseQualityView,
    SubjectReleaseView,
    TeamReportView,
)

router = DefaultRouter(trailing_slash=True)
router.register("people", PersonViewSet, basename="person")
router.register("cycles", CycleViewSet, basename="cycle")
router.register("requests", FeedbackRequestViewSet, basename="feedbackrequest")
router.register("exports", ExportViewSet, basename="export")
router.register("plans", PlanViewSet, basename="plan")

urlpatterns = [
    # Before the router's plans/{id}/, which would take "counts" for an id.
    path("plans/counts/", PlanCountsView.as_view(), name="plan_counts"),
    path("auth/token/", AuthTokenView.as_view(), name="api_token"),
    path("approvals/", ApprovalListView.as_view(), name="approvals"),
    path("me/export/", MyExportView.as_view(), name="me_export"),
    path("survey/<str:token>/", SurveyView.as_view(), name="survey_api"),
    path("survey/<str:token>/submit/", SurveySubmitView.as_view(), name="survey_api_submit"),
    path("survey/<str:token>/decline/", SurveyDeclineView.as_view(), name="survey_api_decline"),
    path("requests/<int:pk>/results/", RequestResultsView.as_view(), name="request_results"),
    path("cycles/<int:pk>/team-report/", TeamReportView.as_view(), name="team_report"),
    path("cycles/<int:pk>/comment-flags/", CommentFlagListView.as_view(), name="comment_flags"),
    path(
        "cycles/<int:pk>/comment-flags/screen/",
        CommentScreenView.as_view(),
        name="comment_flags_screen",
    ),
    path("comment-flags/<int:pk>/redact/", CommentRedactView.as_view(), name="comment_redact"),
    path("comment-flags/<int:pk>/keep/", CommentKeepView.as_view(), name="comment_keep"),
    path(
        "cycles/<int:pk>/response-quality/",
        ResponseQualityView.as_view(),
        name="cycle_response_quality",
    ),
    path("cycles/<int:pk>/coaches/", CycleCoachesView.as_view(), name="cycle_coaches"),
    path("debriefs/", DebriefListView.as_view(), name="debriefs"),
    path("requests/<int:pk>/debrief/", DebriefRecordView.as_view(), name="request_debrief"),
    path(
        "requests/<int:pk>/release-to-subject/",
        SubjectReleaseView.as_view(),
        name="request_release_to_subject",
    ),
    path("exports/<int:pk>/download/", ExportDownloadView.as_view(), name="export_download"),
    # Privacy acts on people and cycles; its views live in the privacy app (the top layer),
    # so the people and cycles endpoints never import it. Names as the router gave them.
    path("people/<int:pk>/export/", PersonExportView.as_view(), name="person-export"),
    path("people/<int:pk>/erase/", PersonEraseView.as_view(), name="person-erase"),
    path(
        "cycles/<int:pk>/purge-answers/",
        CycleAnswersPurgeView.as_view(),
        name="cycle-purge-answers",
    ),
    *router.urls,
]

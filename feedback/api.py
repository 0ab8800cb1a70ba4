"""Feedback API: thin views over feedback.services and feedback.selectors."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsHR
from accounts.selectors import people_visible_to, person_for_user, user_is_hr
from core.api import ERROR_RESPONSES, ErrorSerializer
from core.errors import DomainError
from feedback import selectors, services, throttle
from feedback.serializers import (
    ApprovalSerializer,
    CycleReopenSerializer,
    CycleSerializer,
    LaunchSerializer,
    ProgressSerializer,
    RaterCreateSerializer,
    RaterSerializer,
    RequestCreateSerializer,
    RequestSerializer,
    SurveyAnswersSerializer,
    SurveyDeclineSerializer,
    SurveyReceiptSerializer,
    SurveySerializer,
)

WITH_CONFLICT = {**ERROR_RESPONSES, 409: ErrorSerializer}
# Survey endpoints also answer 429 to a client that keeps trying unknown tokens.
# 410: the link's invitation was withdrawn (its rater was deactivated, issue 17).
SURVEY_ERRORS = {**ERROR_RESPONSES, 410: ErrorSerializer, 429: ErrorSerializer}
SURVEY_WITH_CONFLICT = {**WITH_CONFLICT, 410: ErrorSerializer, 429: ErrorSerializer}


class CycleViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Feedback cycles. HR runs them; a manager may only add requests to an open one."""

    serializer_class = CycleSerializer

    def get_queryset(self):
        if self.action == "requests":
            # Managers address an open cycle by id to request feedback about their line;
            # any other cycle is not found for them, exactly like one that does not exist.
            return selectors.cycles_in_reach(user=self.request.user)
        return selectors.cycles_visible_to(user=self.request.user).select_related("framework")

    def get_permissions(self):
        # One cycle (and its state changes) is looked up among the cycles the caller can
        # see, so for anyone but HR it is not found (404) rather than refused: a refusal
        # would confirm that the id exists. Lists and creation stay HR-only (403).
        if self.action in ("list", "create"):
            return [IsHR()]
        return [IsAuthenticated()]

    @extend_schema(responses={200: CycleSerializer(many=True), **ERROR_RESPONSES})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: CycleSerializer, **ERROR_RESPONSES})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(responses={201: CycleSerializer, **ERROR_RESPONSES})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cycle = services.cycle_create(created_by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(cycle).data, status=status.HTTP_201_CREATED)

    def _transition(self, service, **kwargs):
        cycle = service(cycle=self.get_object(), actor=self.request.user, **kwargs)
        return Response(self.get_serializer(cycle).data)

    @extend_schema(
        request=None,
        responses={200: CycleSerializer, **WITH_CONFLICT},
        description="draft -> open; pins the current (highest) questionnaire version.",
    )
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        return self._transition(services.cycle_open)

    @extend_schema(
        request=None,
        responses={200: CycleSerializer, **WITH_CONFLICT},
        description="open -> closed: surveys stop taking answers.",
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._transition(services.cycle_close)

    @extend_schema(
        request=None,
        responses={200: CycleSerializer, **WITH_CONFLICT},
        description="closed -> released: results become visible. Final.",
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        return self._transition(services.cycle_release)

    @extend_schema(
        request=CycleReopenSerializer,
        responses={200: CycleSerializer, **WITH_CONFLICT},
        description="closed -> open. Refused (409) once released or once any result was read.",
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        body = CycleReopenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._transition(services.cycle_reopen, **body.validated_data)

    @extend_schema(
        request=RequestCreateSerializer,
        responses={201: RequestSerializer, **WITH_CONFLICT},
        description="A feedback request about a person, with raters proposed from the org "
        "chart: self, boss, direct reports, peers (same manager). HR, or a manager above "
        "the subject.",
    )
    @action(detail=True, methods=["post"])
    def requests(self, request, pk=None):
        cycle = self.get_object()
        body = RequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        subject_id = body.validated_data["subject"]
        subject = people_visible_to(user=request.user).filter(pk=subject_id).first()
        own = person_for_user(request.user)
        if subject is None and own is not None and own.pk == subject_id:
            subject = own  # a manager asking about themself; request_create decides
        if subject is None:
            raise DomainError(
                "No such person among the people you can see.",
                errors={"subject": ["Unknown person."]},
                code="not_found",
            )
        created = services.request_create(cycle=cycle, subject=subject, requested_by=request.user)
        feedback_request = created.request
        feedback_request.warnings = created.warnings + selectors.request_warnings(
            request=feedback_request
        )
        data = RequestSerializer(feedback_request).data
        return Response(data, status=status.HTTP_201_CREATED)


class FeedbackRequestViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A feedback request's raters, launch and progress."""

    serializer_class = RequestSerializer

    def get_queryset(self):
        user = self.request.user
        if self.action == "progress":
            requests = selectors.requests_progress_visible_to(user=user)
        else:
            requests = selectors.requests_manageable_by(user=user)
        return requests.prefetch_related("raters")

    @extend_schema(responses={200: RequestSerializer, **ERROR_RESPONSES})
    def retrieve(self, request, *args, **kwargs):
        feedback_request = self.get_object()
        feedback_request.warnings = selectors.request_warnings(request=feedback_request)
        return Response(self.get_serializer(feedback_request).data)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: RaterSerializer(many=True), **ERROR_RESPONSES},
    )
    @extend_schema(
        methods=["POST"],
        request=RaterCreateSerializer,
        responses={201: RaterSerializer, **WITH_CONFLICT},
        description="Add a rater. Someone outside the directory is relationship 'other'.",
    )
    @action(detail=True, methods=["get", "post"])
    def raters(self, request, pk=None):
        feedback_request = self.get_object()
        if request.method == "GET":
            raters = feedback_request.raters.order_by("relationship", "email")
            return Response(RaterSerializer(raters, many=True).data)
        body = RaterCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rater = services.rater_add(
            request=feedback_request, actor=request.user, **body.validated_data
        )
        return Response(RaterSerializer(rater).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="Removed."), **WITH_CONFLICT},
        description="Remove a rater who has not submitted.",
    )
    @action(detail=True, methods=["delete"], url_path=r"raters/(?P<rater_id>[0-9]+)")
    def remove_rater(self, request, pk=None, rater_id=None):
        feedback_request = self.get_object()
        rater = generics.get_object_or_404(feedback_request.raters, pk=rater_id)
        services.rater_remove(rater=rater)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={200: RaterSerializer, **WITH_CONFLICT},
        description="Email an invited rater a fresh link; their previous link stops working. "
        "After a failed email (delivery 'failed') this is the retry and goes at once; "
        "otherwise it counts as a reminder, at most one email a day per rater (409 with the "
        "time the next one is possible).",
    )
    @action(detail=True, methods=["post"], url_path=r"raters/(?P<rater_id>[0-9]+)/resend")
    def resend_rater(self, request, pk=None, rater_id=None):
        feedback_request = self.get_object()
        rater = generics.get_object_or_404(feedback_request.raters, pk=rater_id)
        return Response(RaterSerializer(services.rater_resend(rater=rater)).data)

    # generics.get_object_or_404: DRF's lookup answers 404, not 500, for an id that is not
    # a number (the request id in these paths is matched as any text).
    def _decide(self, request, pk, rater_id, service):
        # Looked up among the raters the caller may see when deciding, not through
        # get_object: a subject decides on raters of a request they cannot manage.
        rater = generics.get_object_or_404(
            selectors.raters_in_approval_reach(user=request.user), pk=rater_id, request_id=pk
        )
        return Response(RaterSerializer(service(rater=rater, actor=request.user)).data)

    @extend_schema(
        request=None,
        responses={200: RaterSerializer, **WITH_CONFLICT},
        description="Approve a nomination that waits (HR or the subject; never whoever "
        "nominated the rater or made the request: 403). If the request is launched, the "
        "invitation goes out now. 404 outside the caller's reach, 409 once decided.",
    )
    @action(detail=True, methods=["post"], url_path=r"raters/(?P<rater_id>[0-9]+)/approve")
    def approve_rater(self, request, pk=None, rater_id=None):
        return self._decide(request, pk, rater_id, services.rater_approve)

    @extend_schema(
        request=None,
        responses={200: RaterSerializer, **WITH_CONFLICT},
        description="Refuse a nomination that waits: the rater is never contacted. Same "
        "rules as approve.",
    )
    @action(detail=True, methods=["post"], url_path=r"raters/(?P<rater_id>[0-9]+)/reject")
    def reject_rater(self, request, pk=None, rater_id=None):
        return self._decide(request, pk, rater_id, services.rater_reject)

    @extend_schema(
        request=None,
        responses={200: LaunchSerializer, **WITH_CONFLICT},
        description="Email every pending rater a personal survey link. Launching again "
        "emails only raters added since.",
    )
    @action(detail=True, methods=["post"])
    def launch(self, request, pk=None):
        result = services.request_launch(request=self.get_object())
        warnings = selectors.request_warnings(request=result.request)
        return Response(LaunchSerializer({"invited": result.invited, "warnings": warnings}).data)

    @extend_schema(
        request=None,
        responses={200: ProgressSerializer, **ERROR_RESPONSES},
        description="Counts per relationship and status. HR also gets each rater's status.",
    )
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        feedback_request = self.get_object()
        data = selectors.request_progress(
            request=feedback_request, with_raters=user_is_hr(request.user)
        )
        return Response(ProgressSerializer(data).data)


class ApprovalListView(generics.ListAPIView):
    """Nominations of open cycles waiting for the caller's decision, oldest first."""

    serializer_class = ApprovalSerializer

    def get_queryset(self):
        return selectors.approvals_waiting_for(user=self.request.user)

    @extend_schema(responses={200: ApprovalSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class _SurveyView(APIView):
    # The token in the URL is the only credential: no login, no session, hence no CSRF.
    authentication_classes = []
    permission_classes = [AllowAny]

    def handle_exception(self, exc):
        # Only the token lookup raises not_found here: that is one guess more, and past
        # the limit the answer becomes 429.
        if isinstance(exc, DomainError) and exc.code == "not_found":
            if selectors.token_withdrawn(token=self.kwargs.get("token", "")):
                return super().handle_exception(
                    DomainError(selectors.WITHDRAWN_MESSAGE, code="gone")
                )
            retry_after = throttle.guessing_record_miss(self.request)
            if retry_after is not None:
                exc = exceptions.Throttled(
                    wait=retry_after, detail=throttle.guessing_message(retry_after)
                )
        return super().handle_exception(exc)

    def _survey(self, rater) -> Response:
        # The selector already builds exactly SurveySerializer's shape (the schema documents
        # it; a test compares the two). Skipping the serializer's field copies and nested
        # representation saves 1-2 ms on every survey read (BENCHMARKS.md).
        return Response(selectors.survey_for_rater(rater=rater, now=timezone.now()))

    def _receipt(self, receipt: services.SurveyReceipt) -> Response:
        # Writes answer with the state only: a client that autosaves every few seconds
        # does not need the 30 statements back each time (BENCHMARKS.md, issue 3).
        return Response(
            {
                "status": receipt.status,
                "accepts_answers": receipt.accepts_answers,
                "answered": receipt.answered,
                "unanswered": receipt.unanswered,
            }
        )


class SurveyView(_SurveyView):
    @extend_schema(responses={200: SurveySerializer, **SURVEY_ERRORS})
    def get(self, request, token):
        rater = selectors.rater_for_token(token=token)
        services.survey_mark_opened(rater=rater, now=timezone.now())
        return self._survey(rater)

    @extend_schema(
        request=SurveyAnswersSerializer,
        responses={200: SurveyReceiptSerializer, **SURVEY_WITH_CONFLICT},
        description="Save a draft; answers are merged into what was saved before. "
        "Answers with the survey's state; GET returns the whole survey.",
    )
    def put(self, request, token):
        # SurveyAnswersSerializer documents the body. The service validates every answer
        # itself (the HTML page calls it too) and names each bad field, so the API does not
        # check thirty answers twice on its busiest path (BENCHMARKS.md, issue 3).
        body = request.data
        if not isinstance(body, dict):
            raise DomainError('Send a JSON object: {"ratings": {...}, "comments": {...}}.')
        unknown = sorted(set(body) - {"ratings", "comments"})
        if unknown:
            raise DomainError(
                "Some answers are not valid.",
                errors={key: ["Unknown field: send ratings and comments."] for key in unknown},
            )
        return self._receipt(
            services.survey_save_draft(
                token=token, ratings=body.get("ratings"), comments=body.get("comments")
            )
        )


class SurveySubmitView(_SurveyView):
    @extend_schema(
        request=None,
        responses={200: SurveyReceiptSerializer, **SURVEY_WITH_CONFLICT},
        description="Finalise: every statement needs a rating or null (can't say).",
    )
    def post(self, request, token):
        return self._receipt(services.survey_submit(token=token))


class SurveyDeclineView(_SurveyView):
    @extend_schema(
        request=SurveyDeclineSerializer,
        responses={200: SurveyReceiptSerializer, **SURVEY_WITH_CONFLICT},
    )
    def post(self, request, token):
        body = SurveyDeclineSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._receipt(services.survey_decline(token=token, **body.validated_data))

"""Results API: thin views over reports.services and reports.selectors."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Person
from accounts.permissions import IsHR
from accounts.selectors import person_for_user, user_is_hr
from core.api import ERROR_RESPONSES, ErrorSerializer, Pagination
from core.errors import DomainError, not_found
from feedback.models import Cycle
from feedback.selectors import requests_listed
from reports import selectors, services
from reports.models import CommentFlag
from reports.serializers import (
    CoachAssignedSerializer,
    CoachAssignSerializer,
    CommentFlagListQuerySerializer,
    CommentFlagSerializer,
    CommentRedactSerializer,
    DebriefRecordSerializer,
    DebriefSerializer,
    ResponseQualitySerializer,
    TeamReportQuerySerializer,
    TeamReportSerializer,
)

WITH_CONFLICT = {**ERROR_RESPONSES, 409: ErrorSerializer}


class RequestResultsView(APIView):
    @extend_schema(
        operation_id="requests_results",
        summary="The gap analysis of one feedback request",
        description="Contract section 4. HR reads once the cycle is closed; the subject and "
        "their managers (any level) once it is released; nobody while it is open (409). "
        "Besides the contract's fields: `strengths`, `to_develop` (item ids, by others' "
        "means), `disagreements` (items where others' sd >= 1.0) and a plain-words "
        "`profile` per behaviour. `groups.others.counted` is null only for a result "
        "released before it was recorded. `previous` (issue 16): newest first, the "
        "comparison with every earlier released cycle of the same subject (empty until "
        "this cycle is released): per behaviour, each group's leadership and management "
        "scores, balance and self-others gap as `{before, now, change, notable}` or null "
        "where the group was not shown in both; `rater_mix_changed`, `groups` (survey "
        "counts before and now) and `statements` (compared, not compared). See "
        "docs/gap-analysis.md and docs/api.md.",
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The gap analysis."),
            **WITH_CONFLICT,
        },
    )
    def get(self, request, pk: int):
        feedback_request = get_object_or_404(
            selectors.requests_with_results_visible_to(user=request.user), pk=pk
        )
        return Response(services.results_read(request=feedback_request, user=request.user))


class TeamReportView(APIView):
    @extend_schema(
        operation_id="cycles_team_report",
        summary="Per-subject and team figures of a cycle, with response rates",
        description="HR reads closed and released cycles; a manager reads released ones, "
        "limited to the subjects in their line (team figures and response rates too). "
        "409 while the cycle is open; 404 for a cycle out of reach (a draft, a closed "
        "cycle for a manager, any cycle for someone without a line); 400 for an unknown "
        "`team`. The subjects are paginated "
        "(`page`, `page_size`); team figures and response rates cover every page.",
        parameters=[TeamReportQuerySerializer],
        responses={200: TeamReportSerializer, **WITH_CONFLICT},
    )
    def get(self, request, pk: int):
        query = TeamReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        team = query.validated_data.get("team") or None
        cycle = services.cycle_results_opened(
            cycle=selectors.team_report_cycle_in_reach(user=request.user, cycle_id=pk),
            hr=user_is_hr(request.user),
            refused=_("Team reports cannot be read"),
        )
        requests = selectors.team_report_requests(user=request.user, cycle_id=pk, team=team)
        paginator = Pagination()
        # Rows are listed subjects; the team figures and rates cover every request, so an
        # erased subject's frozen share of a released cycle stays in them.
        listed = requests_listed(requests)
        page = paginator.paginate_queryset(listed.values_list("id", flat=True), request)
        subjects = selectors.team_report_subjects(cycle_id=cycle.id, requests=list(page))
        response = paginator.get_paginated_response(subjects)
        response.data = {
            "cycle": {"id": cycle.id, "name": cycle.name, "status": cycle.status},
            "team": team,
            "team_figures": selectors.team_figures(requests=requests),
            "response_rates": selectors.response_rates(requests=requests),
            **response.data,
        }
        return response


# --- Comments to review (issue 16): HR only; anyone else gets the one 404 -------------------


def _cycle_for_review(request, pk: int):
    """The cycle whose comments HR reviews, marked as read (a reviewed comment is a
    result: the cycle may no longer reopen). Not HR, or no such cycle: 404."""
    if not user_is_hr(request.user):
        raise not_found()
    cycle = get_object_or_404(Cycle, pk=pk)
    return services.cycle_results_opened(
        cycle=cycle, hr=True, refused=_("Comments cannot be reviewed")
    )


class CommentFlagListView(APIView):
    @extend_schema(
        operation_id="cycles_comment_flags",
        summary="A cycle's comments flagged by the screening, for HR to review",
        description="HR only (anyone else: 404). 409 while the cycle is a draft or open. "
        "Comments that may give their writer away (names from the directory, the subject's "
        "team and managers, email addresses, phone numbers: docs/gap-analysis.md), each "
        "with its flagged passages as offsets and text. Never names the writer. Reading "
        "this marks the cycle as read (it may no longer reopen). Those to review first.",
        parameters=[CommentFlagListQuerySerializer],
        responses={200: CommentFlagSerializer(many=True), **WITH_CONFLICT},
    )
    def get(self, request, pk: int):
        if not user_is_hr(request.user):
            raise not_found()
        query = CommentFlagListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        cycle = _cycle_for_review(request, pk)
        flags = selectors.comment_flags(
            cycle_id=cycle.id, status=query.validated_data.get("status")
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(flags, request)
        return paginator.get_paginated_response(CommentFlagSerializer(page, many=True).data)


class CommentScreenView(APIView):
    @extend_schema(
        operation_id="cycles_comment_flags_screen",
        summary="Screen a cycle's comments again",
        description="HR only (anyone else: 404). Runs the screening again by the worker "
        "(closing a cycle runs it once): comments whose flagged passages did not change "
        "keep their review. 409 unless the cycle is closed or released.",
        request=None,
        responses={202: ErrorSerializer, **WITH_CONFLICT},
    )
    def post(self, request, pk: int):
        cycle = _cycle_for_review(request, pk)
        services.cycle_comments_rescreen(cycle=cycle, actor=request.user)
        return Response(
            {"detail": "The comments are being screened again.", "errors": {}},
            status=status.HTTP_202_ACCEPTED,
        )


class CommentRedactView(APIView):
    @extend_schema(
        operation_id="comment_flags_redact",
        summary="Remove a passage from a flagged comment",
        description="HR only (anyone else: 404). Replaces the passage, given as `start` and "
        "`end` offsets (as `matches` lists them) or as the `passage` text, with "
        '"[removed]" in the comment itself: the report page, PDF, API results and '
        'exports show "[removed]"; nothing keeps the passage, and stored export files '
        "of the cycle are deleted. Flagged passages that remain stay to review. 400 for "
        "offsets outside the comment or a passage not in it; 409 unless the cycle is "
        "closed or released.",
        request=CommentRedactSerializer,
        responses={200: CommentFlagSerializer, **WITH_CONFLICT},
    )
    def post(self, request, pk: int):
        flag = services.comment_flag_open(flag_id=pk, user=request.user)
        body = CommentRedactSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        start, end = body.validated_data.get("start"), body.validated_data.get("end")
        if "passage" in body.validated_data:
            start, end = services.passage_span(flag.comment.text, body.validated_data["passage"])
        flag = services.comment_redact(flag=flag, start=start, end=end, actor=request.user)
        return Response(CommentFlagSerializer(_reloaded(flag)).data)


class CommentKeepView(APIView):
    @extend_schema(
        operation_id="comment_flags_keep",
        summary="Keep a flagged comment as it is",
        description="HR only (anyone else: 404). Marks the comment reviewed without "
        "changing it. 409 unless the cycle is closed or released.",
        request=None,
        responses={200: CommentFlagSerializer, **WITH_CONFLICT},
    )
    def post(self, request, pk: int):
        flag = services.comment_flag_open(flag_id=pk, user=request.user)
        flag = services.comment_keep(flag=flag, actor=request.user)
        return Response(CommentFlagSerializer(_reloaded(flag)).data)


def _reloaded(flag):
    return CommentFlag.objects.select_related(
        "comment__question", "comment__rater", "request__subject"
    ).get(pk=flag.pk)


# --- Response quality and coaches' debriefs (issue 16) -----------------------------------


class ResponseQualityView(APIView):
    permission_classes = [IsHR]

    @extend_schema(
        operation_id="cycles_response_quality",
        summary="Response quality of a cycle, in aggregate only",
        description='HR. Per statement the share of "can\'t say" (statements at or above '
        "the review threshold listed for the next questionnaire version), the number of "
        "surveys that gave every statement the same rating, and time to answer as "
        "buckets and percentiles. Never per rater or per subject; each figure is hidden "
        "below k surveys. Closed or released cycles only (409 while open); reading a "
        "closed cycle's figures means it can no longer reopen; a released cycle's "
        "figures are frozen. See docs/gap-analysis.md.",
        responses={200: ResponseQualitySerializer, **WITH_CONFLICT},
    )
    def get(self, request, pk: int):
        cycle = get_object_or_404(Cycle, pk=pk)
        return Response(services.cycle_response_quality_read(cycle=cycle))


class CycleCoachesView(APIView):
    permission_classes = [IsHR]

    @extend_schema(
        operation_id="cycles_coaches",
        summary="Assign (or remove) the coach of subjects of a cycle",
        description="HR, in a cycle run with `debrief_before_release`, until it is "
        "released (409). 400 for a request not in the cycle, an unknown coach, or a "
        "coach who is one of the subjects.",
        request=CoachAssignSerializer,
        responses={200: CoachAssignedSerializer, **WITH_CONFLICT},
    )
    def post(self, request, pk: int):
        cycle = get_object_or_404(Cycle, pk=pk)
        body = CoachAssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        coach_id = body.validated_data["coach"]
        coach = None
        if coach_id is not None:
            coach = Person.objects.filter(pk=coach_id, erased_at__isnull=True).first()
            if coach is None:
                raise DomainError("Unknown coach.", errors={"coach": ["Unknown person."]})
        assigned = services.coaches_assign(
            cycle=cycle,
            request_ids=body.validated_data["requests"],
            coach=coach,
            actor=request.user,
        )
        return Response({"assigned": assigned})


class DebriefListView(APIView):
    @extend_schema(
        operation_id="debriefs_list",
        summary="The reports the caller was asked to debrief",
        responses={200: DebriefSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request):
        person = person_for_user(request.user)
        if person is None:
            return Response([])
        debriefs = selectors.debriefs_for_coach(person=person).order_by("pk")[:1000]
        return Response(DebriefSerializer(debriefs, many=True).data)


class DebriefRecordView(APIView):
    @extend_schema(
        operation_id="requests_debrief",
        summary="The coach records that the debrief took place",
        description="Only the subject's coach (anyone else: 404). Once the cycle is "
        "closed (409 before). `held_on` from the cycle's closing to today (400).",
        request=DebriefRecordSerializer,
        responses={200: DebriefSerializer, **WITH_CONFLICT},
    )
    def post(self, request, pk: int):
        body = DebriefRecordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        debrief = services.debrief_record(
            request_id=pk, user=request.user, held_on=body.validated_data.get("held_on")
        )
        return Response(DebriefSerializer(debrief).data)


class SubjectReleaseView(APIView):
    @extend_schema(
        operation_id="requests_release_to_subject",
        summary="The coach releases the report to its subject",
        description="Only the subject's coach (anyone else: 404), in a closed cycle, once "
        "the debrief is recorded (409 otherwise). Freezes that report's figures, emails "
        "the subject; the cycle can no longer reopen. Releasing again changes nothing.",
        request=None,
        responses={200: DebriefSerializer, **WITH_CONFLICT},
    )
    def post(self, request, pk: int):
        debrief = services.subject_release(request_id=pk, user=request.user)
        return Response(DebriefSerializer(debrief).data)

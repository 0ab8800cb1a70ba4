"""Results API: thin views over reports.services and reports.selectors."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_is_hr
from core.api import ERROR_RESPONSES, ErrorSerializer, Pagination
from feedback.selectors import requests_listed
from reports import selectors, services
from reports.serializers import (
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
            refused="Team reports cannot be read",
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

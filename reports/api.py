"""Results API: thin views over reports.services and reports.selectors."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ERROR_RESPONSES, ErrorSerializer, Pagination
from reports import selectors, services
from reports.serializers import TeamReportQuerySerializer, TeamReportSerializer

WITH_CONFLICT = {**ERROR_RESPONSES, 409: ErrorSerializer}


class RequestResultsView(APIView):
    @extend_schema(
        operation_id="requests_results",
        summary="The gap analysis of one feedback request",
        description="Contract section 4. HR reads once the cycle is closed; the subject and "
        "their managers (any level) once it is released; nobody while it is open (409). "
        "Besides the contract's fields: `strengths`, `to_develop` (item ids, by others' "
        "means), `disagreements` (items where others' sd >= 1.0) and a plain-words "
        "`profile` per behaviour. See docs/gap-analysis.md.",
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
        "409 while the cycle is open (or, for a manager, not yet released); 404 for a "
        "cycle out of reach; 400 for an unknown `team`. The subjects are paginated "
        "(`page`, `page_size`); team figures and response rates cover every page.",
        parameters=[TeamReportQuerySerializer],
        responses={200: TeamReportSerializer, **WITH_CONFLICT},
    )
    def get(self, request, pk: int):
        query = TeamReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        team = query.validated_data.get("team") or None
        cycle = selectors.team_report_cycle(user=request.user, cycle_id=pk)
        requests = selectors.team_report_requests(user=request.user, cycle_id=pk, team=team)
        paginator = Pagination()
        page = paginator.paginate_queryset(requests.values_list("id", flat=True), request)
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

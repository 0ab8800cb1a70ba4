"""Results and exports API: thin views over reports.services and reports.selectors."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_is_hr
from core.api import ERROR_RESPONSES, ErrorSerializer, Pagination
from reports import selectors, services
from reports.models import Export
from reports.serializers import (
    ExportCreateSerializer,
    ExportSerializer,
    TeamReportQuerySerializer,
    TeamReportSerializer,
)

WITH_CONFLICT = {**ERROR_RESPONSES, 409: ErrorSerializer}
CONTENT_TYPES = {
    Export.Kind.TEAM_XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Export.Kind.TEAM_CSV: "text/csv; charset=utf-8",
    Export.Kind.TEAM_PDF: "application/pdf",
    Export.Kind.INDIVIDUAL_PDF: "application/pdf",
    Export.Kind.BUNDLE_ZIP: "application/zip",
}


class RequestResultsView(APIView):
    @extend_schema(
        operation_id="requests_results",
        summary="The gap analysis of one feedback request",
        description="Contract section 4. HR reads once the cycle is closed; the subject and "
        "their managers (any level) once it is released; nobody while it is open (409). "
        "Besides the contract's fields: `strengths`, `to_develop` (item ids, by others' "
        "means), `disagreements` (items where others' sd >= 1.0) and a plain-words "
        "`profile` per behaviour. `groups.others.counted` is null only for a result "
        "released before it was recorded. See docs/gap-analysis.md.",
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
        listed = selectors.requests_listed(requests)
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


class ExportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Background exports (issue 6): start one, poll it, download its file."""

    serializer_class = ExportSerializer

    def get_queryset(self):
        return selectors.exports_visible_to(user=self.request.user)

    @extend_schema(responses={200: ExportSerializer(many=True), **ERROR_RESPONSES})
    def list(self, request, *args, **kwargs):
        """Your own exports still kept (HR: everyone's), newest first."""
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: ExportSerializer, **ERROR_RESPONSES})
    def retrieve(self, request, *args, **kwargs):
        """Poll an export: status and progress; ``download_url`` once done."""
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=ExportCreateSerializer,
        responses={202: ExportSerializer, **ERROR_RESPONSES, 409: ErrorSerializer},
        description="Starts a background export. HR: any closed or released cycle. "
        "Managers: only people in their line, once the cycle is released. Anything out "
        "of reach is 404 (for a manager also a draft or closed cycle); an open cycle is 409.",
    )
    def create(self, request, *args, **kwargs):
        serializer = ExportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        export = services.export_create(
            user=request.user,
            kind=data["kind"],
            cycle_id=data["cycle"],
            team=data.get("team"),
            request_id=data.get("request"),
        )
        export.refresh_from_db()
        return Response(self.get_serializer(export).data, status=status.HTTP_202_ACCEPTED)


class ExportDownloadView(APIView):
    @extend_schema(
        operation_id="exports_download",
        summary="The export's file",
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            **ERROR_RESPONSES,
            409: ErrorSerializer,
        },
    )
    def get(self, request, pk: int):
        export = get_object_or_404(selectors.exports_visible_to(user=request.user), pk=pk)
        try:
            handle = services.export_open(export=export, user=request.user)
        except FileNotFoundError as error:
            raise Http404 from error
        # FileResponse streams in blocks and encodes the name safely (RFC 6266 filename*).
        return FileResponse(
            handle,
            as_attachment=True,
            filename=export.download_name,
            content_type=CONTENT_TYPES.get(export.kind, "application/octet-stream"),
        )

"""Exports API: thin views over exports.services and exports.selectors."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ERROR_RESPONSES, ErrorSerializer
from exports import selectors, services
from exports.models import Export
from exports.serializers import ExportCreateSerializer, ExportSerializer

CONTENT_TYPES = {
    Export.Kind.TEAM_XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Export.Kind.TEAM_CSV: "text/csv; charset=utf-8",
    Export.Kind.TEAM_PDF: "application/pdf",
    Export.Kind.INDIVIDUAL_PDF: "application/pdf",
    Export.Kind.BUNDLE_ZIP: "application/zip",
}


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

"""Results API: thin views over reports.services and reports.selectors."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ERROR_RESPONSES, ErrorSerializer
from reports import selectors, services


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
            **ERROR_RESPONSES,
            409: ErrorSerializer,
        },
    )
    def get(self, request, pk: int):
        feedback_request = get_object_or_404(
            selectors.requests_with_results_visible_to(user=request.user), pk=pk
        )
        return Response(services.results_read(request=feedback_request, user=request.user))

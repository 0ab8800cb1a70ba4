"""Privacy API: thin views over privacy.services.

The paths sit among the resources they act on (``/people/{id}/export/``,
``/people/{id}/erase/``, ``/cycles/{id}/purge-answers/``, ``/me/export/``); the views live
here, at the top of the layers, so that accounts and feedback never import privacy.
Each looks its object up exactly as the people and cycles endpoints do: out of reach is
not found (404), so a refusal never confirms that an id exists.
"""

from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsHR
from accounts.selectors import people_visible_to, person_for_user, user_is_hr
from core.api import ERROR_RESPONSES, ErrorSerializer
from feedback.selectors import cycles_visible_to
from privacy import services
from privacy.serializers import (
    ExportRequestedSerializer,
    MyExportStatusSerializer,
    PurgeResultSerializer,
)

WITH_CONFLICT = {**ERROR_RESPONSES, 409: ErrorSerializer}


def _id_of(noun: str) -> list[OpenApiParameter]:
    # Described as the router describes the people and cycles endpoints' ids.
    return [
        OpenApiParameter(
            "id",
            int,
            OpenApiParameter.PATH,
            description=f"A unique integer value identifying this {noun}.",
        )
    ]


def _person_for_hr(request, pk: int):
    """The person, looked up among those the caller can see (404 otherwise), then HR only."""
    person = get_object_or_404(people_visible_to(user=request.user), pk=pk)
    if not user_is_hr(request.user):
        raise PermissionDenied(IsHR.message)
    return person


EXPORT_SCHEMA = extend_schema(
    parameters=_id_of("person"),
    request=None,
    responses={202: ExportRequestedSerializer, **WITH_CONFLICT},
    description="Email this person a personal link to everything the platform holds "
    "about them (profile, login, feedback about them with released results, surveys "
    "they were asked to answer with their own answers, actions they took). HR only. "
    "The answer is a statement, never the data: the file holds the person's answers "
    "about colleagues, so only the person can download it, through the link. GET is "
    "kept for clients of the former JSON download and does the same as POST.",
)


class PersonExportView(APIView):
    @EXPORT_SCHEMA
    def post(self, request, pk: int):
        link = services.person_export_request(
            person=_person_for_hr(request, pk), actor=request.user
        )
        return Response(
            {
                "detail": "The person was emailed a personal link to download their data, "
                "at the email address in the directory. HR does not receive the file.",
                "expires_at": link.expires_at,
            },
            status=status.HTTP_202_ACCEPTED,
        )

    @EXPORT_SCHEMA
    def get(self, request, pk: int):
        return self.post(request, pk)


class PersonEraseView(APIView):
    @extend_schema(
        parameters=_id_of("person"),
        request=None,
        responses={204: None, **WITH_CONFLICT},
        description="Erase everything about this person: feedback about them is deleted, "
        "their answers about others unlinked (their comments deleted), their login removed, "
        "their record kept as an anonymous shell. HR only; final.",
    )
    def post(self, request, pk: int):
        services.person_erase(person=_person_for_hr(request, pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyExportView(APIView):
    """The logged-in person's own data export, by emailed link."""

    @extend_schema(
        operation_id="me_export_status",
        responses={200: MyExportStatusSerializer, 204: None, **ERROR_RESPONSES},
        description="Your latest data export link still valid: when it was asked for, "
        "emailed, and until when it works (204 when there is none).",
    )
    def get(self, request):
        link = services.person_export_link_status(person=_own_person(request.user))
        if link is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(
            MyExportStatusSerializer(
                {
                    "requested_at": link.created_at,
                    "expires_at": link.expires_at,
                    "emailed_at": link.emailed_at,
                }
            ).data
        )

    @extend_schema(
        operation_id="me_export_request",
        request=None,
        responses={202: ExportRequestedSerializer, **WITH_CONFLICT},
        description="Email yourself a personal link to everything the platform holds about "
        "you. The link works `PERSON_EXPORT_LINK_DAYS` days; asking again replaces it.",
    )
    def post(self, request):
        link = services.person_export_request(person=_own_person(request.user), actor=request.user)
        return Response(
            {
                "detail": gettext("We emailed you a personal link to download your data."),
                "expires_at": link.expires_at,
            },
            status=status.HTTP_202_ACCEPTED,
        )


def _own_person(user):
    person = person_for_user(user)
    if person is None:
        raise NotFound(gettext("Your login is not linked to anyone in the directory."))
    return person


class CycleAnswersPurgeView(APIView):
    @extend_schema(
        parameters=_id_of("cycle"),
        request=None,
        responses={200: PurgeResultSerializer, **WITH_CONFLICT},
        description="Delete a released cycle's raw answers (ratings, comments, decline "
        "reasons) once ANSWER_RETENTION_DAYS have passed since release. Its figures are "
        "frozen first and stay readable. HR only.",
    )
    def post(self, request, pk: int):
        # Looked up among the cycles the caller can see: for anyone but HR, not found.
        cycle = get_object_or_404(cycles_visible_to(user=request.user), pk=pk)
        counts = services.cycle_answers_purge(cycle=cycle, actor=request.user)
        return Response(PurgeResultSerializer(counts).data)

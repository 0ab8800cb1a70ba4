"""People API: thin views over accounts.services and accounts.selectors."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accounts import selectors, services, throttle, two_factor
from accounts.filters import PersonFilter
from accounts.permissions import IsHR
from accounts.serializers import (
    ImportResultSerializer,
    ImportUploadSerializer,
    PersonSerializer,
)
from core.api import ERROR_RESPONSES, ErrorSerializer


class PersonViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """People in the directory. HR reads and writes everyone; a manager reads their line."""

    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.people_visible_to(user=self.request.user).order_by("name", "id")

    def get_permissions(self):
        # Editing one person is checked after the lookup: someone outside the caller's
        # reach is not found (404), so a refusal never confirms that they exist.
        if self.action in ("create", "update", "import_file"):
            return [IsHR()]
        return super().get_permissions()

    @staticmethod
    def _fields(data: dict) -> dict:
        fields = {k: data[k] for k in ("email", "name", "title", "manager") if k in data}
        if "team" in data:
            fields["team_name"] = data["team"]["name"]
        return fields

    @extend_schema(responses={201: PersonSerializer, **ERROR_RESPONSES, 409: ErrorSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        person = services.person_create(**self._fields(serializer.validated_data))
        return Response(self.get_serializer(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: PersonSerializer, **ERROR_RESPONSES, 409: ErrorSerializer})
    def partial_update(self, request, *args, **kwargs):
        person = self.get_object()
        if not selectors.user_is_hr(request.user):
            raise PermissionDenied(IsHR.message)
        serializer = self.get_serializer(person, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        person = services.person_update(person=person, **self._fields(serializer.validated_data))
        return Response(self.get_serializer(person).data)

    @extend_schema(responses={200: PersonSerializer(many=True), **ERROR_RESPONSES})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: PersonSerializer, **ERROR_RESPONSES})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={200: ImportResultSerializer, **ERROR_RESPONSES},
        description="Upsert people from a CSV file (header email,name,title,team,manager_email). "
        "All or nothing: any bad row rejects the file, with every error listed by line number.",
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_file(self, request):
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        result = services.people_import(file=upload.validated_data["file"], actor=request.user)
        return Response(ImportResultSerializer(result).data)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class SignInLocked(APIException):
    """Too many failed sign-ins for this account or from this client (django-axes)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked"

    def __init__(self, *, wait: int):
        super().__init__(throttle.lockout_message(wait))
        self.wait = wait  # DRF's handler sends it as Retry-After


class TokenRequestSerializer(AuthTokenSerializer):
    """Username and password, plus a second-factor code where the login needs one."""

    otp = serializers.CharField(
        required=False,
        write_only=True,
        max_length=16,
        help_text="A code from the authenticator app, or a recovery code: required for HR "
        "when HR_REQUIRE_2FA is on.",
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not two_factor.token_allowed(user=attrs["user"], code=attrs.get("otp", "")):
            raise PermissionDenied(two_factor.API_NEEDS_FACTOR)
        return attrs


class AuthTokenView(ObtainAuthToken):
    """DRF's token login, with its refusals documented in the schema."""

    serializer_class = TokenRequestSerializer

    # ObtainAuthToken names DRF's own JSON parser; the project's strict one refuses deep
    # nesting and the rest before anyone has logged in (issue 12).
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            429: ErrorSerializer,
        },
        description="Trade a username and password for an API token (`Authorization: Token "
        "<key>`). Wrong credentials answer 400. After too many failed sign-ins for one "
        "account or from one client (5 within 15 minutes by default) every sign-in for it, "
        "the right password included, answers 429 with `Retry-After` (seconds) until the "
        "failures are 15 minutes old. With HR_REQUIRE_2FA on, an HR login must also send "
        "`otp` (a code from its authenticator app or a recovery code); without a right one "
        "the answer is 403.",
    )
    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            # django-axes marks the request it refused (or has just locked) while DRF's
            # serializer called authenticate(); the wrong-credentials 400 becomes a 429.
            if getattr(request, "axes_locked_out", False):
                credentials = getattr(request, "axes_credentials", None)
                raise SignInLocked(
                    wait=throttle.lockout_seconds_left(request, credentials)
                ) from None
            raise

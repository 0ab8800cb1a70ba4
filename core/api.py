"""API plumbing shared by every app: the error shape and pagination."""

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import models
from django.http import Http404
from django.utils.translation import gettext
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError
from core.validation import MAX_ID, TextValidator, int_strict


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [msg for value in detail.values() for msg in _flatten(value)]
    if isinstance(detail, list):
        return [msg for value in detail for msg in _flatten(value)]
    return [str(detail)]


def _field_errors(detail) -> dict[str, list[str]]:
    """DRF's nested validation detail as {field: [messages]}; nested paths joined by dots."""
    if isinstance(detail, list):
        return {"non_field_errors": _flatten(detail)}
    errors: dict[str, list[str]] = {}
    for field, value in detail.items():
        if isinstance(value, dict):
            for sub, msgs in _field_errors(value).items():
                errors[f"{field}.{sub}"] = msgs
        else:
            errors[field] = _flatten(value)
    return errors


def exception_handler(exc, context):
    """Every error leaves the API as {"detail": str, "errors": {field: [str]}}."""
    if isinstance(exc, DomainError):
        # str(): a message may be lazy. Field names and the status stay as they are.
        errors = {field: [str(m) for m in msgs] for field, msgs in exc.errors.items()}
        return Response({"detail": str(exc.detail), "errors": errors}, status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        # Django refuses the body when DRF reads it; the answer stays in the API's shape
        # instead of Django's HTML 400 page.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
        exc = exceptions.ParseError(
            gettext("The request body is larger than %(limit)d KB.") % {"limit": limit}
        )
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent | BadRequest):
        exc = exceptions.ParseError(str(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        # DRF's own wording for a bad request: its catalogs translate it.
        invalid = gettext("Invalid input.")
        first = next(iter(errors.values()), [invalid])
        detail = first[0] if len(errors) == 1 and len(first) == 1 else invalid
        response.data = {"detail": detail, "errors": errors}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        response.data = {"detail": str(detail), "errors": {}}
    return response


class ErrorSerializer(serializers.Serializer):
    """The error shape, for the OpenAPI schema."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


ERROR_RESPONSES = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
}


# --- fields under the project's text and number rules (core.validation) -------------------


class TextField(serializers.CharField):
    """A CharField under the project's text rule: single-line unless ``multiline``."""

    def __init__(self, *, multiline: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(TextValidator(multiline=multiline))


class StrictEmailField(serializers.EmailField):
    """Django's email check accepts control characters in a quoted local part."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(TextValidator())


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer or a string of ASCII digits: DRF's own field reads 3.0 and "3.000"
    as 3, and its bounds default to none."""

    def to_internal_value(self, data):
        try:
            return int_strict(data, minimum=-MAX_ID)
        except ValueError:
            self.fail("invalid")


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id must be an integer: Django's lookup turns 3.5 into 3 and True into 1."""

    def to_internal_value(self, data):
        try:
            data = int_strict(data, minimum=1)
        except ValueError:
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


_INTEGER_FIELDS = (
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
)


class StrictModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose text, email, integer and id fields follow the project's
    rules; lengths come from the model columns as usual."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: TextField,
        models.EmailField: StrictEmailField,
        **dict.fromkeys(_INTEGER_FIELDS, StrictIntegerField),
    }
    serializer_related_field = StrictPrimaryKeyRelatedField

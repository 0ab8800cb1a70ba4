"""Shapes of the exports API: validating a request's shape (every rule lives in the
services) and an export as its owner polls it."""

from django.urls import reverse
from rest_framework import serializers

from core.api import StrictIntegerField, TextField
from exports.models import Export

# Ids are PostgreSQL bigints: a larger number is bad input (400), never a database error.
MAX_ID = 2**63 - 1


class ExportCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Export.Kind.choices)
    cycle = StrictIntegerField(min_value=1, max_value=MAX_ID)
    team = TextField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=120,
        help_text="Team name (case-insensitive) or id; team and bundle exports only.",
    )
    request = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="individual_pdf only.",
    )


class ExportSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()
    team = serializers.CharField(source="team.name", default=None, read_only=True)

    class Meta:
        model = Export
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "download_url",
            "cycle",
            "team",
            "request",
            "download_name",
            "size",
            "error",
            "created_at",
            "finished_at",
            "expires_at",
        ]
        read_only_fields = fields

    def get_download_url(self, export) -> str | None:
        if export.status != Export.Status.DONE:
            return None
        return reverse("export_download", args=[export.pk])

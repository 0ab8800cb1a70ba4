"""Shapes of the reports API: the team report (for the OpenAPI schema: the figures are
built by selectors) and exports (validating a request's shape: every rule lives in the
services)."""

from django.urls import reverse
from rest_framework import serializers

from core.api import StrictIntegerField, TextField
from reports.models import Export


class TeamReportQuerySerializer(serializers.Serializer):
    team = TextField(
        required=False,
        allow_blank=True,
        max_length=120,
        help_text="A team name (case-insensitive). Unknown names answer 400.",
    )


class PoleFigureSerializer(serializers.Serializer):
    score = serializers.FloatField(help_text="Others' pole score (1..5).")
    percentile = serializers.FloatField(
        allow_null=True, help_text="Share of the organisation's subjects at or below, in %."
    )


class SubjectBehaviourSerializer(serializers.Serializer):
    behaviour = serializers.CharField()
    leadership = PoleFigureSerializer(allow_null=True)
    management = PoleFigureSerializer(allow_null=True)


class SubjectBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    team = serializers.CharField()


class TeamReportSubjectSerializer(serializers.Serializer):
    request = serializers.IntegerField()
    subject = SubjectBriefSerializer()
    others_n = serializers.IntegerField(help_text="Submitted surveys of everyone but self.")
    others_counted = serializers.IntegerField(
        allow_null=True,
        help_text="People with at least one rating inside the others' scores "
        "(groups.others.counted); null for a result frozen before it was recorded.",
    )
    behaviours = SubjectBehaviourSerializer(many=True)


class TeamPoleSerializer(serializers.Serializer):
    mean = serializers.FloatField()
    subjects = serializers.IntegerField(help_text="Subjects with a score for this pole.")


class TeamBehaviourSerializer(serializers.Serializer):
    behaviour = serializers.CharField()
    leadership = TeamPoleSerializer(allow_null=True)
    management = TeamPoleSerializer(allow_null=True)


class TeamFiguresSerializer(serializers.Serializer):
    subjects = serializers.IntegerField()
    behaviours = TeamBehaviourSerializer(many=True)


class RateSerializer(serializers.Serializer):
    invited = serializers.IntegerField()
    submitted = serializers.IntegerField()
    declined = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="submitted / invited, in %.")


class RelationshipRatesSerializer(serializers.Serializer):
    self = RateSerializer()
    boss = RateSerializer()
    peer = RateSerializer()
    direct_report = RateSerializer()
    other = RateSerializer()


class ResponseRatesSerializer(serializers.Serializer):
    relationships = RelationshipRatesSerializer()
    total = RateSerializer()


class CycleBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()


class TeamReportSerializer(serializers.Serializer):
    cycle = CycleBriefSerializer()
    team = serializers.CharField(allow_null=True)
    team_figures = TeamFiguresSerializer()
    response_rates = ResponseRatesSerializer()
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TeamReportSubjectSerializer(many=True)


# --- exports ---------------------------------------------------------------------

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

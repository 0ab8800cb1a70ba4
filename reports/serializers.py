"""Shapes of the reports API: the team report (for the OpenAPI schema: the figures are
built by selectors)."""

from rest_framework import serializers

from core.api import TextField


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

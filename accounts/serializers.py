from rest_framework import serializers

from accounts.models import Person, Team
from core.api import StrictModelSerializer, StrictPrimaryKeyRelatedField, TextField


class PersonSerializer(StrictModelSerializer):
    team = TextField(
        source="team.name",
        allow_blank=True,
        required=False,
        default="",
        max_length=Team._meta.get_field("name").max_length,
    )
    manager = StrictPrimaryKeyRelatedField(
        queryset=Person.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Person
        fields = ["id", "email", "name", "title", "team", "manager"]
        # Uniqueness is the service's rule (case-insensitive, 409): keep DRF's check out of it.
        extra_kwargs = {"email": {"validators": []}, "title": {"required": False}}


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rows = serializers.IntegerField()

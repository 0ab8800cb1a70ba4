from rest_framework import serializers


class ExportRequestedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    expires_at = serializers.DateTimeField()


class MyExportStatusSerializer(serializers.Serializer):
    requested_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    emailed_at = serializers.DateTimeField(allow_null=True)


class PurgeResultSerializer(serializers.Serializer):
    ratings = serializers.IntegerField()
    comments = serializers.IntegerField()

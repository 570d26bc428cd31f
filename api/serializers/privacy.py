"""People's copies of their data through the API."""

from rest_framework import serializers

from privacy.models import DataExport


class DataExportOutput(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = DataExport
        fields = [
            "id",
            "status",
            "status_label",
            "requested_at",
            "prepared_at",
            "expires_at",
            "downloaded_at",
            "size_bytes",
            "sha256",
        ]
        read_only_fields = fields

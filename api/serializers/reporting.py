"""Year-end reporting: what is due, who is missing data, and the files."""

from django.utils import timezone
from rest_framework import serializers

from reporting.models import YEAR_MAX, YEAR_MIN, ReportFile

from .model_fields import max_length


class TaxReportingQuery(serializers.Serializer):
    year = serializers.IntegerField(min_value=YEAR_MIN, max_value=YEAR_MAX, required=False)

    def validate_year(self, value: int) -> int:
        if value > timezone.now().year:
            raise serializers.ValidationError("That year has not begun.")
        return value


class DueOutput(serializers.Serializer):
    form = serializers.CharField()
    jurisdiction = serializers.CharField()
    due_on = serializers.DateField()
    reportable = serializers.IntegerField()
    reported = serializers.IntegerField()
    missing = serializers.IntegerField()


class MissingOutput(serializers.Serializer):
    contributor_id = serializers.IntegerField()
    name = serializers.CharField()
    form = serializers.CharField()
    jurisdiction = serializers.CharField()
    why = serializers.CharField()


class ReportFileOutput(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportFile
        fields = [
            "id",
            "kind",
            "year",
            "jurisdiction",
            "message_type",
            "message_ref_id",
            "filename",
            "size_bytes",
            "sha256",
            "records_count",
            "status",
            "created_at",
            "filed_at",
            "filing_reference",
            "download_url",
        ]

    def get_download_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("ops-tax-report-file", args=[obj.pk])


class TaxReportingOutput(serializers.Serializer):
    year = serializers.IntegerField()
    threshold_minor = serializers.IntegerField(help_text="The 1099-NEC threshold in US cents for payments that year.")
    dues = DueOutput(many=True)
    missing = MissingOutput(many=True)
    files = ReportFileOutput(many=True)


class ReportFileFiledInput(serializers.Serializer):
    reference = serializers.CharField(max_length=max_length(ReportFile, "filing_reference"))

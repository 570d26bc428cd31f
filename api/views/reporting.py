"""Year-end reporting for operations: what is due, who is missing a form or TIN, the files."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from reporting.models import ReportFile
from reporting.overview import reporting_overview
from reporting.services.files import report_file_mark_filed

from ..idempotency import idempotent
from ..permissions import IsOps, IsOpsFinance
from ..serializers import reporting as s


class TaxReportingView(APIView):
    """The year's 1099-NEC and DAC7 obligations, the experts missing data, and the files generated."""

    permission_classes = [IsOps]

    @extend_schema(parameters=[s.TaxReportingQuery], responses=s.TaxReportingOutput, tags=["reporting"])
    def get(self, request):
        query = s.TaxReportingQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        now = timezone.now()
        year = query.validated_data.get("year") or now.year - (1 if now.month < 7 else 0)
        return Response(s.TaxReportingOutput(reporting_overview(year=year)).data)


class ReportFileFiledView(APIView):
    """Record that the authority accepted a file, with its receipt or submission id."""

    permission_classes = [IsOpsFinance]

    @extend_schema(request=s.ReportFileFiledInput, responses=s.ReportFileOutput, tags=["reporting"])
    @idempotent
    def post(self, request, pk: int):
        data = s.ReportFileFiledInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = get_object_or_404(ReportFile.objects.defer("content"), pk=pk)
        report = report_file_mark_filed(report=report, actor=request.user, reference=data.validated_data["reference"])
        return Response(s.ReportFileOutput(report).data)

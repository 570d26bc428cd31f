"""Pay runs for operations finance, and statements for experts."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from payouts.ledger import revenue as reports
from payouts.models import PayRun, PayRunStatus
from payouts.payruns import compliance
from payouts.payruns.selectors import pay_statements_of_expert
from payouts.payruns.services import pay_run_approve, pay_run_start

from ..idempotency import idempotent
from ..permissions import IsExpert, IsOps, IsOpsFinance
from ..serializers import pay as s


def _runs():
    return PayRun.objects.select_related("period", "prepared_by", "approved_by")


class PayRunListView(ListAPIView):
    permission_classes = [IsOps]
    serializer_class = s.PayRunOutput

    def get_queryset(self):
        return _runs().order_by("-started_at")

    @extend_schema(request=s.PayRunStartInput, responses={201: s.PayRunOutput}, tags=["pay"])
    @idempotent
    def post(self, request):
        if not IsOpsFinance().has_permission(request, self):
            self.permission_denied(request, message=IsOpsFinance.message)
        data = s.PayRunStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        run = pay_run_start(actor=request.user, period_start=data.validated_data["period_start"])
        return Response(s.PayRunOutput(_runs().get(pk=run.pk)).data, status=status.HTTP_201_CREATED)


class PayRunDetailView(APIView):
    permission_classes = [IsOps]

    @extend_schema(responses=s.PayRunOutput, tags=["pay"])
    def get(self, request, pk: int):
        return Response(s.PayRunOutput(get_object_or_404(_runs(), pk=pk)).data)


class PayRunApproveView(APIView):
    permission_classes = [IsOpsFinance]

    @extend_schema(request=None, responses=s.PayRunOutput, tags=["pay"])
    @idempotent
    def post(self, request, pk: int):
        run = pay_run_approve(actor=request.user, run=get_object_or_404(PayRun, pk=pk))
        return Response(s.PayRunOutput(_runs().get(pk=run.pk)).data)


class PayRunComplianceView(APIView):
    """Every expert's hours, pay, effective hourly, floor and top-up; `?output=csv` or `?output=svg`."""

    permission_classes = [IsOps]

    @extend_schema(
        responses={200: OpenApiResponse(description="JSON summary; CSV with ?output=csv; SVG chart with ?output=svg")},
        tags=["pay"],
    )
    def get(self, request, pk: int):
        run = get_object_or_404(PayRun, pk=pk)
        if run.status not in (PayRunStatus.DRAFT, PayRunStatus.APPROVED):
            raise Http404
        if request.query_params.get("output") == "csv":
            response = HttpResponse(compliance.compliance_csv(run_id=run.pk), content_type="text/csv")
            response["Content-Disposition"] = f'attachment; filename="pay-run-{run.pk}-compliance.csv"'
            return response
        if request.query_params.get("output") == "svg":
            svg = compliance.histogram_svg(compliance.compliance_summary(run_id=run.pk))
            return HttpResponse(svg, content_type="image/svg+xml")
        return Response(compliance.compliance_summary(run_id=run.pk))


class RevenueReportView(APIView):
    """Gross marketplace volume, expert earnings and net revenue by pay week, from the ledger."""

    permission_classes = [IsOps]

    @extend_schema(
        parameters=[s.RevenueReportQuery],
        responses={
            (200, "application/json"): s.RevenueReportOutput,
            (200, "text/csv"): OpenApiResponse(response=OpenApiTypes.STR, description="The weeks, with ?output=csv"),
        },
        tags=["pay"],
    )
    def get(self, request):
        query = s.RevenueReportQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        since, until = query.validated_data["since"], query.validated_data["until"]
        if query.validated_data.get("output") == "csv":
            response = HttpResponse(reports.revenue_csv(since=since, until=until), content_type="text/csv")
            response["Content-Disposition"] = f'attachment; filename="revenue-{since}-{until}.csv"'
            return response
        return Response(reports.revenue_report(since=since, until=until))


class MyStatementListView(APIView):
    """The expert's own statements, line by line, with the floor check shown."""

    permission_classes = [IsExpert]

    @extend_schema(responses=s.PayStatementOutput(many=True), tags=["pay"])
    def get(self, request):
        statements = pay_statements_of_expert(user=request.user).prefetch_related("lines")
        return Response(s.PayStatementOutput(statements[:200], many=True).data)

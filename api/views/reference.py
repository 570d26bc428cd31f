"""Reference data through the API: operations read minimum wages and FX rates, finance propose and decide changes."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ApplicationError
from payouts.models import FxRate, MinimumWage
from payouts.reference import selectors
from payouts.reference import services as reference

from ..idempotency import idempotent
from ..permissions import IsOps, IsOpsFinance
from ..serializers import reference as s

TAGS = ["reference data"]


def _finance_only(view, request) -> None:
    if not IsOpsFinance().has_permission(request, view):
        view.permission_denied(request, message=IsOpsFinance.message)


def _created(change) -> Response:
    return Response(s.ReferenceChangeOutput(change).data, status=status.HTTP_201_CREATED)


class MinimumWageListView(APIView):
    """Minimum wages in force today for each place and every one known for a later day; finance propose a new one."""

    permission_classes = [IsOps]

    @extend_schema(responses=s.MinimumWageOutput(many=True), tags=TAGS)
    def get(self, request):
        rows = selectors.minimum_wages_current_and_upcoming(on=timezone.now().date())
        return Response(s.MinimumWageOutput(rows, many=True).data)

    @extend_schema(request=s.MinimumWageProposalInput, responses={201: s.ReferenceChangeOutput}, tags=TAGS)
    @idempotent
    def post(self, request):
        _finance_only(self, request)
        data = s.MinimumWageProposalInput(data=request.data)
        data.is_valid(raise_exception=True)
        return _created(reference.reference_change_propose_minimum_wage(actor=request.user, **data.validated_data))


class MinimumWageCorrectView(APIView):
    """Propose to retire a minimum wage row and add the right figures for its place, in one change."""

    permission_classes = [IsOpsFinance]

    @extend_schema(request=s.MinimumWageCorrectionInput, responses={201: s.ReferenceChangeOutput}, tags=TAGS)
    @idempotent
    def post(self, request, pk: int):
        row = get_object_or_404(MinimumWage, pk=pk)
        data = s.MinimumWageCorrectionInput(data=request.data)
        data.is_valid(raise_exception=True)
        return _created(
            reference.reference_change_propose_minimum_wage_correction(
                actor=request.user, minimum_wage=row, **data.validated_data
            )
        )


class MinimumWageRetireView(APIView):
    """Propose to retire a minimum wage row, saying why."""

    permission_classes = [IsOpsFinance]

    @extend_schema(request=s.RetirementInput, responses={201: s.ReferenceChangeOutput}, tags=TAGS)
    @idempotent
    def post(self, request, pk: int):
        row = get_object_or_404(MinimumWage, pk=pk)
        data = s.RetirementInput(data=request.data)
        data.is_valid(raise_exception=True)
        return _created(
            reference.reference_change_propose_minimum_wage_retirement(
                actor=request.user, minimum_wage=row, **data.validated_data
            )
        )


class FxRateListView(APIView):
    """FX rates in force today for each pair and every one known for a later day; finance propose one set by hand."""

    permission_classes = [IsOps]

    @extend_schema(responses=s.FxRateOutput(many=True), tags=TAGS)
    def get(self, request):
        rows = selectors.fx_rates_current_and_upcoming(on=timezone.now().date())
        return Response(s.FxRateOutput(rows, many=True).data)

    @extend_schema(request=s.FxRateProposalInput, responses={201: s.ReferenceChangeOutput}, tags=TAGS)
    @idempotent
    def post(self, request):
        _finance_only(self, request)
        data = s.FxRateProposalInput(data=request.data)
        data.is_valid(raise_exception=True)
        return _created(reference.reference_change_propose_fx_rate(actor=request.user, **data.validated_data))


class FxRateRetireView(APIView):
    """Propose to retire an FX rate row, saying why."""

    permission_classes = [IsOpsFinance]

    @extend_schema(request=s.RetirementInput, responses={201: s.ReferenceChangeOutput}, tags=TAGS)
    @idempotent
    def post(self, request, pk: int):
        row = get_object_or_404(FxRate, pk=pk)
        data = s.RetirementInput(data=request.data)
        data.is_valid(raise_exception=True)
        return _created(
            reference.reference_change_propose_fx_rate_retirement(
                actor=request.user, fx_rate=row, **data.validated_data
            )
        )


class UpcomingMinimumWageListView(APIView):
    """The calendar: minimum wages known to take effect after today, soonest first."""

    permission_classes = [IsOps]

    @extend_schema(responses=s.MinimumWageOutput(many=True), tags=TAGS)
    def get(self, request):
        rows = selectors.minimum_wages_upcoming(after=timezone.now().date())
        return Response(s.MinimumWageOutput(rows, many=True).data)


class ReferenceChangeListView(ListAPIView):
    """Changes proposed to the reference data, newest first (``?status=pending`` for those waiting)."""

    permission_classes = [IsOps]
    serializer_class = s.ReferenceChangeOutput

    @extend_schema(parameters=[OpenApiParameter("status", enum=s.REFERENCE_CHANGE_STATUSES, required=False)], tags=TAGS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        wanted = self.request.query_params.get("status", "")
        if wanted and wanted not in s.REFERENCE_CHANGE_STATUSES:
            raise ApplicationError(
                f"Unknown status '{wanted}'.", code="invalid", fields={"status": ["Unknown status."]}
            )
        return selectors.reference_changes(status=wanted)


class ReferenceChangeDetailView(APIView):
    permission_classes = [IsOps]

    @extend_schema(responses=s.ReferenceChangeOutput, tags=TAGS)
    def get(self, request, pk: int):
        return Response(s.ReferenceChangeOutput(get_object_or_404(selectors.reference_changes(), pk=pk)).data)


class ReferenceChangeApproveView(APIView):
    """Four eyes: someone other than the proposer approves, and the rows are written now."""

    permission_classes = [IsOpsFinance]

    @extend_schema(request=s.DecisionInput, responses=s.ReferenceChangeOutput, tags=TAGS)
    @idempotent
    def post(self, request, pk: int):
        change = get_object_or_404(selectors.reference_changes(), pk=pk)
        data = s.DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        change = reference.reference_change_approve(actor=request.user, change=change, **data.validated_data)
        return Response(s.ReferenceChangeOutput(selectors.reference_changes().get(pk=change.pk)).data)


class ReferenceChangeRejectView(APIView):
    """Four eyes: someone other than the proposer rejects, saying why; nothing is written."""

    permission_classes = [IsOpsFinance]

    @extend_schema(request=s.RejectionInput, responses=s.ReferenceChangeOutput, tags=TAGS)
    @idempotent
    def post(self, request, pk: int):
        change = get_object_or_404(selectors.reference_changes(), pk=pk)
        data = s.RejectionInput(data=request.data)
        data.is_valid(raise_exception=True)
        change = reference.reference_change_reject(actor=request.user, change=change, **data.validated_data)
        return Response(s.ReferenceChangeOutput(selectors.reference_changes().get(pk=change.pk)).data)


class ReferenceChangeWithdrawView(APIView):
    """The proposer takes back a change nobody has decided."""

    permission_classes = [IsOpsFinance]

    @extend_schema(request=None, responses=s.ReferenceChangeOutput, tags=TAGS)
    @idempotent
    def post(self, request, pk: int):
        change = get_object_or_404(selectors.reference_changes(), pk=pk)
        change = reference.reference_change_withdraw(actor=request.user, change=change)
        return Response(s.ReferenceChangeOutput(selectors.reference_changes().get(pk=change.pk)).data)

"""Payouts: an expert's payout account and payouts; operations finance's batches, holds and retries."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ApplicationError
from contributors.models import Contributor
from contributors.selectors import contributor_for_user
from payouts.models import Payout, PayoutHold, PayoutStatus, PayRun
from payouts.transfers.accounts import payout_account_onboarding_link
from payouts.transfers.batches import payout_batch_approve, payout_batch_create
from payouts.transfers.holds import payout_hold_place, payout_hold_release
from payouts.transfers.selectors import (
    payout_account_of_expert,
    payout_batch_payouts,
    payout_batches,
    payout_holds,
    payouts_of_expert,
)
from payouts.transfers.sending import payout_retry

from ..idempotency import idempotent
from ..permissions import IsExpert, IsOps, IsOpsFinance
from ..serializers import payouts as s


def _own_profile(request) -> Contributor:
    contributor = contributor_for_user(user=request.user)
    if contributor is None:
        raise ApplicationError("Fill in your profile first.", code="profile_missing")
    return contributor


class PayoutAccountView(APIView):
    """The expert's payout account: its status and what Stripe still needs, in plain words."""

    permission_classes = [IsExpert]

    @extend_schema(responses=s.PayoutAccountOutput, tags=["payouts"])
    def get(self, request):
        return Response(s.PayoutAccountOutput(payout_account_of_expert(user=request.user)).data)


class OnboardingLinkView(APIView):
    """Create the expert's Stripe Express account if needed, and a single-use link to set it up."""

    permission_classes = [IsExpert]

    @extend_schema(request=None, responses={201: s.OnboardingLinkOutput}, tags=["payouts"])
    @idempotent
    def post(self, request):
        back = request.build_absolute_uri(reverse("expert-pay"))
        link = payout_account_onboarding_link(
            actor=request.user,
            contributor=_own_profile(request),
            return_url=settings.PAYOUT_ONBOARDING_RETURN_URL or back,
            refresh_url=settings.PAYOUT_ONBOARDING_REFRESH_URL or back,
        )
        account = payout_account_of_expert(user=request.user)
        body = {"url": link.url, "expires_at": link.expires_at, "account": s.PayoutAccountOutput(account).data}
        return Response(s.OnboardingLinkOutput(body).data, status=status.HTTP_201_CREATED)


class MyPayoutListView(ListAPIView):
    """The expert's payouts, newest first: status, why one is held or failed, and the week behind it."""

    permission_classes = [IsExpert]
    serializer_class = s.PayoutOutput

    def get_queryset(self):
        return payouts_of_expert(user=self.request.user)


class PayoutBatchListView(ListAPIView):
    permission_classes = [IsOps]
    serializer_class = s.PayoutBatchOutput

    def get_queryset(self):
        return payout_batches()

    @extend_schema(request=s.PayoutBatchInput, responses={201: s.PayoutBatchOutput}, tags=["payouts"])
    @idempotent
    def post(self, request):
        if not IsOpsFinance().has_permission(request, self):
            self.permission_denied(request, message=IsOpsFinance.message)
        data = s.PayoutBatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        run = PayRun.objects.filter(pk=data.validated_data["pay_run"]).first()
        if run is None:
            raise ApplicationError("No such pay run.", code="invalid", fields={"pay_run": ["No such pay run."]})
        batch = payout_batch_create(actor=request.user, run=run)
        return Response(
            s.PayoutBatchOutput(payout_batches().get(pk=batch.pk)).data, status=status.HTTP_201_CREATED
        )


class PayoutBatchDetailView(APIView):
    permission_classes = [IsOps]

    @extend_schema(responses=s.PayoutBatchOutput, tags=["payouts"])
    def get(self, request, pk: int):
        return Response(s.PayoutBatchOutput(get_object_or_404(payout_batches(), pk=pk)).data)


class PayoutBatchApproveView(APIView):
    permission_classes = [IsOpsFinance]

    @extend_schema(request=None, responses=s.PayoutBatchOutput, tags=["payouts"])
    @idempotent
    def post(self, request, pk: int):
        batch = payout_batch_approve(
            actor=request.user, batch=get_object_or_404(payout_batches(), pk=pk)
        )
        return Response(s.PayoutBatchOutput(payout_batches().get(pk=batch.pk)).data)


class PayoutBatchPayoutListView(ListAPIView):
    """A batch's payouts, by status if asked (``?status=held`` lists what is carried forward and why)."""

    permission_classes = [IsOps]
    serializer_class = s.OpsPayoutOutput

    @extend_schema(parameters=[OpenApiParameter("status", enum=PayoutStatus.values, required=False)], tags=["payouts"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        wanted = self.request.query_params.get("status", "")
        if wanted and wanted not in PayoutStatus.values:
            raise ApplicationError(
                f"Unknown status '{wanted}'.", code="invalid", fields={"status": ["Unknown status."]}
            )
        batch = get_object_or_404(payout_batches(), pk=self.kwargs["pk"])
        return payout_batch_payouts(batch=batch, status=wanted)


class PayoutHoldListView(ListAPIView):
    """Holds in force (``?all=1`` for released ones too); operations finance place them."""

    permission_classes = [IsOps]
    serializer_class = s.PayoutHoldOutput

    def get_queryset(self):
        return payout_holds(active_only=self.request.query_params.get("all") != "1")

    @extend_schema(request=s.PayoutHoldInput, responses={201: s.PayoutHoldOutput}, tags=["payouts"])
    @idempotent
    def post(self, request):
        if not IsOpsFinance().has_permission(request, self):
            self.permission_denied(request, message=IsOpsFinance.message)
        data = s.PayoutHoldInput(data=request.data)
        data.is_valid(raise_exception=True)
        contributor = Contributor.objects.filter(pk=data.validated_data["contributor"]).first()
        if contributor is None:
            raise ApplicationError("No such expert.", code="invalid", fields={"contributor": ["No such expert."]})
        hold = payout_hold_place(
            actor=request.user,
            contributor=contributor,
            reason=data.validated_data["reason"],
            review_by=data.validated_data["review_by"],
        )
        return Response(s.PayoutHoldOutput(hold).data, status=status.HTTP_201_CREATED)


class PayoutHoldReleaseView(APIView):
    permission_classes = [IsOpsFinance]

    @extend_schema(request=s.PayoutHoldReleaseInput, responses=s.PayoutHoldOutput, tags=["payouts"])
    @idempotent
    def post(self, request, pk: int):
        data = s.PayoutHoldReleaseInput(data=request.data)
        data.is_valid(raise_exception=True)
        hold = payout_hold_release(
            actor=request.user, hold=get_object_or_404(PayoutHold, pk=pk), note=data.validated_data["note"]
        )
        return Response(s.PayoutHoldOutput(payout_holds(active_only=False).get(pk=hold.pk)).data)


class PayoutRetryView(APIView):
    """Pay a failed payout, or what a reversal took back, again: a new payout, sent with the next batch."""

    permission_classes = [IsOpsFinance]

    @extend_schema(request=None, responses={201: s.OpsPayoutOutput}, tags=["payouts"])
    @idempotent
    def post(self, request, pk: int):
        retry = payout_retry(actor=request.user, payout=get_object_or_404(Payout, pk=pk))
        retry = Payout.objects.select_related("contributor", "statement__run__period").get(pk=retry.pk)
        return Response(s.OpsPayoutOutput(retry).data, status=status.HTTP_201_CREATED)

"""Identity verification (Stripe Identity) and the account cases operations decide."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ApplicationError
from contributors.models import Contributor
from contributors.selectors import contributor_for_user
from identity import selectors
from identity.models import AccountReviewCase
from identity.services import account_case_answer, account_case_decide, identity_verification_start

from ..idempotency import idempotent
from ..permissions import IsExpert, IsOps, IsOpsReviewer
from ..serializers import identity as s


def _own_profile(request) -> Contributor:
    contributor = contributor_for_user(user=request.user)
    if contributor is None:
        raise ApplicationError("Fill in your profile first.", code="profile_missing")
    return contributor


class MyIdentityView(APIView):
    """The expert's identity verification, in words, and the cases about their account."""

    permission_classes = [IsExpert]

    @extend_schema(responses=s.IdentityOutput, tags=["identity"])
    def get(self, request):
        contributor = _own_profile(request)
        summary = selectors.identity_summary(contributor_id=contributor.pk)
        data = {**summary.__dict__, "cases": selectors.account_cases_of(contributor=contributor)}
        return Response(s.IdentityOutput(data).data)


class VerificationStartView(APIView):
    """Start (or resume) a verification: Stripe's page for a document and a selfie."""

    permission_classes = [IsExpert]

    @extend_schema(request=None, responses={201: s.VerificationStartOutput}, tags=["identity"])
    @idempotent
    def post(self, request):
        back = settings.IDENTITY_RETURN_URL or request.build_absolute_uri(reverse("expert-identity"))
        verification = identity_verification_start(
            actor=request.user, contributor=_own_profile(request), return_url=back
        )
        return Response(
            s.VerificationStartOutput({"url": verification.url, "status": verification.status}).data,
            status=status.HTTP_201_CREATED,
        )


class MyAccountCaseAnswerView(APIView):
    """The expert answers a case about their account."""

    permission_classes = [IsExpert]

    @extend_schema(request=s.AccountCaseAnswerInput, responses={201: s.AccountCaseAnswerOutput}, tags=["identity"])
    @idempotent
    def post(self, request, pk: int):
        found = selectors.account_case_of_expert(user=request.user, pk=pk)
        if found is None:
            raise Http404
        data = s.AccountCaseAnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        answer = account_case_answer(actor=request.user, case=found[0], text=data.validated_data["text"])
        return Response(s.AccountCaseAnswerOutput(answer).data, status=status.HTTP_201_CREATED)


class AccountCaseListView(ListAPIView):
    """Open account cases (a name to compare, a possible duplicate), oldest first."""

    permission_classes = [IsOps]
    serializer_class = s.AccountCaseOutput

    def get_queryset(self):
        return selectors.account_cases_open_queryset()

    @extend_schema(tags=["operations"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AccountCaseDecisionView(APIView):
    """An operations reviewer decides a case, with reasons the expert reads."""

    permission_classes = [IsOpsReviewer]

    @extend_schema(request=s.AccountCaseDecisionInput, responses=s.AccountCaseOutput, tags=["operations"])
    @idempotent
    def post(self, request, pk: int):
        data = s.AccountCaseDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = account_case_decide(
            actor=request.user,
            case=get_object_or_404(AccountReviewCase, pk=pk),
            outcome=data.validated_data["outcome"],
            reason=data.validated_data["reason"],
            kept_contributor_id=data.validated_data.get("kept_contributor"),
        )
        return Response(s.AccountCaseOutput(case).data)

"""Sanctions screening: operations' review queue and four-eyes decisions; what an expert sees."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from screening import selectors
from screening.models import ScreeningReview
from screening.services import screening_review_propose, screening_review_second

from ..idempotency import idempotent
from ..permissions import IsExpert, IsOps, IsOpsReviewer
from ..serializers import screening as s


def _review(pk: int) -> ScreeningReview:
    try:
        return selectors.screening_review_get(review_id=pk)
    except ScreeningReview.DoesNotExist:
        raise Http404 from None


class ScreeningReviewListView(APIView):
    """Open reviews of possible sanctions matches, oldest first."""

    permission_classes = [IsOps]

    @extend_schema(responses=s.ScreeningReviewOutput(many=True), tags=["operations"])
    def get(self, request):
        return Response(s.ScreeningReviewOutput(selectors.screening_reviews_open(), many=True).data)


class ScreeningReviewDetailView(APIView):
    permission_classes = [IsOps]

    @extend_schema(responses=s.ScreeningReviewDetailOutput, tags=["operations"])
    def get(self, request, pk: int):
        return Response(s.ScreeningReviewDetailOutput(_review(pk)).data)


class ScreeningReviewProposeView(APIView):
    permission_classes = [IsOpsReviewer]

    @extend_schema(request=s.ScreeningProposeInput, responses=s.ScreeningReviewOutput, tags=["operations"])
    @idempotent
    def post(self, request, pk: int):
        data = s.ScreeningProposeInput(data=request.data)
        data.is_valid(raise_exception=True)
        review = screening_review_propose(actor=request.user, review=_review(pk), **data.validated_data)
        return Response(s.ScreeningReviewOutput(review).data)


class ScreeningReviewSecondView(APIView):
    permission_classes = [IsOpsReviewer]

    @extend_schema(request=s.ScreeningSecondInput, responses=s.ScreeningReviewOutput, tags=["operations"])
    @idempotent
    def post(self, request, pk: int):
        data = s.ScreeningSecondInput(data=request.data)
        data.is_valid(raise_exception=True)
        review = screening_review_second(actor=request.user, review=_review(pk), **data.validated_data)
        return Response(s.ScreeningReviewOutput(review).data)


class MyScreeningView(APIView):
    """Whether a sanctions check holds the expert's pay; never which list or entry."""

    permission_classes = [IsExpert]

    @extend_schema(responses=s.MyScreeningOutput, tags=["experts"])
    def get(self, request):
        contributor = getattr(request.user, "contributor", None)
        message = selectors.expert_screening_notice(contributor_id=contributor.pk) if contributor else None
        return Response(s.MyScreeningOutput({"check_under_way": message is not None, "message": message}).data)

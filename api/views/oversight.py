"""The automated systems, a person's review requests, and operations' queue and decisions."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from oversight import selectors, services
from oversight.systems import NOT_PROCESSED, REVIEW_DAYS, SYSTEMS

from ..idempotency import idempotent
from ..permissions import IsExpertOrLabMember, IsOps, IsOpsReviewer
from ..serializers import oversight as s

LIST_MAX = 500


class SystemListView(APIView):
    """Every automated system in the product; public."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses=s.SystemsOutput, tags=["oversight"])
    def get(self, request):
        return Response(
            s.SystemsOutput({"not_processed": NOT_PROCESSED, "review_days": REVIEW_DAYS, "systems": SYSTEMS}).data
        )


class MyReviewRequestListView(APIView):
    """Ask a person to review an automated decision about you; list your requests."""

    permission_classes = [IsExpertOrLabMember]

    @extend_schema(responses=s.ReviewRequestOutput(many=True), tags=["oversight"])
    def get(self, request):
        rows = selectors.review_requests_of(user=request.user)[:LIST_MAX]
        return Response(s.ReviewRequestOutput(rows, many=True).data)

    @extend_schema(request=s.ReviewRequestInput, responses={201: s.ReviewRequestOutput}, tags=["oversight"])
    @idempotent
    def post(self, request):
        data = s.ReviewRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_request_open(actor=request.user, **data.validated_data)
        return Response(s.ReviewRequestOutput(review).data, status=status.HTTP_201_CREATED)


class MyReviewRequestView(APIView):
    permission_classes = [IsExpertOrLabMember]

    @extend_schema(responses=s.ReviewRequestOutput, tags=["oversight"])
    def get(self, request, pk: int):
        review = selectors.review_request_of(user=request.user, pk=pk)
        if review is None:
            raise Http404
        return Response(s.ReviewRequestOutput(review).data)


def _ops_rows(requests) -> list[dict]:
    rows = []
    for row in selectors.queue_rows(requests):
        review = row.request
        review.overdue = row.overdue
        review.age_days = row.age.days
        rows.append(review)
    return rows


class OpsReviewRequestListView(APIView):
    """The queue, oldest first, with each request's age and whether it is overdue; `?all=1` adds decided ones."""

    permission_classes = [IsOps]

    @extend_schema(
        parameters=[OpenApiParameter("all", int, enum=[0, 1])],
        responses=s.OpsReviewRequestOutput(many=True),
        tags=["oversight"],
    )
    def get(self, request):
        rows = selectors.review_queue(include_decided=request.query_params.get("all") == "1")[:LIST_MAX]
        return Response(s.OpsReviewRequestOutput(_ops_rows(rows), many=True).data)


class OpsReviewRequestDecisionView(APIView):
    """Uphold, overturn or partly change, with reasons; never by whoever configured the decision."""

    permission_classes = [IsOpsReviewer]

    @extend_schema(request=s.ReviewDecisionInput, responses=s.OpsReviewRequestOutput, tags=["oversight"])
    @idempotent
    def post(self, request, pk: int):
        review = selectors.review_request_get(pk=pk)
        if review is None:
            raise Http404
        data = s.ReviewDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_request_decide(
            actor=request.user,
            request=review,
            outcome=data.validated_data["outcome"],
            reason=data.validated_data["reason"],
            corrected_score=data.validated_data.get("corrected_score"),
        )
        return Response(s.OpsReviewRequestOutput(_ops_rows([review])[0]).data)

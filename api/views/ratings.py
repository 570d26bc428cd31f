"""Experts rate labs; labs read their aggregate and answer it; operations list labs by rating."""

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace import permissions
from marketplace.selectors import lab_for_member, lab_role_of
from ratings import selectors, services

from ..idempotency import idempotent
from ..permissions import IsExpert, IsLabMember, IsOps
from ..serializers import ratings as s

LIST_MAX = 500


class MyDueRatingListView(APIView):
    """The labs you may rate now, one row per engagement."""

    permission_classes = [IsExpert]

    @extend_schema(responses=s.DueRatingOutput(many=True), tags=["ratings"])
    def get(self, request):
        due = selectors.ratings_due_for(contributor=getattr(request.user, "contributor", None))
        return Response(s.DueRatingOutput(due, many=True).data)


class MyRatingView(APIView):
    """Rate the lab of one of your engagements; 409 `not_due` or `already_rated` when you may not now."""

    permission_classes = [IsExpert]

    @extend_schema(request=s.RatingInput, responses={201: s.RatingReceiptOutput}, tags=["ratings"])
    @idempotent
    def post(self, request, pk: int):
        engagement = selectors.engagement_of_expert(user=request.user, pk=pk)
        if engagement is None:
            raise Http404
        data = s.RatingInput(data=request.data)
        data.is_valid(raise_exception=True)
        receipt = services.lab_rate(actor=request.user, engagement=engagement, **data.validated_data)
        return Response(s.RatingReceiptOutput(receipt).data, status=status.HTTP_201_CREATED)


def _member_lab(request, pk: int):
    lab = lab_for_member(user=request.user, pk=pk)
    if lab is None:
        raise Http404
    return lab


def _lab_ratings(lab) -> dict:
    summary = selectors.lab_summary(lab=lab)
    values = {
        "lab_id": lab.pk,
        "published": summary is not None,
        "min_raters": selectors.min_raters(),
        "answer": selectors.lab_answer(lab=lab),
    }
    for name in ("raters", "through_period", "clarity", "fairness", "speed", "published_at"):
        values[name] = getattr(summary, name) if summary else None
    return values


class LabRatingsView(APIView):
    """The lab's published aggregate (only over at least `min_raters` experts) and its answer."""

    permission_classes = [IsLabMember]

    @extend_schema(responses=s.LabRatingsOutput, tags=["ratings"])
    def get(self, request, pk: int):
        return Response(s.LabRatingsOutput(_lab_ratings(_member_lab(request, pk))).data)


class LabRatingAnswerView(APIView):
    """Write or rewrite the lab's public answer to its ratings (owners and managers)."""

    permission_classes = [IsLabMember]

    @extend_schema(request=s.LabRatingAnswerInput, responses=s.LabRatingsOutput, tags=["ratings"])
    def put(self, request, pk: int):
        lab = _member_lab(request, pk)
        # Who may answer is asked before what they sent is read: a viewer gets 403, not field errors.
        if not permissions.can_edit_projects(lab_role_of(user=request.user, lab=lab)):
            raise PermissionDenied("Only the lab's owners and managers can answer its ratings.")
        data = s.LabRatingAnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.lab_rating_answer_write(actor=request.user, lab=lab, body=data.validated_data["body"])
        return Response(s.LabRatingsOutput(_lab_ratings(lab)).data)


class OpsLabRatingListView(APIView):
    """Every published aggregate, the lab with the lowest dimension first."""

    permission_classes = [IsOps]

    @extend_schema(responses=s.OpsLabRatingOutput(many=True), tags=["ratings"])
    def get(self, request):
        summaries = list(selectors.summaries_for_operations()[:LIST_MAX])
        answers = selectors.answers_by_lab([summary.lab_id for summary in summaries])
        rows = [
            {
                "lab_id": summary.lab_id,
                "lab_name": summary.lab.name,
                "raters": summary.raters,
                "ratings": summary.ratings,
                "through_period": summary.through_period,
                "clarity": summary.clarity,
                "fairness": summary.fairness,
                "speed": summary.speed,
                "published_at": summary.published_at,
                "below_threshold": summary.lowest < settings.RATINGS_ALERT_BELOW,
                "answer": answers.get(summary.lab_id),
            }
            for summary in summaries
        ]
        return Response(s.OpsLabRatingOutput(rows, many=True).data)

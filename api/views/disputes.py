"""Time disputes through the API: the lab raises one, the expert answers, operations decide."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ApplicationError
from marketplace import dispute_selectors as selectors
from marketplace import selectors as marketplace_selectors
from marketplace import services
from marketplace.models import DisputeStatus

from ..idempotency import idempotent
from ..permissions import IsExpert, IsLabMember, IsOps, IsOpsReviewer
from ..serializers import disputes as s


class TimeEntryDisputeView(APIView):
    """A lab's reviewer disputes that a time entry was worked at all (not its quality)."""

    permission_classes = [IsLabMember]

    @extend_schema(request=s.DisputeOpenInput, responses={201: s.DisputeOutput}, tags=["work"])
    @idempotent
    def post(self, request, pk: int):
        entry = selectors.time_entry_for_lab_member(user=request.user, pk=pk)
        if entry is None:
            raise Http404
        data = s.DisputeOpenInput(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = services.time_dispute_open(actor=request.user, entry=entry, reason=data.validated_data["reason"])
        return Response(s.DisputeOutput(dispute).data, status=status.HTTP_201_CREATED)


class ProjectDisputeListView(APIView):
    permission_classes = [IsLabMember]

    @extend_schema(responses=s.DisputeOutput(many=True), tags=["work"])
    def get(self, request, pk: int):
        project = marketplace_selectors.project_for_member(user=request.user, pk=pk)
        if project is None:
            raise Http404
        return Response(s.DisputeOutput(selectors.time_disputes_of_project(project=project), many=True).data)


class MyDisputeListView(APIView):
    permission_classes = [IsExpert]

    @extend_schema(responses=s.DisputeOutput(many=True), tags=["work"])
    def get(self, request):
        return Response(s.DisputeOutput(selectors.time_disputes_of_expert(user=request.user), many=True).data)


class MyDisputeRespondView(APIView):
    permission_classes = [IsExpert]

    @extend_schema(request=s.DisputeResponseInput, responses=s.DisputeOutput, tags=["work"])
    @idempotent
    def post(self, request, pk: int):
        dispute = selectors.time_dispute_of_expert(user=request.user, pk=pk)
        if dispute is None:
            raise Http404
        data = s.DisputeResponseInput(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = services.time_dispute_respond(
            actor=request.user, dispute=dispute, response=data.validated_data["response"]
        )
        return Response(s.DisputeOutput(dispute).data)


class OpsDisputeListView(APIView):
    """The queue: open disputes, oldest first; `?status=upheld|overturned` for decided ones."""

    permission_classes = [IsOps]

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=DisputeStatus.values)],
        responses=s.DisputeOutput(many=True),
        tags=["operations"],
    )
    def get(self, request):
        wanted = request.query_params.get("status", DisputeStatus.OPEN)
        if wanted not in DisputeStatus.values:
            raise ApplicationError(
                "Unknown status.", code="invalid", fields={"status": [f"One of {', '.join(DisputeStatus.values)}."]}
            )
        rows = selectors.time_disputes_for_ops(status=wanted)[:500]
        return Response(s.DisputeOutput(rows, many=True).data)


class OpsDisputeDecideView(APIView):
    permission_classes = [IsOpsReviewer]

    @extend_schema(request=s.DisputeDecisionInput, responses=s.DisputeOutput, tags=["operations"])
    @idempotent
    def post(self, request, pk: int):
        dispute = selectors.time_dispute_for_ops(pk=pk)
        if dispute is None:
            raise Http404
        data = s.DisputeDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = services.time_dispute_decide(actor=request.user, dispute=dispute, **data.validated_data)
        return Response(s.DisputeOutput(dispute).data)

"""What operations staff do through the API: vetting, tiers, assessments, cases, the audit trail."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.selectors import audit_event_list
from config.errors import ApplicationError
from contributors.models import Contributor
from contributors.selectors import contributor_list
from vetting import selectors as vetting_selectors
from vetting import services as vetting_services
from vetting.models import Credential, CredentialStatus, DeactivationCase, TierDecision

from ..idempotency import idempotent
from ..permissions import IsOps, IsOpsReviewer
from ..serializers import ops as s
from ..serializers.experts import AssessmentOutput, CaseOutput, CredentialOutput, ProfileOutput


class OpsCredentialQueueView(ListAPIView):
    """Credentials waiting for review (or any one status), oldest first."""

    permission_classes = [IsOps]
    serializer_class = CredentialOutput

    @extend_schema(
        parameters=[OpenApiParameter("status", enum=CredentialStatus.values, required=False)], tags=["operations"]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        wanted = self.request.query_params.get("status", "")
        if wanted and wanted not in CredentialStatus.values:
            raise ApplicationError(
                f"Unknown status '{wanted}'.", code="invalid", fields={"status": ["Unknown status."]}
            )
        return vetting_selectors.credential_review_queue(status=wanted).prefetch_related("questions", "documents")


def _credential(pk: int) -> Credential:
    return get_object_or_404(Credential, pk=pk)


class _CredentialAction(APIView):
    permission_classes = [IsOpsReviewer]

    def respond(self, request, pk: int):
        credential = vetting_selectors.credential_visible_to(user=request.user, pk=pk)
        return Response(CredentialOutput(credential).data)


class CredentialStartReviewView(_CredentialAction):
    @extend_schema(request=None, responses=CredentialOutput, tags=["operations"])
    @idempotent
    def post(self, request, pk: int):
        vetting_services.credential_review_start(actor=request.user, credential=_credential(pk))
        return self.respond(request, pk)


class CredentialRequestInfoView(_CredentialAction):
    @extend_schema(request=s.QuestionInput, responses=CredentialOutput, tags=["operations"])
    @idempotent
    def post(self, request, pk: int):
        data = s.QuestionInput(data=request.data)
        data.is_valid(raise_exception=True)
        vetting_services.credential_request_info(
            actor=request.user, credential=_credential(pk), question=data.validated_data["question"]
        )
        return self.respond(request, pk)


class CredentialVerifyView(_CredentialAction):
    @extend_schema(request=s.NoteInput, responses=CredentialOutput, tags=["operations"])
    @idempotent
    def post(self, request, pk: int):
        data = s.NoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        vetting_services.credential_verify(
            actor=request.user, credential=_credential(pk), note=data.validated_data["note"]
        )
        return self.respond(request, pk)


class CredentialRejectView(_CredentialAction):
    @extend_schema(request=s.ReasonInput, responses=CredentialOutput, tags=["operations"])
    @idempotent
    def post(self, request, pk: int):
        data = s.ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        vetting_services.credential_reject(
            actor=request.user, credential=_credential(pk), reason=data.validated_data["reason"]
        )
        return self.respond(request, pk)


class OpsContributorListView(ListAPIView):
    permission_classes = [IsOps]
    serializer_class = ProfileOutput

    def get_queryset(self):
        params = self.request.query_params
        return contributor_list(
            status=params.get("status", ""), tier=params.get("tier", ""), search=params.get("search", "")
        ).prefetch_related("specialties__parent")


class OpsContributorDetailView(APIView):
    permission_classes = [IsOps]

    @extend_schema(responses=ProfileOutput, tags=["operations"])
    def get(self, request, pk: int):
        contributor = get_object_or_404(Contributor.objects.select_related("user"), pk=pk)
        return Response(ProfileOutput(contributor).data)


class TierDecisionListView(APIView):
    permission_classes = [IsOpsReviewer]

    @extend_schema(responses=s.TierDecisionOutput(many=True), tags=["operations"])
    def get(self, request):
        return Response(s.TierDecisionOutput(vetting_selectors.tier_decisions_pending(), many=True).data)

    @extend_schema(request=s.TierDecisionInput, responses={201: s.TierDecisionOutput}, tags=["operations"])
    @idempotent
    def post(self, request):
        data = s.TierDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        decision = vetting_services.tier_decision_propose(actor=request.user, **data.validated_data)
        return Response(s.TierDecisionOutput(decision).data, status=status.HTTP_201_CREATED)


class TierDecisionApproveView(APIView):
    permission_classes = [IsOpsReviewer]

    @extend_schema(request=None, responses=s.TierDecisionOutput, tags=["operations"])
    @idempotent
    def post(self, request, pk: int):
        decision = vetting_services.tier_decision_approve(
            actor=request.user, decision=get_object_or_404(TierDecision, pk=pk)
        )
        return Response(s.TierDecisionOutput(decision).data)


class TierDecisionDeclineView(APIView):
    permission_classes = [IsOpsReviewer]

    @extend_schema(request=s.ReasonInput, responses=s.TierDecisionOutput, tags=["operations"])
    @idempotent
    def post(self, request, pk: int):
        data = s.ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        decision = vetting_services.tier_decision_decline(
            actor=request.user, decision=get_object_or_404(TierDecision, pk=pk), reason=data.validated_data["reason"]
        )
        return Response(s.TierDecisionOutput(decision).data)


class OpsAssessmentCreateView(APIView):
    permission_classes = [IsOpsReviewer]

    @extend_schema(request=s.AssessmentInput, responses={201: AssessmentOutput}, tags=["operations"])
    @idempotent
    def post(self, request):
        data = s.AssessmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = vetting_services.assessment_create(actor=request.user, **data.validated_data)
        return Response(AssessmentOutput(assessment).data, status=status.HTTP_201_CREATED)


class CaseListView(APIView):
    permission_classes = [IsOpsReviewer]

    @extend_schema(responses=CaseOutput(many=True), tags=["operations"])
    def get(self, request):
        return Response(CaseOutput(vetting_selectors.cases_open(), many=True).data)

    @extend_schema(request=s.CaseOpenInput, responses={201: CaseOutput}, tags=["operations"])
    @idempotent
    def post(self, request):
        data = s.CaseOpenInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = vetting_services.deactivation_case_open(actor=request.user, **data.validated_data)
        return Response(CaseOutput(case).data, status=status.HTTP_201_CREATED)


class CaseNoticeView(APIView):
    permission_classes = [IsOpsReviewer]

    @extend_schema(request=s.CaseNoticeInput, responses=CaseOutput, tags=["operations"])
    @idempotent
    def post(self, request, pk: int):
        data = s.CaseNoticeInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = vetting_services.deactivation_case_give_notice(
            actor=request.user, case=get_object_or_404(DeactivationCase, pk=pk), **data.validated_data
        )
        return Response(CaseOutput(case).data)


class CaseDecideView(APIView):
    permission_classes = [IsOpsReviewer]

    @extend_schema(request=s.CaseDecisionInput, responses=CaseOutput, tags=["operations"])
    @idempotent
    def post(self, request, pk: int):
        data = s.CaseDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = vetting_services.deactivation_case_decide(
            actor=request.user, case=get_object_or_404(DeactivationCase, pk=pk), **data.validated_data
        )
        return Response(CaseOutput(case).data)


class CaseDecideAppealView(APIView):
    permission_classes = [IsOpsReviewer]

    @extend_schema(request=s.CaseAppealDecisionInput, responses=CaseOutput, tags=["operations"])
    @idempotent
    def post(self, request, pk: int):
        data = s.CaseAppealDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = vetting_services.deactivation_case_decide_appeal(
            actor=request.user, case=get_object_or_404(DeactivationCase, pk=pk), **data.validated_data
        )
        return Response(CaseOutput(case).data)


class AuditEventListView(ListAPIView):
    """The audit trail, newest first; filter by action prefix, target or actor."""

    permission_classes = [IsOps]
    serializer_class = s.AuditEventOutput

    @extend_schema(
        parameters=[
            OpenApiParameter("action", str, description="Action code prefix, e.g. vetting.credential"),
            OpenApiParameter("target_type", str, description="e.g. vetting.credential"),
            OpenApiParameter("target_id", str),
            OpenApiParameter("actor", str, description="Part of the actor's email"),
        ],
        tags=["operations"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return audit_event_list(
            action_prefix=params.get("action", ""),
            target_type=params.get("target_type", ""),
            target_id=params.get("target_id", ""),
            actor_label=params.get("actor", ""),
        )


class ReviewAlertListView(ListAPIView):
    """Unusual rejection rates by reviewer or project, newest first."""

    permission_classes = [IsOps]
    serializer_class = s.ReviewAlertOutput

    def get_queryset(self):
        from marketplace.models import ReviewAlert

        return ReviewAlert.objects.select_related("project__lab", "reviewer").order_by("-raised_at")

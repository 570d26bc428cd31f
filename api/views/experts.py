"""What an expert does through the API: their profile, credentials, assessments and cases."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ApplicationError
from contributors.models import Contributor
from contributors.selectors import contributor_for_user, domain_tree
from contributors.services import PROFILE_FIELDS, contributor_profile_save
from vetting import selectors as vetting_selectors
from vetting import services as vetting_services
from vetting.documents import credential_document_response
from vetting.models import AssessmentAttempt, DeactivationCase

from ..idempotency import idempotent
from ..parsers import JSONParser
from ..permissions import ExpertOrOps, ExpertOrOpsReviewer, IsExpert
from ..serializers import experts as s


def _own_profile(request) -> Contributor:
    contributor = contributor_for_user(user=request.user)
    if contributor is None:
        raise ApplicationError("Fill in your profile first.", code="profile_missing")
    return contributor


class DomainListView(ListAPIView):
    """The taxonomy of domains and sub-specialties."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.DomainOutput
    pagination_class = None

    def get_queryset(self):
        return domain_tree()


class ProfileView(APIView):
    permission_classes = [IsExpert]

    @extend_schema(responses=s.ProfileOutput, tags=["experts"])
    def get(self, request):
        contributor = contributor_for_user(user=request.user)
        if contributor is None:
            raise Http404
        return Response(s.ProfileOutput(contributor).data)

    @extend_schema(request=s.ProfileInput, responses=s.ProfileOutput, tags=["experts"])
    def put(self, request):
        data = s.ProfileInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = {key: data.validated_data[key] for key in PROFILE_FIELDS if key in data.validated_data}
        contributor = contributor_profile_save(
            actor=request.user, user=request.user, data=values, specialties=data.validated_data["specialties"]
        )
        return Response(s.ProfileOutput(contributor_for_user(user=contributor.user)).data)


class CredentialListView(APIView):
    permission_classes = [IsExpert]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(responses=s.CredentialOutput(many=True), tags=["experts"])
    def get(self, request):
        contributor = contributor_for_user(user=request.user)
        credentials = vetting_selectors.credentials_of(contributor=contributor) if contributor else []
        return Response(s.CredentialOutput(credentials, many=True).data)

    @extend_schema(
        request={"multipart/form-data": s.CredentialInput}, responses={201: s.CredentialOutput}, tags=["experts"]
    )
    @idempotent
    def post(self, request):
        contributor = _own_profile(request)
        data = s.CredentialInput(data=request.data)
        data.is_valid(raise_exception=True)
        credential = vetting_services.credential_submit(
            actor=request.user, contributor=contributor, **data.validated_data
        )
        credential = vetting_selectors.credential_visible_to(user=request.user, pk=credential.pk)
        return Response(s.CredentialOutput(credential).data, status=status.HTTP_201_CREATED)


def _credential_or_404(request, pk: int):
    credential = vetting_selectors.credential_visible_to(user=request.user, pk=pk)
    if credential is None:
        raise Http404
    return credential


class CredentialDetailView(APIView):
    """One credential: its owner and operations staff may read it; nobody else learns it exists."""

    permission_classes = [ExpertOrOps]

    @extend_schema(responses=s.CredentialOutput, tags=["experts", "operations"])
    def get(self, request, pk: int):
        return Response(s.CredentialOutput(_credential_or_404(request, pk)).data)


class CredentialDocumentView(APIView):
    """The current document of a credential, streamed through this permission check only."""

    permission_classes = [ExpertOrOpsReviewer]

    @extend_schema(responses={(200, "application/octet-stream"): bytes}, tags=["experts", "operations"])
    def get(self, request, pk: int):
        return credential_document_response(user=request.user, pk=pk)


class CredentialAnswerView(APIView):
    permission_classes = [IsExpert]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request={"multipart/form-data": s.AnswerInput}, responses=s.CredentialOutput, tags=["experts"])
    @idempotent
    def post(self, request, pk: int):
        credential = _credential_or_404(request, pk)
        data = s.AnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        vetting_services.credential_answer(
            actor=request.user,
            credential=credential,
            answer=data.validated_data["answer"],
            document=data.validated_data.get("document"),
        )
        return Response(s.CredentialOutput(_credential_or_404(request, pk)).data)


class AssessmentListView(APIView):
    permission_classes = [IsExpert]

    @extend_schema(responses=s.AssessmentOutput(many=True), tags=["experts"])
    def get(self, request):
        return Response(s.AssessmentOutput(vetting_selectors.assessments_open(), many=True).data)


class AttemptListView(APIView):
    permission_classes = [IsExpert]

    @extend_schema(responses=s.AttemptOutput(many=True), tags=["experts"])
    def get(self, request):
        contributor = contributor_for_user(user=request.user)
        attempts = vetting_selectors.attempts_of(contributor=contributor) if contributor else []
        return Response(s.AttemptOutput(attempts, many=True).data)


class AttemptStartView(APIView):
    permission_classes = [IsExpert]

    @extend_schema(request=None, responses={201: s.AttemptOutput}, tags=["experts"])
    @idempotent
    def post(self, request, pk: int):
        assessment = vetting_selectors.assessments_open().filter(pk=pk).first()
        if assessment is None:
            raise Http404
        attempt = vetting_services.assessment_attempt_start(
            actor=request.user, contributor=_own_profile(request), assessment=assessment
        )
        return Response(s.AttemptOutput(attempt).data, status=status.HTTP_201_CREATED)


class AttemptSubmitView(APIView):
    permission_classes = [IsExpert]

    @extend_schema(request=s.AttemptSubmitInput, responses=s.AttemptOutput, tags=["experts"])
    @idempotent
    def post(self, request, pk: int):
        attempt = AssessmentAttempt.objects.filter(pk=pk, contributor__user=request.user).first()
        if attempt is None:
            raise Http404
        data = s.AttemptSubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = vetting_services.assessment_attempt_submit(
            actor=request.user, attempt=attempt, answers=data.validated_data["answers"]
        )
        return Response(s.AttemptOutput(attempt).data)


def _own_case(request, pk: int) -> DeactivationCase:
    case = DeactivationCase.objects.filter(pk=pk, contributor__user=request.user).first()
    if case is None:
        raise Http404
    return case


class MyCaseListView(APIView):
    permission_classes = [IsExpert]

    @extend_schema(responses=s.CaseOutput(many=True), tags=["experts"])
    def get(self, request):
        contributor = contributor_for_user(user=request.user)
        cases = vetting_selectors.cases_of(contributor=contributor) if contributor else []
        return Response(s.CaseOutput(cases, many=True).data)


class MyCaseRespondView(APIView):
    permission_classes = [IsExpert]

    @extend_schema(request=s.CaseResponseInput, responses=s.CaseOutput, tags=["experts"])
    @idempotent
    def post(self, request, pk: int):
        case = _own_case(request, pk)
        data = s.CaseResponseInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = vetting_services.deactivation_case_respond(
            actor=request.user, case=case, response=data.validated_data["response"]
        )
        return Response(s.CaseOutput(case).data)


class MyCaseAppealView(APIView):
    permission_classes = [IsExpert]

    @extend_schema(request=s.CaseAppealInput, responses=s.CaseOutput, tags=["experts"])
    @idempotent
    def post(self, request, pk: int):
        case = _own_case(request, pk)
        data = s.CaseAppealInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = vetting_services.deactivation_case_appeal(
            actor=request.user, case=case, statement=data.validated_data["statement"]
        )
        return Response(s.CaseOutput(case).data)

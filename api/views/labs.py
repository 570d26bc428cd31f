"""Labs, their projects, funding, matching and staffing, through the API."""

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import is_expert, is_lab_member
from config.errors import ApplicationError
from contributors.selectors import contributor_for_user
from marketplace import permissions, selectors, services
from marketplace.forms import ProjectSearchForm
from marketplace.matching import ranked_candidates
from marketplace.models import StaffingRequest
from marketplace.payable import effective_hourly_minor
from marketplace.search import expert_currency, project_search
from payouts.floors import rate_preview
from payouts.gateway.stripe_api import TEST_PAYMENT_METHODS

from ..idempotency import idempotent, not_idempotent
from ..permissions import IsExpert, IsLabMember
from ..serializers import labs as s


def _lab(request, pk: int):
    lab = selectors.labs_of(user=request.user).filter(pk=pk).first()
    if lab is None:
        raise Http404
    return lab


def _project(request, pk: int):
    project = selectors.project_for_member(user=request.user, pk=pk)
    if project is None:
        raise Http404
    return project


class LabListView(APIView):
    permission_classes = [IsLabMember]

    @extend_schema(responses=s.LabOutput(many=True), tags=["labs"])
    def get(self, request):
        return Response(s.LabOutput(selectors.labs_of(user=request.user), many=True).data)

    @extend_schema(request=s.LabInput, responses={201: s.LabOutput}, tags=["labs"])
    @idempotent
    def post(self, request):
        data = s.LabInput(data=request.data)
        data.is_valid(raise_exception=True)
        lab = services.lab_create(actor=request.user, **data.validated_data)
        return Response(s.LabOutput(lab).data, status=status.HTTP_201_CREATED)


class LabMemberListView(APIView):
    permission_classes = [IsLabMember]

    @extend_schema(responses=s.MemberOutput(many=True), tags=["labs"])
    def get(self, request, pk: int):
        return Response(s.MemberOutput(selectors.lab_members(lab=_lab(request, pk)), many=True).data)

    @extend_schema(request=s.MemberInput, responses={202: s.MemberAdded}, tags=["labs"])
    @idempotent
    def post(self, request, pk: int):
        # The same answer whether or not the address has a lab-member account.
        return _member_add(request, pk)


class LabInvitationListView(APIView):
    """The lab's pending invitations (expired ones included), and inviting a colleague by email."""

    permission_classes = [IsLabMember]

    @extend_schema(responses=s.LabInvitationOutput(many=True), tags=["labs"])
    def get(self, request, pk: int):
        lab = _lab(request, pk)
        permissions.require_member_manager(request.user, lab=lab)
        return Response(s.LabInvitationOutput(selectors.lab_invitations_pending(lab=lab), many=True).data)

    @extend_schema(request=s.MemberInput, responses={202: s.MemberAdded}, tags=["labs"])
    @idempotent
    def post(self, request, pk: int):
        # The same as adding a member: an account joins at once, anyone else gets a link,
        # and the answer does not say which.
        return _member_add(request, pk)


def _member_add(request, pk: int) -> Response:
    lab = _lab(request, pk)
    data = s.MemberInput(data=request.data)
    data.is_valid(raise_exception=True)
    services.lab_member_add(actor=request.user, lab=lab, absolute_url=request.build_absolute_uri, **data.validated_data)
    email = data.validated_data["email"].strip().lower()
    return Response(
        s.MemberAdded(
            {"email": email, "role": data.validated_data["role"], "message": services.lab_member_add_message(email)}
        ).data,
        status=status.HTTP_202_ACCEPTED,
    )


class LabInvitationResendView(APIView):
    permission_classes = [IsLabMember]

    @extend_schema(request=None, responses=s.LabInvitationOutput, tags=["labs"])
    @idempotent
    def post(self, request, pk: int, invitation_pk: int):
        invitation = services.lab_invitation_resend(
            actor=request.user,
            lab=_lab(request, pk),
            invitation_id=invitation_pk,
            absolute_url=request.build_absolute_uri,
        )
        return Response(s.LabInvitationOutput(invitation).data)


class LabInvitationRevokeView(APIView):
    permission_classes = [IsLabMember]

    @extend_schema(request=None, responses=s.LabInvitationOutput, tags=["labs"])
    @idempotent
    def post(self, request, pk: int, invitation_pk: int):
        invitation = services.lab_invitation_revoke(
            actor=request.user, lab=_lab(request, pk), invitation_id=invitation_pk
        )
        return Response(s.LabInvitationOutput(invitation).data)


class LabInvitationAcceptView(APIView):
    """A signed-in lab member whose address was invited joins the lab with the link's token."""

    permission_classes = [IsLabMember]

    @extend_schema(request=s.LabInvitationTokenInput, responses=s.LabInvitationAccepted, tags=["labs"])
    @idempotent
    def post(self, request):
        data = s.LabInvitationTokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.lab_invitation_accept(actor=request.user, token=data.validated_data["token"])
        return Response(s.LabInvitationAccepted(invitation).data)


class LabInvitationSignUpView(APIView):
    """Someone without an account follows the link: a lab-member account with the invited
    address (confirmed), in the lab. Sign in afterwards through POST /api/auth/token/."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=s.LabInvitationSignUpInput, responses={201: s.LabInvitationAccepted}, tags=["labs"])
    @not_idempotent("anonymous; the token works once, so a repeat is refused")
    def post(self, request):
        data = s.LabInvitationSignUpInput(data=request.data)
        data.is_valid(raise_exception=True)
        token = data.validated_data["token"]
        services.lab_invitation_sign_up(
            token=token, full_name=data.validated_data["full_name"], password=data.validated_data["password"]
        )
        return Response(
            s.LabInvitationAccepted(selectors.lab_invitation_by_token(token=token)).data, status=status.HTTP_201_CREATED
        )


def _project_values(validated: dict) -> tuple[dict, list]:
    values = dict(validated)
    domains = values.pop("domains")
    return values, domains


class LabProjectListView(APIView):
    permission_classes = [IsLabMember]

    @extend_schema(responses=s.ProjectOutput(many=True), tags=["labs"])
    def get(self, request, pk: int):
        lab = _lab(request, pk)
        return Response(
            s.ProjectOutput(selectors.projects_visible_to(user=request.user).filter(lab=lab), many=True).data
        )

    @extend_schema(request=s.ProjectInput, responses={201: s.ProjectOutput}, tags=["labs"])
    @idempotent
    def post(self, request, pk: int):
        lab = _lab(request, pk)
        data = s.ProjectInput(data=request.data)
        data.is_valid(raise_exception=True)
        values, domains = _project_values(data.validated_data)
        project = services.project_create(actor=request.user, lab=lab, data=values, domains=domains)
        return Response(s.ProjectOutput(_project(request, project.pk)).data, status=status.HTTP_201_CREATED)


class ProjectDetailView(APIView):
    permission_classes = [IsLabMember]

    @extend_schema(responses=s.ProjectOutput, tags=["labs"])
    def get(self, request, pk: int):
        return Response(s.ProjectOutput(_project(request, pk)).data)

    @extend_schema(request=s.ProjectInput, responses=s.ProjectOutput, tags=["labs"])
    def put(self, request, pk: int):
        project = _project(request, pk)
        data = s.ProjectInput(data=request.data)
        data.is_valid(raise_exception=True)
        values, domains = _project_values(data.validated_data)
        services.project_update(actor=request.user, project=project, data=values, domains=domains)
        return Response(s.ProjectOutput(_project(request, pk)).data)


class ProjectTransitionView(APIView):
    permission_classes = [IsLabMember]

    @extend_schema(request=s.ProjectTransitionInput, responses=s.ProjectOutput, tags=["labs"])
    @idempotent
    def post(self, request, pk: int):
        project = _project(request, pk)
        data = s.ProjectTransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.project_transition(actor=request.user, project=project, **data.validated_data)
        return Response(s.ProjectOutput(_project(request, pk)).data)


class RatePreviewView(APIView):
    """What a rate would pay per hour in every allowed jurisdiction, against each floor."""

    permission_classes = [IsLabMember]

    @extend_schema(request=s.RateInput, responses=s.RatePreviewOutput, tags=["labs"])
    @not_idempotent("computes a preview and changes nothing")
    def post(self, request, pk: int):
        project = _project(request, pk)
        data = s.RateInput(data=request.data)
        data.is_valid(raise_exception=True)
        preview = rate_preview(
            currency=project.currency,
            hourly_minor=effective_hourly_minor(
                pay_model=project.pay_model,
                rate_minor=data.validated_data["rate_minor"],
                task_estimate_minutes=data.validated_data["task_estimate_minutes"] or project.task_estimate_minutes,
            ),
            tier=project.min_tier,
            domains=list(project.domains.all()),
            countries=project.allowed_countries,
            on=max(project.starts_on, timezone.now().date()),
        )
        return Response(s.RatePreviewOutput(preview.as_dict()).data)


class RateChangeView(APIView):
    permission_classes = [IsLabMember]

    @extend_schema(request=s.RateChangeInput, responses={201: s.RateChangeOutput}, tags=["labs"])
    @idempotent
    def post(self, request, pk: int):
        project = _project(request, pk)
        data = s.RateChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.project_rate_change(actor=request.user, project=project, **data.validated_data)
        return Response(s.RateChangeOutput(change).data, status=status.HTTP_201_CREATED)


class FundingView(APIView):
    permission_classes = [IsLabMember]

    @extend_schema(responses=s.FundingOutput(many=True), tags=["labs"])
    def get(self, request, pk: int):
        project = _project(request, pk)
        permissions.require_funding_reader(request.user, lab=project.lab)
        return Response(s.FundingOutput(selectors.fundings_of(project=project), many=True).data)

    @extend_schema(request=s.FundingInput, responses={201: s.FundingOutput}, tags=["labs"])
    @idempotent
    def post(self, request, pk: int):
        project = _project(request, pk)
        # Refused before the card is read, whatever was sent.
        permissions.require_funding_reader(request.user, lab=project.lab)
        data = s.FundingInput(data=request.data)
        data.is_valid(raise_exception=True)
        method = data.validated_data["payment_method"]
        if settings.STRIPE_LOCAL or settings.STRIPE_SECRET_KEY.startswith("sk_test_"):
            method = TEST_PAYMENT_METHODS.get(method, method)
        elif method in TEST_PAYMENT_METHODS:
            raise ApplicationError(
                "Test cards work only in test mode.",
                code="invalid",
                fields={"payment_method": ["Not a live payment method."]},
            )
        funding = services.project_funding_start(actor=request.user, project=project, payment_method=method)
        funding.refresh_from_db()
        return Response(s.FundingOutput(funding).data, status=status.HTTP_201_CREATED)


class BudgetView(APIView):
    permission_classes = [IsLabMember]

    @extend_schema(responses=s.BudgetOutput, tags=["labs"])
    def get(self, request, pk: int):
        burn = selectors.budget_burn(project=_project(request, pk))
        return Response(s.BudgetOutput({**burn.__dict__, "used_share": burn.used_share}).data)


class CandidateListView(APIView):
    """The best-matched eligible experts, with the reasons for each score."""

    permission_classes = [IsLabMember]

    @extend_schema(responses=s.CandidateOutput(many=True), tags=["labs"])
    def get(self, request, pk: int):
        project = _project(request, pk)
        return Response(s.CandidateOutput(ranked_candidates(project_id=project.pk, limit=50), many=True).data)


class CandidateProfileView(APIView):
    """What an expert shares with labs: only for one eligible for the project, who applied to it,
    was invited or is or was engaged on it (404 for anyone else). Each reading is audited."""

    permission_classes = [IsLabMember]

    @extend_schema(responses=s.CandidateProfileOutput, tags=["labs"])
    def get(self, request, pk: int, contributor_pk: int):
        project = _project(request, pk)
        profile = services.candidate_profile_open(actor=request.user, project=project, contributor_id=contributor_pk)
        if profile is None:
            raise Http404
        return Response(s.CandidateProfileOutput(profile).data)


class InvitationView(APIView):
    permission_classes = [IsLabMember]

    @extend_schema(responses=s.StaffingRequestOutput(many=True), tags=["labs"])
    def get(self, request, pk: int):
        project = _project(request, pk)
        return Response(
            s.StaffingRequestOutput(selectors.staffing_requests_for_project(project=project), many=True).data
        )

    @extend_schema(request=s.InvitationInput, responses={201: s.StaffingRequestOutput}, tags=["labs"])
    @idempotent
    def post(self, request, pk: int):
        project = _project(request, pk)
        data = s.InvitationInput(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.invitation_send(actor=request.user, project=project, **data.validated_data)
        return Response(s.StaffingRequestOutput(invitation).data, status=status.HTTP_201_CREATED)


class ProjectEngagementListView(APIView):
    permission_classes = [IsLabMember]

    @extend_schema(responses=s.EngagementOutput(many=True), tags=["labs"])
    def get(self, request, pk: int):
        project = _project(request, pk)
        return Response(s.EngagementOutput(selectors.engagements_of_project(project=project), many=True).data)


class OpenProjectListView(APIView):
    """Open projects an expert can apply to (applications are checked against the requirements)."""

    permission_classes = [IsExpert]

    @extend_schema(responses=s.ProjectOutput(many=True), tags=["experts"])
    def get(self, request):
        return Response(s.ProjectOutput(selectors.open_projects().prefetch_related("domains__parent"), many=True).data)


def _search_parameters() -> list[OpenApiParameter]:
    # The form's declared fields: building a form reads the domain list from the database,
    # which this module must not do when it is imported (before migrations, or in collection).
    kinds = {"max_hours": int, "page": int, "eligible_only": bool}
    return [
        OpenApiParameter(
            name,
            kinds.get(name, str),
            many=name == "without",
            description=str(field.label),
            enum=[value for value, _ in field.choices if value] if name in ("pay_model", "sort", "without") else None,
        )
        for name, field in ProjectSearchForm.base_fields.items()
    ]


class ProjectSearchView(APIView):
    """Open projects matching words and filters, a page at a time, each with whether the expert may take part
    and, if not, which requirements they miss. The filters and their limits are those of the projects page."""

    permission_classes = [IsExpert]

    @extend_schema(parameters=_search_parameters(), responses=s.ProjectSearchOutput, tags=["experts"])
    def get(self, request):
        contributor = contributor_for_user(user=request.user)
        on = timezone.now().date()
        form = ProjectSearchForm(request.query_params, currency=expert_currency(contributor=contributor, on=on))
        if not form.is_valid():
            raise ValidationError({name: [str(message) for message in errors] for name, errors in form.errors.items()})
        page = project_search(contributor=contributor, criteria=form.criteria(), on=on)
        return Response(s.ProjectSearchOutput(page).data)


class ApplicationView(APIView):
    permission_classes = [IsExpert]

    @extend_schema(request=s.ApplicationInput, responses={201: s.StaffingRequestOutput}, tags=["experts"])
    @idempotent
    def post(self, request, pk: int):
        contributor = contributor_for_user(user=request.user)
        project = selectors.project_for_expert(contributor=contributor, pk=pk) if contributor else None
        if project is None:
            raise Http404
        data = s.ApplicationInput(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.application_send(actor=request.user, project=project, **data.validated_data)
        return Response(s.StaffingRequestOutput(application).data, status=status.HTTP_201_CREATED)


class MyStaffingRequestListView(APIView):
    permission_classes = [IsExpert]

    @extend_schema(responses=s.StaffingRequestOutput(many=True), tags=["experts"])
    def get(self, request):
        contributor = contributor_for_user(user=request.user)
        rows = selectors.staffing_requests_for_expert(contributor=contributor) if contributor else []
        return Response(s.StaffingRequestOutput(rows, many=True).data)


class MyEngagementListView(APIView):
    permission_classes = [IsExpert]

    @extend_schema(responses=s.EngagementOutput(many=True), tags=["experts"])
    def get(self, request):
        contributor = contributor_for_user(user=request.user)
        rows = selectors.engagements_of_expert(contributor=contributor) if contributor else []
        return Response(s.EngagementOutput(rows, many=True).data)


def _staffing_request(request, pk: int) -> StaffingRequest:
    """A request its expert, or a member of the project's lab, may answer; 404 for anyone else."""
    visible = StaffingRequest.objects.filter(
        Q(contributor__user=request.user) | Q(project__lab__memberships__user=request.user)
    ).select_related("project", "contributor")
    found = visible.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


class _ExpertOrLabMember(IsAuthenticated):
    def has_permission(self, request, view):
        return super().has_permission(request, view) and (is_expert(request.user) or is_lab_member(request.user))


class StaffingRequestAcceptView(APIView):
    permission_classes = [_ExpertOrLabMember]

    @extend_schema(request=None, responses={201: s.EngagementOutput}, tags=["labs", "experts"])
    @idempotent
    def post(self, request, pk: int):
        engagement = services.staffing_request_accept(actor=request.user, request=_staffing_request(request, pk))
        return Response(s.EngagementOutput(engagement).data, status=status.HTTP_201_CREATED)


class StaffingRequestDeclineView(APIView):
    permission_classes = [_ExpertOrLabMember]

    @extend_schema(request=s.DeclineInput, responses=s.StaffingRequestOutput, tags=["labs", "experts"])
    @idempotent
    def post(self, request, pk: int):
        staffing_request = _staffing_request(request, pk)
        data = s.DeclineInput(data=request.data)
        data.is_valid(raise_exception=True)
        declined = services.staffing_request_decline(
            actor=request.user, request=staffing_request, reason=data.validated_data["reason"]
        )
        return Response(s.StaffingRequestOutput(declined).data)

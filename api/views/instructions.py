"""A project's instructions through the API: its versions for the lab and the experts engaged on it,
publishing for the lab's owners and managers, and an expert's confirmed reading."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import is_expert
from marketplace import selectors, services
from marketplace.instruction_selectors import instruction_version, instruction_versions
from marketplace.instructions import instructions_diff
from marketplace.models import CURRENT_ENGAGEMENT, Engagement, Project
from marketplace.permissions import LAB_EDITORS, require_lab_role

from ..idempotency import idempotent
from ..permissions import IsExpert, IsExpertOrLabMember, IsLabMember
from ..serializers import instructions as s


def _expert_engagement(request, pk: int) -> Engagement:
    """The caller's engagement on the project, the current one first; any other project does not exist for them."""
    engagements = Engagement.objects.filter(project_id=pk, contributor__user=request.user).select_related("project")
    engagement = engagements.filter(status__in=CURRENT_ENGAGEMENT).first() or engagements.order_by("-pk").first()
    if engagement is None:
        raise Http404
    return engagement


def _readable_project(request, pk: int) -> Project:
    """The lab's members and the experts engaged on the project read its instructions."""
    if is_expert(request.user):
        return _expert_engagement(request, pk).project
    project = selectors.project_for_member(user=request.user, pk=pk)
    if project is None:
        raise Http404
    return project


class InstructionListView(APIView):
    """Every version of a project's instructions, newest first; the lab's owners and managers publish the next."""

    def get_permissions(self):
        return [IsLabMember()] if self.request.method == "POST" else [IsExpertOrLabMember()]

    @extend_schema(responses=s.InstructionVersionOutput(many=True), tags=["instructions"])
    def get(self, request, pk: int):
        project = _readable_project(request, pk)
        return Response(s.InstructionVersionOutput(instruction_versions(project=project), many=True).data)

    @extend_schema(
        request=s.InstructionPublishInput, responses={201: s.InstructionVersionOutput}, tags=["instructions"]
    )
    @idempotent
    def post(self, request, pk: int):
        project = selectors.project_for_member(user=request.user, pk=pk)
        if project is None:
            raise Http404
        # Refused for who the caller is before what they sent is read.
        require_lab_role(request.user, lab=project.lab, roles=LAB_EDITORS, to="publish the project's instructions")
        data = s.InstructionPublishInput(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.instruction_publish(actor=request.user, project=project, **data.validated_data)
        return Response(s.InstructionVersionOutput(version).data, status=status.HTTP_201_CREATED)


class InstructionDetailView(APIView):
    """One version, rendered, with the lines changed since the version before."""

    permission_classes = [IsExpertOrLabMember]

    @extend_schema(responses=s.InstructionVersionDetailOutput, tags=["instructions"])
    def get(self, request, pk: int, number: int):
        project = _readable_project(request, pk)
        version = instruction_version(project=project, number=number)
        if version is None:
            raise Http404
        before = instruction_version(project=project, number=number - 1) if number > 1 else None
        version.changes = instructions_diff(before.body if before else "", version.body)
        return Response(s.InstructionVersionDetailOutput(version).data)


class InstructionReadView(APIView):
    """Confirm reading a version: its reading time is logged today as training, once (409 the second time)."""

    permission_classes = [IsExpert]

    @extend_schema(request=None, responses={201: s.InstructionReadingOutput}, tags=["instructions"])
    @idempotent
    def post(self, request, pk: int, number: int):
        engagement = _expert_engagement(request, pk)
        version = instruction_version(project=engagement.project, number=number)
        if version is None:
            raise Http404
        reading = services.instruction_read(actor=request.user, engagement=engagement, version=version)
        return Response(s.InstructionReadingOutput(reading).data, status=status.HTTP_201_CREATED)

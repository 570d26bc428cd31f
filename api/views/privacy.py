"""A person's copy of their data (ask, follow, download once), erasure requests and operations' legal holds."""

from django.http import FileResponse, Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ApplicationError
from privacy.export import download_filename
from privacy.models import DataExport
from privacy.selectors import (
    data_exports_of,
    erasure_queue,
    erasure_request_get,
    erasure_requests_of,
    legal_hold_get,
    legal_holds,
    person_by_email,
)
from privacy.services import (
    data_export_download,
    data_export_request,
    erasure_request_decide,
    erasure_request_open,
    erasure_request_withdraw,
    legal_hold_place,
    legal_hold_release,
)

from ..idempotency import idempotent, not_idempotent
from ..permissions import IsOps, IsOpsReviewer
from ..serializers import privacy as s


class MyDataExportsView(APIView):
    """Any signed-in person: their recent copies, and asking for a new one (one at a time; 409 while one is open)."""

    @extend_schema(responses=s.DataExportOutput(many=True), tags=["privacy"])
    def get(self, request):
        return Response(s.DataExportOutput(data_exports_of(user=request.user), many=True).data)

    @extend_schema(request=None, responses={201: s.DataExportOutput}, tags=["privacy"])
    @idempotent
    def post(self, request):
        export = data_export_request(actor=request.user)
        return Response(s.DataExportOutput(export).data, status=status.HTTP_201_CREATED)


class MyDataExportDownloadView(APIView):
    """The ZIP, once: after a download sent to the end a second answers 409 (``export_already_downloaded``)
    and the file is gone; a download cut short leaves the copy ready to download again."""

    @extend_schema(request=None, responses={(200, "application/zip"): bytes}, tags=["privacy"])
    @not_idempotent("creates nothing; the copy is handed over once, and a repeat is refused (409) by design")
    def post(self, request, pk: int):
        try:
            export, stream = data_export_download(export_id=pk, actor=request.user)
        except DataExport.DoesNotExist:
            raise Http404 from None
        # Closing the response closes the stream: only a copy sent to the end counts as downloaded.
        response = FileResponse(
            stream, as_attachment=True, filename=download_filename(export), content_type="application/zip"
        )
        response["Content-Length"] = stream.size
        return response


class MyErasureRequestsView(APIView):
    """Any signed-in person: their requests to have their data erased, and asking (409 while one is open)."""

    @extend_schema(responses=s.ErasureRequestOutput(many=True), tags=["privacy"])
    def get(self, request):
        return Response(s.ErasureRequestOutput(erasure_requests_of(user=request.user), many=True).data)

    @extend_schema(request=s.ErasureRequestInput, responses={201: s.ErasureRequestOutput}, tags=["privacy"])
    @idempotent
    def post(self, request):
        data = s.ErasureRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        erasure = erasure_request_open(actor=request.user, statement=data.validated_data["statement"])
        return Response(s.ErasureRequestOutput(erasure).data, status=status.HTTP_201_CREATED)


class MyErasureRequestWithdrawView(APIView):
    @extend_schema(request=None, responses=s.ErasureRequestOutput, tags=["privacy"])
    @idempotent
    def post(self, request, pk: int):
        own = erasure_requests_of(user=request.user).filter(pk=pk).first()
        if own is None:
            raise Http404
        return Response(s.ErasureRequestOutput(erasure_request_withdraw(actor=request.user, request=own)).data)


class OpsErasureRequestListView(APIView):
    """Operations reviewers: open requests, oldest first, each with what still stops it."""

    permission_classes = [IsOpsReviewer]

    @extend_schema(responses=s.OpsErasureRequestOutput(many=True), tags=["privacy"])
    def get(self, request):
        return Response(s.OpsErasureRequestOutput(erasure_queue(), many=True, context={"request": request}).data)


class OpsErasureRequestDecisionView(APIView):
    """Erase the person (400 with the reasons while something stops it) or refuse with reasons."""

    permission_classes = [IsOpsReviewer]

    @extend_schema(request=s.ErasureDecisionInput, responses=s.OpsErasureRequestOutput, tags=["privacy"])
    @idempotent
    def post(self, request, pk: int):
        erasure = erasure_request_get(pk=pk)
        if erasure is None:
            raise Http404
        data = s.ErasureDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        decided = erasure_request_decide(
            actor=request.user,
            request=erasure,
            erase=data.validated_data["erase"],
            reason=data.validated_data["reason"],
        )
        return Response(s.OpsErasureRequestOutput(decided, context={"request": request}).data)


EMAIL_FILTER_MAX_LENGTH = 254


class OpsLegalHoldListView(ListAPIView):
    """Every operations account reads legal holds (in force first, then released); reviewers place them.

    Holds on the caller themselves are left out: the person under a hold is not told."""

    permission_classes = [IsOps]
    serializer_class = s.LegalHoldOutput

    def get_queryset(self):
        email = self.request.query_params.get("email", "")
        if len(email) > EMAIL_FILTER_MAX_LENGTH:
            raise ApplicationError(
                "The email filter is too long.",
                code="invalid",
                fields={"email": [f"At most {EMAIL_FILTER_MAX_LENGTH} characters."]},
            )
        return legal_holds(viewer=self.request.user, email=email)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "email",
                {"type": "string", "maxLength": EMAIL_FILTER_MAX_LENGTH},
                required=False,
                description="Only people whose email contains this.",
            )
        ],
        tags=["privacy"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.LegalHoldInput, responses={201: s.LegalHoldOutput}, tags=["privacy"])
    @idempotent
    def post(self, request):
        if not IsOpsReviewer().has_permission(request, self):
            self.permission_denied(request, message=IsOpsReviewer.message)
        data = s.LegalHoldInput(data=request.data)
        data.is_valid(raise_exception=True)
        person = person_by_email(email=data.validated_data["email"])
        if person is None:
            raise ApplicationError(
                "Nobody has an account with this email address.",
                code="invalid",
                fields={"email": ["Nobody has an account with this email address."]},
            )
        hold = legal_hold_place(actor=request.user, user=person, reason=data.validated_data["reason"])
        return Response(s.LegalHoldOutput(hold).data, status=status.HTTP_201_CREATED)


class OpsLegalHoldReleaseView(APIView):
    """Release a hold in force, saying why (409 ``legal_hold_released`` when already released)."""

    permission_classes = [IsOpsReviewer]

    @extend_schema(request=s.LegalHoldReleaseInput, responses=s.LegalHoldOutput, tags=["privacy"])
    @idempotent
    def post(self, request, pk: int):
        hold = legal_hold_get(pk=pk, viewer=request.user)
        if hold is None:
            raise Http404
        data = s.LegalHoldReleaseInput(data=request.data)
        data.is_valid(raise_exception=True)
        released = legal_hold_release(actor=request.user, hold=hold, note=data.validated_data["note"])
        return Response(s.LegalHoldOutput(legal_hold_get(pk=released.pk, viewer=request.user)).data)

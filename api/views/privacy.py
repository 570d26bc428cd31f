"""A person's copy of their data through the API: ask for it, follow it, download it once."""

from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from privacy.export import download_filename
from privacy.models import DataExport
from privacy.selectors import data_exports_of, erasure_queue, erasure_request_get, erasure_requests_of
from privacy.services import (
    data_export_download,
    data_export_request,
    erasure_request_decide,
    erasure_request_open,
    erasure_request_withdraw,
)

from ..idempotency import idempotent, not_idempotent
from ..permissions import IsOpsReviewer
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
        return Response(s.OpsErasureRequestOutput(erasure_queue(), many=True).data)


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
        return Response(s.OpsErasureRequestOutput(decided).data)

"""A person's copy of their data through the API: ask for it, follow it, download it once."""

from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from privacy.export import download_filename
from privacy.models import DataExport
from privacy.selectors import data_exports_of
from privacy.services import data_export_download, data_export_request

from ..idempotency import idempotent, not_idempotent
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
    """The ZIP, once: a second download answers 409 (``export_already_downloaded``) and the file is gone."""

    @extend_schema(request=None, responses={(200, "application/zip"): bytes}, tags=["privacy"])
    @not_idempotent("creates nothing; the copy is handed over once, and a repeat is refused (409) by design")
    def post(self, request, pk: int):
        try:
            export, handle = data_export_download(export_id=pk, actor=request.user)
        except DataExport.DoesNotExist:
            raise Http404 from None
        return FileResponse(
            handle, as_attachment=True, filename=download_filename(export), content_type="application/zip"
        )

"""The "Your data" page: ask for a copy of your data, see where it stands, download it once."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import ApplicationError

from ..export import SECTIONS, download_filename
from ..forms import ErasureRequestForm
from ..models import OPEN_EXPORT_STATUSES, DataExport, ErasureStatus
from ..retention import RULES
from ..selectors import data_exports_of, erasure_requests_of
from ..services import data_export_download, data_export_request
from ..services.exports import download_days


@login_required
@require_http_methods(["GET", "POST"])
def your_data(request):
    if request.method == "POST":
        try:
            data_export_request(actor=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "We are preparing a copy of your data. We will email you when it is ready.")
        return redirect("your-data")
    exports = list(data_exports_of(user=request.user))
    return render(
        request,
        "privacy/your_data.html",
        {
            "exports": exports,
            "open_export": next((export for export in exports if export.status in OPEN_EXPORT_STATUSES), None),
            "sections": SECTIONS,
            "download_days": download_days(),
            "rules": RULES,
            "erasure_requests": list(erasure_requests_of(user=request.user)[:5]),
            "open_erasure": erasure_requests_of(user=request.user).filter(status=ErasureStatus.OPEN).first(),
            "erasure_form": ErasureRequestForm(),
        },
    )


@login_required
@require_POST
def your_data_download(request, pk: int):
    try:
        export, stream = data_export_download(export_id=pk, actor=request.user)
    except DataExport.DoesNotExist:
        raise Http404("No such copy.") from None
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("your-data")
    # Closing the response closes the stream: only a copy sent to the end counts as downloaded.
    response = FileResponse(
        stream, as_attachment=True, filename=download_filename(export), content_type="application/zip"
    )
    response["Content-Length"] = stream.size
    return response

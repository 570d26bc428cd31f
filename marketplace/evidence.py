"""The evidence attached to an adjustment request, served privately: to its expert and to the
lab's reviewers only, as the credential documents are (``vetting/documents.py``).

Whatever the expert uploaded runs in a sandbox (no scripts, no forms, an origin of its own),
as a download under a neutral name, never sniffed as another type and never cached.
"""

from django.http import FileResponse, Http404

from . import selectors

_EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
DOWNLOAD_POLICY = "sandbox; default-src 'none'; frame-ancestors 'none'"


def late_evidence_response(*, user, pk: int) -> FileResponse:
    """The evidence of an adjustment request ``user`` may read; 404 for anyone else, or when there is none."""
    entry = selectors.late_evidence_visible_to(user=user, pk=pk)
    if entry is None:
        raise Http404
    response = FileResponse(entry.late_evidence.open("rb"), content_type=entry.late_evidence_type)
    filename = f"late-work-{entry.pk}{_EXTENSIONS.get(entry.late_evidence_type, '')}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

"""A message's attachment, served privately as credential documents are (``vetting/documents.py``):
to the thread's parties only, sandboxed, as a download under a neutral name, never sniffed or cached."""

from django.http import FileResponse, Http404

from vetting.documents import DOWNLOAD_POLICY

from . import selectors

_EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


def attachment_response(*, user, pk: int) -> FileResponse:
    """The attachment of message ``pk`` if ``user`` is a party to its thread; 404 for anyone else."""
    message = selectors.message_with_attachment_visible_to(user=user, pk=pk)
    if message is None:
        raise Http404
    response = FileResponse(message.attachment.open("rb"), content_type=message.attachment_type)
    filename = f"message-{message.pk}{_EXTENSIONS.get(message.attachment_type, '')}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

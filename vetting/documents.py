"""A credential's document, served privately: to its owner and to operations reviewers only.

The API (``/api/credentials/<pk>/document/``) and the pages (shown in a frame beside the
credential) answer with the same response.
"""

from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from . import selectors


def credential_document_response(*, user, pk: int) -> FileResponse:
    """The current document of a credential ``user`` may see; 404 for anyone else, or when there is none.

    Shown inline under a neutral name, never sniffed as another type and never kept by a
    browser or a proxy.
    """
    credential = selectors.credential_with_document_visible_to(user=user, pk=pk)
    document = credential.current_document if credential is not None else None
    if document is None:
        raise Http404
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = f'inline; filename="credential-{credential.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def credential_document_view(request, pk: int):
    """The pages' route to a document; which kind of person may open it is the page decorators' check."""
    return credential_document_response(user=request.user, pk=pk)

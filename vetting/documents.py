"""A credential's document, served privately: to its owner and to operations reviewers only.

A document is whatever the expert uploaded: a PDF may carry JavaScript (an ``/OpenAction``),
a file may not be what its type says. So every response runs it in a sandbox
(``Content-Security-Policy: sandbox``: no scripts, no forms, an origin of its own, so
nothing in it can act as the site) and, by default, as a download. The API
(``/api/credentials/<pk>/document/``) and the expert's page link answer with the download;
the operations review page shows the document inline in a sandboxed frame through
``/ops/credentials/<pk>/document/``, whose policy lets only this site frame it.
"""

from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from . import selectors

_EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
# Sandboxed, allowed to load nothing but itself; PDF viewers and images need no more.
DOWNLOAD_POLICY = "sandbox; default-src 'none'; frame-ancestors 'none'"
# The same, inline, for the operations viewer's frame on this site: without it the site's
# own frame-ancestors 'none' leaves the frame blank. Styles inline and images of its own
# for the browser's built-in viewers.
VIEWER_POLICY = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'"


def credential_document_response(*, user, pk: int, inline: bool = False) -> FileResponse:
    """The current document of a credential ``user`` may see; 404 for anyone else, or when there is none.

    Sandboxed, as a download under a neutral name unless ``inline`` (the operations viewer),
    never sniffed as another type and never kept by a browser or a proxy.
    """
    credential = selectors.credential_with_document_visible_to(user=user, pk=pk)
    document = credential.current_document if credential is not None else None
    if document is None:
        raise Http404
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    filename = f"credential-{credential.pk}{_EXTENSIONS.get(document.content_type, '')}"
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    response["Content-Security-Policy"] = VIEWER_POLICY if inline else DOWNLOAD_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def credential_document_view(request, pk: int):
    """The expert's page link: the download. Which kind of person may open it is the page decorators' check."""
    return credential_document_response(user=request.user, pk=pk)


@require_GET
def credential_document_viewer(request, pk: int):
    """The operations review page's frame: inline, sandboxed, framed by this site only."""
    return credential_document_response(user=request.user, pk=pk, inline=True)

"""A credential's current document, shown inside the expert's and the reviewer's pages."""

from __future__ import annotations

from django.views.decorators.clickjacking import xframe_options_sameorigin

from api.views.experts import CredentialDocumentView
from config.decorators import expert_required, ops_required

# The same permission-checked view as /api/credentials/<pk>/document/, allowed inside a
# same-origin frame: XFrameOptionsMiddleware answers DENY by default, which would leave
# the embedded PDF viewer blank.
_document_in_frame = xframe_options_sameorigin(CredentialDocumentView.as_view())
expert_credential_document = expert_required(_document_in_frame)
ops_credential_document = ops_required(_document_in_frame)

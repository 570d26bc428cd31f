"""A credential's current document, shown inside the expert's and the reviewer's pages."""

from __future__ import annotations

from django.views.decorators.clickjacking import xframe_options_sameorigin

from config.decorators import expert_required, ops_reviewer_required
from vetting.documents import credential_document_view

# The same response as /api/credentials/<pk>/document/, allowed inside a same-origin
# frame: XFrameOptionsMiddleware answers DENY by default, which would leave the embedded
# PDF viewer blank.
_document_in_frame = xframe_options_sameorigin(credential_document_view)
expert_credential_document = expert_required(_document_in_frame)
# Documents are for the reviewers who judge them; finance read the credential's facts only.
ops_credential_document = ops_reviewer_required(_document_in_frame)

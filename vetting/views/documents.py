"""A credential's current document: downloaded from the expert's page, shown inside the reviewer's."""

from __future__ import annotations

from django.views.decorators.clickjacking import xframe_options_sameorigin

from config.decorators import expert_required, ops_reviewer_required
from vetting.documents import credential_document_view, credential_document_viewer

expert_credential_document = expert_required(credential_document_view)
# Allowed inside a same-origin frame: XFrameOptionsMiddleware answers DENY by default,
# which would leave the embedded viewer blank. Its CSP says the same (frame-ancestors 'self').
# Documents are for the reviewers who judge them; finance read the credential's facts only.
ops_credential_document = ops_reviewer_required(xframe_options_sameorigin(credential_document_viewer))

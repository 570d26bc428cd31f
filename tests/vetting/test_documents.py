"""Credential documents are served so that nothing in them can run on the site.

A PDF may carry an /OpenAction with JavaScript, an "image" may be HTML: every route serves
a document with ``Content-Security-Policy: sandbox`` (no scripts, its own origin) and as a
download, except the operations viewer's frame, which shows it inline, sandboxed too, in a
frame only this site may embed.
"""

import pytest

from tests.helpers.factories import PDF_BYTES, make_credential, make_expert
from tests.helpers.page_world import sign_in

pytestmark = pytest.mark.django_db

OPEN_ACTION_PDF = PDF_BYTES.replace(b"%%EOF", b"") + (
    b"1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(document.cookie)) >> >> endobj\n%%EOF"
)


def _policy(response) -> list[str]:
    return [part.strip() for part in response["Content-Security-Policy"].split(";")]


def test_the_api_serves_a_document_as_a_sandboxed_download(client_for, reviewer_client):
    expert = make_expert()
    credential = make_credential(expert)

    for client in (client_for(expert.user), reviewer_client):
        response = client.get(f"/api/credentials/{credential.pk}/document/")
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert "sandbox" in _policy(response)
        assert response["X-Content-Type-Options"] == "nosniff"


def test_the_experts_page_link_downloads_the_document_sandboxed():
    expert = make_expert()
    credential = make_credential(expert)

    response = sign_in(expert.user).get(f"/expert/credentials/{credential.pk}/document/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in _policy(response)


def test_the_operations_viewer_shows_the_document_inline_in_a_sandboxed_frame_of_this_site(ops_reviewer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    credential = make_credential(
        make_expert(), document=SimpleUploadedFile("license.pdf", OPEN_ACTION_PDF, content_type="application/pdf")
    )
    reviewer = sign_in(*ops_reviewer)

    page = reviewer.get(f"/ops/credentials/{credential.pk}/").content.decode()
    document = reviewer.get(f"/ops/credentials/{credential.pk}/document/")

    assert f'<iframe src="/ops/credentials/{credential.pk}/document/"' in page
    assert document.status_code == 200
    assert document["Content-Disposition"].startswith("inline;")
    policy = _policy(document)
    # Without the site's frame-ancestors 'none' (which left the viewer blank), and sandboxed.
    assert "sandbox" in policy
    assert "frame-ancestors 'self'" in policy
    assert "default-src 'none'" in policy
    assert document["X-Frame-Options"] == "SAMEORIGIN"
    assert b"".join(document.streaming_content) == OPEN_ACTION_PDF

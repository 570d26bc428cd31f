"""Requests refused before a view reads them: bodies over the size limit and NUL characters in the query."""

import pytest
from django.test import override_settings

from tests.helpers.factories import PDF_BYTES

pytestmark = pytest.mark.django_db

BOUNDARY = "form-boundary"


def _multipart_document() -> bytes:
    return (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="document"; filename="license.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + PDF_BYTES + f"\r\n--{BOUNDARY}--\r\n".encode()


def test_an_api_upload_declaring_more_than_the_limit_is_refused_before_its_body_is_read(client, settings):
    declared = 200 * 1024 * 1024
    # The test client's body is a few hundred bytes: reading it as 200 MB would fail loudly.
    response = client.generic(
        "POST",
        "/api/me/credentials/",
        data=_multipart_document(),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(declared),
    )

    assert response.status_code == 413
    assert response.json() == {
        "code": "request_too_large",
        "message": f"The request is {declared:,} bytes; the limit is {settings.REQUEST_BODY_MAX_BYTES:,} bytes.",
    }


def test_a_page_upload_declaring_more_than_the_limit_is_refused_before_its_body_is_read(client):
    response = client.generic(
        "POST",
        "/expert/credentials/new/",
        data=_multipart_document(),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(200 * 1024 * 1024),
    )

    assert response.status_code == 413
    assert b"too large" in response.content


@override_settings(REQUEST_BODY_MAX_BYTES=1024)
def test_the_limit_comes_from_the_settings(client):
    small = client.post("/api/auth/signup/", data=b"{}", content_type="application/json")
    big = client.post("/api/auth/signup/", data=b" " * 2048, content_type="application/json")

    assert small.status_code == 400
    assert big.status_code == 413


def test_a_nul_character_in_a_search_or_filter_of_the_api_is_a_field_error(reviewer_client):
    response = reviewer_client.get("/api/ops/contributors/?status=applicant&search=ann%00")

    assert response.status_code == 400
    assert response.json()["fields"] == {"search": ["Null characters are not allowed."]}


def test_a_nul_character_in_the_query_of_a_page_is_a_bad_request(client):
    response = client.get("/accounts/login/?next=/expert/%00")

    assert response.status_code == 400

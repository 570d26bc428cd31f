"""An Idempotency-Key makes a retried POST do its work once and answer the same."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from api.models import IdempotentRequest
from vetting.models import Credential, TierDecision

from tests.helpers.factories import make_expert, pdf_upload

pytestmark = pytest.mark.django_db


def _form():
    return {
        "kind": "license",
        "field": "cardiology",
        "title": "Medical license",
        "issuer": "Board",
        "country": "US",
        "issued_on": "2015-06-01",
        "document": pdf_upload(),
    }


def test_retried_create_with_the_same_key_creates_once_and_replays_the_answer(client_for):
    expert = client_for(make_expert().user)
    first = expert.post("/api/me/credentials/", _form(), format="multipart", HTTP_IDEMPOTENCY_KEY="upload-1")
    again = expert.post("/api/me/credentials/", _form(), format="multipart", HTTP_IDEMPOTENCY_KEY="upload-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Credential.objects.count() == 1


def test_same_key_with_a_different_body_is_refused(client_for, reviewer_client):
    first = make_expert()
    second = make_expert()
    url = "/api/ops/tier-decisions/"
    ok = reviewer_client.post(
        url, {"contributor": first.pk, "tier": "crowd", "reason": "r"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert ok.status_code == 201
    reused = reviewer_client.post(
        url, {"contributor": second.pk, "tier": "crowd", "reason": "r"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert reused.status_code == 400 and reused.json()["code"] == "idempotency_key_reused"
    assert TierDecision.objects.count() == 1


def test_keys_are_per_user(client_for):
    a = client_for(make_expert().user)
    b = client_for(make_expert().user)
    assert a.post("/api/me/credentials/", _form(), format="multipart", HTTP_IDEMPOTENCY_KEY="same").status_code == 201
    assert b.post("/api/me/credentials/", _form(), format="multipart", HTTP_IDEMPOTENCY_KEY="same").status_code == 201
    assert Credential.objects.count() == 2


def test_a_refused_request_stores_nothing_so_a_corrected_retry_works(reviewer_client):
    contributor = make_expert()
    url = "/api/ops/tier-decisions/"
    bad = reviewer_client.post(url, {"contributor": contributor.pk, "tier": "crowd"}, format="json", HTTP_IDEMPOTENCY_KEY="x")
    assert bad.status_code == 400
    assert not IdempotentRequest.objects.exists()


def test_overlong_key_is_refused(reviewer_client):
    response = reviewer_client.post("/api/ops/tier-decisions/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_invalid"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_key_create_once(client_for):
    contributor = make_expert()
    token = client_for(contributor.user)._credentials["HTTP_AUTHORIZATION"]
    results = []
    barrier = threading.Barrier(2)

    def send():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=token)
        barrier.wait()
        try:
            results.append(
                client.post("/api/me/credentials/", _form(), format="multipart", HTTP_IDEMPOTENCY_KEY="race")
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in results) == [201, 201]
    assert len({r.json()["id"] for r in results}) == 1
    assert Credential.objects.count() == 1


def test_every_create_post_in_the_api_honours_idempotency_keys():
    """Each POST handler is either idempotent or says why it needs not be."""
    from django.urls import get_resolver

    from tests.helpers.api import api_routes

    views = {}
    for pattern in get_resolver().url_patterns:
        if str(pattern.pattern) == "api/":
            for sub in pattern.url_patterns:
                views[sub.name] = getattr(sub.callback, "view_class", None) or getattr(sub.callback, "cls", None)
    unmarked = []
    for name, method in api_routes():
        if method != "post":
            continue
        handler = views[name].post
        if not (getattr(handler, "idempotent", False) or getattr(handler, "idempotency_exempt", "")):
            unmarked.append(name)
    assert not unmarked, f"POST handlers without Idempotency-Key support: {unmarked}"

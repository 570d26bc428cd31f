"""JSON bodies the API cannot take are refused with a 400 that says why, and nothing is written."""

import json

import pytest

from accounts.models import User
from marketplace.models import TaskSubmission

from tests.helpers.factories import make_engagement, make_lab, make_open_project

pytestmark = pytest.mark.django_db


def _signup(client, body: bytes):
    return client.post("/api/auth/signup/", data=body, content_type="application/json")


def test_a_body_that_is_not_utf8_is_refused_saying_so(client):
    body = '{"email": "ana@example.com", "full_name": "Ana Müller", "password": "a long passphrase", "role": "expert"}'

    response = _signup(client, body.encode("latin-1"))

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "UTF-8" in response.json()["message"]
    assert not User.objects.filter(email="ana@example.com").exists()


def test_deeply_nested_json_is_refused_not_a_server_error(client):
    response = _signup(client, b"[" * 100_000 + b"]" * 100_000)

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "nested" in response.json()["message"]


def test_nesting_beyond_the_limit_is_refused_even_when_python_could_read_it(client):
    nested = "x"
    for _ in range(40):
        nested = [nested]
    response = _signup(client, json.dumps({"email": nested}).encode())

    assert response.status_code == 400
    assert "nested" in response.json()["message"]


def test_a_nul_character_anywhere_in_the_body_is_refused_naming_the_field(client_for, stripe_server):
    lab, owner = make_lab()
    project = make_open_project(lab, owner, pay_model="per_task", rate_minor=3000, task_estimate_minutes=20)
    engagement = make_engagement(project, owner)
    me = client_for(engagement.contributor.user)

    response = me.post(
        "/api/me/tasks/",
        {"engagement": engagement.pk, "task_reference": "T-1", "minutes": 20, "answer": {"label": "cat\u0000"}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"answer": {"label": ["Null characters are not allowed."]}}
    assert not TaskSubmission.objects.filter(engagement=engagement).exists()

import pytest

from .factories import make_credential, make_expert

pytestmark = pytest.mark.django_db


def test_expert_submits_credential_and_reviewer_sees_it_in_queue(client_for, reviewer_client):
    contributor = make_expert()
    credential = make_credential(contributor)
    response = reviewer_client.get("/api/ops/credentials/")
    assert response.status_code == 200, response.json()
    assert [row["id"] for row in response.json()["results"]] == [credential.pk]

import pytest

from tests.helpers.factories import make_credential, make_expert

pytestmark = pytest.mark.django_db


def test_expert_submits_credential_and_reviewer_sees_it_in_queue(client_for, reviewer_client):
    contributor = make_expert()
    credential = make_credential(contributor)
    response = reviewer_client.get("/api/ops/credentials/")
    assert response.status_code == 200, response.json()
    assert [row["id"] for row in response.json()["results"]] == [credential.pk]


def test_reviewer_question_emails_the_expert(reviewer_client, mailoutbox, django_capture_on_commit_callbacks):
    contributor = make_expert()
    credential = make_credential(contributor)
    reviewer_client.post(f"/api/ops/credentials/{credential.pk}/start-review/")
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(
            f"/api/ops/credentials/{credential.pk}/request-info/", {"question": "Send the back page too."}
        )
    assert response.status_code == 200, response.json()
    assert [m.to for m in mailoutbox] == [[contributor.user.email]]

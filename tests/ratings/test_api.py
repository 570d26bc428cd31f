"""The API of ratings: what is due, rating with field errors, the lab's aggregate and answer, operations' list."""

import pytest

from accounts.models import Role
from ratings.models import RatingReceipt
from ratings.services import lab_ratings_publish

from tests.helpers.factories import make_ops
from tests.helpers.ratings import NEXT_MONTH, lab_with_experts, rate

pytestmark = pytest.mark.django_db


def test_an_expert_lists_what_is_due_and_rates_with_field_errors_for_bad_scores(stripe_server, client_for):
    lab, _owner, project, [engagement] = lab_with_experts(1, name="Heron Labs")
    client = client_for(engagement.contributor.user)

    [due] = client.get("/api/me/lab-ratings/").json()
    assert due == {
        "engagement_id": engagement.pk,
        "project_title": project.title,
        "lab_id": lab.pk,
        "lab_name": "Heron Labs",
        "kind": "final",
        "period": "2026-06-01",
    }
    url = f"/api/me/lab-ratings/engagements/{engagement.pk}/"
    bad = client.post(url, {"clarity": 9, "fairness": 0, "speed": "fast", "comment": "x" * 1001}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"clarity", "fairness", "speed", "comment"}
    assert not RatingReceipt.objects.exists()

    done = client.post(url, {"clarity": 4, "fairness": 5, "speed": 3}, format="json")
    assert done.status_code == 201
    assert done.json() == {"engagement_id": engagement.pk, "kind": "final", "period": "2026-06-01"}
    again = client.post(url, {"clarity": 4, "fairness": 5, "speed": 3}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "not_due"
    assert client.get("/api/me/lab-ratings/").json() == []


def test_the_lab_reads_only_the_aggregate_its_owner_answers_and_operations_list_labs(stripe_server, client_for):
    lab, owner, _project, engagements = lab_with_experts(5)
    for engagement in engagements:
        rate(engagement, clarity=2, fairness=3, speed=4)
    lab_ratings_publish(now=NEXT_MONTH)

    lab_client = client_for(owner)
    body = lab_client.get(f"/api/labs/{lab.pk}/ratings/").json()
    assert (body["published"], body["raters"], body["clarity"], body["answer"]) == (True, 5, "2.00", None)
    empty = lab_client.put(f"/api/labs/{lab.pk}/ratings/answer/", {"body": ""}, format="json")
    assert empty.status_code == 400
    answered = lab_client.put(
        f"/api/labs/{lab.pk}/ratings/answer/", {"body": "We are rewriting our guide."}, format="json"
    )
    assert answered.status_code == 200 and answered.json()["answer"]["body"] == "We are rewriting our guide."

    reviewer, secret = make_ops(Role.OPS_REVIEWER)
    [row] = client_for(reviewer, secret).get("/api/ops/lab-ratings/").json()
    assert (row["lab_id"], row["below_threshold"], row["raters"]) == (lab.pk, True, 5)
    assert row["answer"]["body"] == "We are rewriting our guide."

"""Quality scores from gold answers, peer agreement and reviews, with a hand-computed example."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from config.errors import ApplicationError
from marketplace.models import QualityScore
from marketplace.selectors import reviewer_scores
from marketplace.services import (
    gold_answer_add,
    invitation_send,
    quality_scores_compute,
    staffing_request_accept,
    task_submit,
    work_approve,
    work_reject,
)

from tests.helpers.factories import make_lab, make_open_project, make_vetted_expert

pytestmark = pytest.mark.django_db


def test_scores_match_the_hand_computed_example(stripe_server):
    lab, owner = make_lab()
    project = make_open_project(
        lab, owner, pay_model="per_task", rate_minor=3000, task_estimate_minutes=20, headcount=3, overlap=3
    )
    type(project).objects.filter(pk=project.pk).update(starts_on=timezone.now().date() - timedelta(days=3))
    experts = [make_vetted_expert() for _ in range(3)]
    engagements = [
        staffing_request_accept(actor=e.user, request=invitation_send(actor=owner, project=project, contributor=e))
        for e in experts
    ]
    gold_answer_add(actor=owner, project=project, task_reference="G1", label="yes")
    with pytest.raises(ApplicationError):
        gold_answer_add(actor=owner, project=project, task_reference="G1", label="no")

    labels = {
        0: {"G1": "yes", "I1": "x", "I2": "p"},
        1: {"G1": "no", "I1": "x", "I2": "q"},
        2: {"I1": "y", "I2": "p"},
    }
    submitted = {}
    for index, answers in labels.items():
        for ref, label in answers.items():
            submitted[(index, ref)] = task_submit(
                actor=experts[index].user,
                engagement=engagements[index],
                task_reference=ref,
                minutes=15,
                answer={"label": label},
            )
    for ref in ("G1", "I1", "I2"):
        work_approve(actor=owner, item=submitted[(0, ref)])
    work_reject(actor=owner, item=submitted[(1, "G1")], reason="Wrong answer on a known item")

    result = quality_scores_compute(actor=owner, project=project)
    # Coincidences: yes-no 2, x-x 1, x-y 2, p-p 1, p-q 2; n = 8; alpha = 1 - 7 * 6 / 52.
    assert result["project_alpha"] == pytest.approx(1 - 42 / 52)
    scores = {q.contributor_id: q for q in QualityScore.objects.filter(project=project)}
    a, b, c = (scores[e.pk] for e in experts)
    # A: gold 1/1, agreement 2/3 (tie on I1 and I2 counts as agreeing), reviews 3/3.
    assert a.score == Decimal("0.900")
    assert a.inputs["gold"] == {"correct": 1, "total": 1}
    assert a.inputs["agreement"] == {"agreed_with_others": 2, "items_compared": 3}
    assert a.inputs["reviews"] == {"approved": 3, "reviewed": 3}
    # B: gold 0/1, agreement 1/3, reviews 0/1 -> 0.3 * 1/3.
    assert b.score == Decimal("0.100")
    # C: only agreement is known (1 of 2); the other weights are left out, not counted as zero.
    assert c.score == Decimal("0.500")
    assert set(c.inputs) == {"weights", "agreement", "project_alpha"}
    experts[0].refresh_from_db()
    assert experts[0].quality_score == Decimal("0.900")

    reviewer = reviewer_scores(project=project)[0]
    assert (reviewer["reviewed"], reviewer["rejected"], reviewer["gold_reviewed"]) == (4, 1, 2)
    assert reviewer["gold_accuracy"] == 1.0
    assert reviewer["overturned_share"] == 0.0

    again = quality_scores_compute(actor=None, project=project)
    assert again["experts"] == 3
    assert QualityScore.objects.filter(project=project).count() == 3


def test_no_work_means_no_scores(stripe_server):
    lab, owner = make_lab()
    project = make_open_project(lab, owner)
    assert quality_scores_compute(actor=owner, project=project) == {"project_alpha": None, "experts": 0}

"""Time approved automatically, a lab's sanctions block and a project an expert does not meet are reviewable."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from marketplace.models import ReviewStatus
from marketplace.services import lab_member_add, time_entry_log, work_auto_approve_sweep
from oversight.models import RequestStatus, ReviewRequest
from oversight.selectors import decisions_about
from screening.services import screening_review_propose

from tests.helpers.factories import UserFactory, make_lab, make_open_project, make_ops, make_running_engagement
from tests.helpers.page_world import a_lab_screening_review, sign_in

pytestmark = pytest.mark.django_db


def _ask(user, system: str, subject_id: int, statement: str) -> ReviewRequest:
    response = sign_in(user).post(reverse("oversight-request-new", args=[system, subject_id]), {"statement": statement})
    assert response.status_code == 302, response.content.decode()[:500]
    return ReviewRequest.objects.get(requester=user, system=system, subject_id=subject_id)


def _decide(browser, request: ReviewRequest, **data):
    return browser.post(reverse("oversight-ops-decide", args=[request.pk]), data)


def test_time_approved_automatically_is_reviewable_from_the_timesheet(stripe_server):
    engagement, owner = make_running_engagement()
    expert = engagement.contributor.user
    entry = time_entry_log(
        actor=expert,
        engagement=engagement,
        activity="meeting",
        work_date=timezone.now().date() - timedelta(days=1),
        minutes=45,
    )
    timesheet = reverse("expert-timesheet", args=[engagement.pk])
    ask = reverse("oversight-request-new", args=["time_auto_approval", entry.pk])
    # Not approved automatically yet: nothing to ask about, and anyone asking is answered 404.
    assert ask not in sign_in(expert).get(timesheet).content.decode()
    assert sign_in(expert).get(ask).status_code == 404

    assert work_auto_approve_sweep(now=timezone.now() + timedelta(days=30)) == 1
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.AUTO_APPROVED
    week = sign_in(expert).get(f"{timesheet}?week={entry.work_date - timedelta(days=entry.work_date.weekday())}")
    assert ask in week.content.decode()
    assert any(d.system.key == "time_auto_approval" for d, _ in decisions_about(user=expert))
    # Someone else's entry is not theirs to ask about.
    other, _ = make_running_engagement()
    assert sign_in(other.contributor.user).get(ask).status_code == 404

    request = _ask(expert, "time_auto_approval", entry.pk, "The lab never looked at my meeting notes.")
    assert "45 minutes of meeting" in request.decision
    assert request.configured_by == engagement.project.created_by == owner
    ops = sign_in(*make_ops(Role.OPS_REVIEWER))
    decided = _decide(ops, request, outcome="overturned", reason="The lab should have reviewed it.")
    assert decided.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.OVERTURNED
    assert "stays approved and paid" in request.effect
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.AUTO_APPROVED


def test_a_member_of_a_lab_blocked_by_screening_asks_and_the_proposer_cannot_decide():
    review = a_lab_screening_review()
    lab_id = review.subject.ref_id
    from marketplace.models import Lab

    lab = Lab.objects.get(pk=lab_id)
    owner = lab.memberships.get().user
    colleague = UserFactory(role=Role.LAB_MEMBER)
    lab_member_add(actor=owner, lab=lab, email=colleague.email, role="viewer")
    proposer, proposer_secret = make_ops(Role.OPS_REVIEWER)
    screening_review_propose(actor=proposer, review=review, decision="clear", reason="A different company.")

    page = sign_in(colleague).get(reverse("lab-detail", args=[lab.pk])).content.decode()
    assert "Funding blocked by sanctions screening" in page
    ask = reverse("oversight-request-new", args=["sanctions_screening", lab.pk])
    assert ask in page
    # Someone outside the lab gets nothing.
    outsider_lab, outsider = make_lab()
    assert sign_in(outsider).get(ask).status_code == 404
    assert (
        reverse("oversight-request-new", args=["sanctions_screening", outsider_lab.pk])
        not in sign_in(outsider).get(reverse("lab-detail", args=[outsider_lab.pk])).content.decode()
    )
    assert (
        sign_in(outsider)
        .get(reverse("oversight-request-new", args=["sanctions_screening", outsider_lab.pk]))
        .status_code
        == 404
    )

    request = _ask(colleague, "sanctions_screening", lab.pk, "We are not the company on the list.")
    assert request.configured_by == proposer
    assert lab.name in request.decision
    refused = _decide(
        sign_in(proposer, proposer_secret), request, outcome="overturned", reason="I proposed clearing it."
    )
    assert refused.status_code == 403
    ops = sign_in(*make_ops(Role.OPS_REVIEWER))
    assert _decide(ops, request, outcome="overturned", reason="Clearly another company.").status_code == 302
    request.refresh_from_db()
    assert "two people of operations clear the sanctions review" in request.effect
    # The block is the screening review's to end, with its own four eyes.
    assert "Funding blocked" in sign_in(colleague).get(reverse("lab-detail", args=[lab.pk])).content.decode()


def test_an_expert_told_they_miss_a_project_requirement_can_ask_for_a_review(stripe_server):
    engagement, _ = make_running_engagement()
    expert = engagement.contributor
    lab, owner = make_lab()
    project = make_open_project(lab, owner, languages=["en", "ja"], title="Japanese clinical notes")
    page = sign_in(expert.user).get(reverse("expert-projects")).content.decode()
    assert "You do not meet every requirement yet" in page
    assert "The project needs English, Japanese" in page
    ask = reverse("oversight-request-new", args=["matching", project.pk])
    assert ask in page
    # The project the expert already works on says nothing of the kind.
    assert reverse("oversight-request-new", args=["matching", engagement.project_id]) not in page
    assert (
        sign_in(expert.user).get(reverse("oversight-request-new", args=["matching", engagement.project_id])).status_code
        == 404
    )

    request = _ask(expert.user, "matching", project.pk, "I read and write Japanese; my profile was out of date.")
    assert "Japanese" in request.decision
    assert request.configured_by == owner
    ops = sign_in(*make_ops(Role.OPS_REVIEWER))
    detail = ops.get(reverse("oversight-ops-request", args=[request.pk])).content.decode()
    assert "Overturning:" in detail and "the lab&#x27;s requirements themselves stay the lab&#x27;s" in detail
    assert _decide(ops, request, outcome="overturned", reason="Add Japanese to your profile.").status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.OVERTURNED and "through their own reviews" in request.effect

"""An expert asks for a person to review an automatic hold, operations answer in time, the expert reads why.

Screenshots land in test-output/screenshots/oversight-*.png.
"""

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from marketplace.models import ReviewStatus
from marketplace.services import invitation_send, staffing_request_accept, task_submit
from oversight.models import ReviewRequest

from tests.helpers.browser import UNLABELLED_CONTROLS_JS, log_in, log_in_ops, watch_server_errors
from tests.helpers.factories import make_lab, make_open_project, make_ops, make_vetted_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _serious_violations(page) -> list[str]:
    results = Axe().run(page, options=WCAG)
    return [
        f"{page.url} {v['id']}: {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def _held_task():
    lab, owner = make_lab(name="Helix Research")
    project = make_open_project(
        lab,
        owner,
        title="Radiology labels",
        pay_model="per_task",
        rate_minor=300,
        task_estimate_minutes=10,
        min_tier="bulk",
        required_credential_kinds=[],
    )
    type(project).objects.filter(pk=project.pk).update(starts_on=timezone.now().date() - timedelta(days=3))
    expert = make_vetted_expert()
    engagement = staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=owner, project=project, contributor=expert)
    )
    return task_submit(actor=expert.user, engagement=engagement, task_reference="RX-7", minutes=4)


def test_an_expert_asks_a_person_to_review_an_automatic_hold_and_reads_the_reasons(
    browser, live_server, page, screenshot, stripe_server
):
    errors = watch_server_errors(page)
    task = _held_task()
    assert task.status == ReviewStatus.HELD
    reviewer, secret = make_ops(Role.OPS_REVIEWER)

    # The public page, before signing in.
    page.goto("/automated-decisions/")
    expect(page.get_by_role("heading", name="Holds on fast submissions")).to_be_visible()
    expect(page.get_by_text("emotional state")).to_be_visible()
    screenshot(page, "oversight-public-page")
    problems = _serious_violations(page)

    log_in(page, task.contributor.user.email)
    page.goto(f"/expert/engagements/{task.engagement_id}/tasks/")
    entry = page.locator(f"#task-{task.pk}")
    expect(entry.get_by_text("Held:")).to_be_visible()
    entry.get_by_role("link", name=re.compile("Ask a person to review this")).click()
    expect(page.get_by_text("Done in 4 of an estimated 10 minutes")).to_be_visible()
    expect(page.get_by_text("within 7 days")).to_be_visible()
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
    page.get_by_label("What should a person look at again?").fill(
        "I label these every day; four minutes is my usual pace and the labels are right."
    )
    screenshot(page, "oversight-ask")
    problems += _serious_violations(page)
    page.get_by_role("button", name="Send to a person").click()
    expect(page.get_by_text("Answer due by")).to_be_visible()
    expect(page.get_by_text("Your request is with operations. They answer by")).to_be_visible()
    request = ReviewRequest.objects.get()
    assert request.due_at == request.opened_at + timedelta(days=7)
    screenshot(page, "oversight-asked")

    ops_context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    ops = ops_context.new_page()
    ops.set_default_timeout(15000)
    ops_errors = watch_server_errors(ops)
    log_in_ops(ops, reviewer, secret)
    ops.get_by_role("link", name="Reviews of automated decisions").click()
    expect(ops.get_by_role("cell", name="0 days")).to_be_visible()
    screenshot(ops, "oversight-ops-queue")
    problems += _serious_violations(ops)
    ops.get_by_role("link", name=f"Request #{request.pk}").click()
    expect(ops.get_by_text("four minutes is my usual pace")).to_be_visible()
    problems += _serious_violations(ops)
    ops.get_by_label("Decision overturned").check()
    ops.get_by_label("Reasons the person will read").fill(
        "This expert's earlier labels on the project were all approved; four minutes is plausible. "
        "The hold is lifted and the lab reviews the task as usual."
    )
    ops.get_by_role("button", name="Decide").click()
    expect(ops.get_by_text("Decided. The person is told, with your reasons.")).to_be_visible()
    screenshot(ops, "oversight-ops-decided")
    ops_context.close()

    request.refresh_from_db()
    assert request.decided_at <= request.due_at
    page.goto(f"/automated-decisions/reviews/{request.pk}/")
    expect(page.get_by_role("heading", name="Decision overturned")).to_be_visible()
    expect(page.get_by_text("four minutes is plausible")).to_be_visible()
    expect(page.get_by_text("The hold on task RX-7 was lifted")).to_be_visible()
    screenshot(page, "oversight-reasons")
    problems += _serious_violations(page)
    page.goto(f"/expert/engagements/{task.engagement_id}/tasks/")
    expect(page.locator(f"#task-{task.pk}").get_by_text("Waiting for review")).to_be_visible()
    assert errors == [] and ops_errors == []
    assert problems == []


def test_operations_re_score_a_failed_assessment_on_review_and_the_expert_sees_it_passed(
    browser, live_server, page, screenshot
):
    from oversight.services import review_request_open
    from vetting.services import assessment_attempt_start, assessment_attempt_submit, assessment_create

    errors = watch_server_errors(page)
    expert = make_vetted_expert()
    author, _ = make_ops(Role.OPS_REVIEWER)
    assessment = assessment_create(
        actor=author,
        title="Triage basics",
        domain=expert.credentials.get().field,
        description="",
        questions=[{"prompt": "Chest pain at rest?", "choices": ["Urgent", "Emergency"], "answer": 0}],
        pass_mark_percent=50,
        time_limit_minutes=10,
    )

    def failed(contributor):
        attempt = assessment_attempt_start(actor=contributor.user, contributor=contributor, assessment=assessment)
        return assessment_attempt_submit(actor=contributor.user, attempt=attempt, answers=[1])

    attempt = failed(expert)
    # Another expert's request waits past its answer date, so the queue shows what overdue looks like.
    other = make_vetted_expert()
    overdue = review_request_open(
        actor=other.user, system="assessment_scoring", subject_id=failed(other).pk, statement="Look again."
    )
    ReviewRequest.objects.filter(pk=overdue.pk).update(
        opened_at=timezone.now() - timedelta(days=9), due_at=timezone.now() - timedelta(days=2, hours=1)
    )
    reviewer, secret = make_ops(Role.OPS_REVIEWER)

    log_in(page, expert.user.email)
    page.goto(f"/expert/attempts/{attempt.pk}/")
    expect(page.get_by_text("Not passed")).to_be_visible()
    page.get_by_role("link", name="Ask a person to review this").click()
    page.get_by_label("What should a person look at again?").fill("“Emergency” is the safer answer here.")
    page.get_by_role("button", name="Send to a person").click()
    expect(page.get_by_text("Answer due by")).to_be_visible()
    request = ReviewRequest.objects.get(requester=expert.user)

    ops_context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    ops = ops_context.new_page()
    ops.set_default_timeout(15000)
    ops_errors = watch_server_errors(ops)
    log_in_ops(ops, reviewer, secret)
    ops.get_by_role("link", name="Reviews of automated decisions").click()
    expect(ops.get_by_text("1 overdue.")).to_be_visible()
    expect(ops.get_by_text("Overdue by 2 days")).to_be_visible()
    screenshot(ops, "oversight-ops-queue-overdue")
    problems = _serious_violations(ops)
    assert overdue.pk != request.pk
    ops.get_by_role("link", name=f"Request #{request.pk}").click()
    expect(ops.get_by_text("re-scored by the reviewer")).to_be_visible()
    ops.get_by_label("Decision overturned").check()
    ops.get_by_label("Reasons the person will read").fill("Both answers are defensible; the key is corrected.")
    ops.get_by_role("button", name="Decide").click()
    expect(ops.get_by_text("required to overturn")).to_be_visible()
    problems += _serious_violations(ops)
    ops.get_by_label("Decision overturned").check()
    ops.get_by_label("Reasons the person will read").fill("Both answers are defensible; the key is corrected.")
    ops.get_by_label("Corrected score").fill("100")
    ops.get_by_role("button", name="Decide").click()
    expect(ops.get_by_text("Decided. The person is told, with your reasons.")).to_be_visible()
    ops_context.close()

    page.goto(f"/expert/attempts/{attempt.pk}/")
    expect(page.get_by_text(re.compile(r"^Passed \(pass mark"))).to_be_visible()
    expect(page.get_by_text("from the automatic 0.00%")).to_be_visible()
    screenshot(page, "oversight-rescored")
    problems += _serious_violations(page)
    assert errors == [] and ops_errors == []
    assert problems == []

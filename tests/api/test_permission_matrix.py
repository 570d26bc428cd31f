"""Who may call what: every API route against every kind of caller.

The routes come from the URL configuration, so a new endpoint without an entry here
fails the suite instead of shipping unchecked.
"""

from datetime import date

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from accounts.models import ApiToken, Notice, Role
from identity.services import account_case_open_duplicate
from marketplace.services import instruction_publish, invitation_send
from oversight.services import review_request_open
from vetting.services import (
    assessment_attempt_start,
    assessment_create,
    deactivation_case_open,
    tier_decision_propose,
)

from tests.helpers.api import api_routes as _api_routes
from tests.helpers.factories import make_expert, make_lab, make_open_project, make_ops, make_vetted_expert
from tests.helpers.lab_invitations import invitation_with_link
from tests.helpers.page_world import a_legal_hold, an_erasure_request, conversation_objects

ROLES = [
    "anonymous",
    "owner",
    "other_expert",
    "lab_member",
    "other_lab_member",
    "lab_viewer",
    "lab_reviewer",
    "ops_reviewer",
    "ops_finance",
    "ops_without_mfa",
]

OK, DENIED, HIDDEN = "ok", "denied", "hidden"

PUBLIC = dict.fromkeys(ROLES, OK)
SIGNED_IN = {**dict.fromkeys(ROLES, OK), "anonymous": DENIED}
EXPERT_SELF = {**dict.fromkeys(ROLES, DENIED), "owner": OK, "other_expert": OK}
EXPERT_OBJECT_READ = {**EXPERT_SELF, "other_expert": HIDDEN, "ops_reviewer": OK, "ops_finance": OK}
# Credential documents (identity papers, licences) are for their owner and the reviewers.
CREDENTIAL_DOCUMENT = {**EXPERT_OBJECT_READ, "ops_finance": DENIED}
EXPERT_OBJECT_ACTION = {**EXPERT_SELF, "other_expert": HIDDEN}
OPS_READ = {**dict.fromkeys(ROLES, DENIED), "ops_reviewer": OK, "ops_finance": OK}
OPS_REVIEWER = {**dict.fromkeys(ROLES, DENIED), "ops_reviewer": OK}
OPS_FINANCE = {**dict.fromkeys(ROLES, DENIED), "ops_finance": OK}
LAB_SELF = {
    **dict.fromkeys(ROLES, DENIED),
    "lab_member": OK,
    "other_lab_member": OK,
    "lab_viewer": OK,
    "lab_reviewer": OK,
}
# "lab_member" owns the lab; "lab_viewer" and "lab_reviewer" hold those roles in it.
LAB_OBJECT = {**LAB_SELF, "other_lab_member": HIDDEN}
# What only the lab's owners and managers may read or do: money paid in, editing, staffing.
LAB_EDITORS = {**LAB_OBJECT, "lab_viewer": DENIED, "lab_reviewer": DENIED}
# What only the lab's owners may do: manage its members and invitations.
LAB_OWNERS = {**LAB_OBJECT, "lab_viewer": DENIED, "lab_reviewer": DENIED}
# A project's instructions: its lab and the expert engaged on it.
INSTRUCTIONS_READ = {**LAB_OBJECT, "owner": OK, "other_expert": HIDDEN}
# The world's request is an invitation: only the invited expert answers it.
WORK_ACTION = {
    **dict.fromkeys(ROLES, HIDDEN),
    "anonymous": DENIED,
    "owner": DENIED,
    "lab_member": OK,
    "lab_reviewer": OK,
    "lab_viewer": DENIED,
}
# Conversations: every kind of account lists its own; a thread about a time entry is its
# expert's and its lab's, and does not exist for anyone else (operations included).
PARTIES = {**SIGNED_IN, "ops_without_mfa": DENIED}
THREAD = {
    **LAB_OBJECT,
    "anonymous": DENIED,
    "owner": OK,
    "other_expert": HIDDEN,
    "ops_reviewer": HIDDEN,
    "ops_finance": HIDDEN,
    "ops_without_mfa": DENIED,
}
INVITATION_ANSWER = {**dict.fromkeys(ROLES, DENIED), "owner": OK, "other_expert": HIDDEN, "other_lab_member": HIDDEN}

# Experts and lab members, the people automated decisions are about.
PERSON = {**dict.fromkeys(ROLES, DENIED), **dict.fromkeys(("owner", "other_expert"), OK)}
PERSON = {**PERSON, **dict.fromkeys(("lab_member", "other_lab_member", "lab_viewer", "lab_reviewer"), OK)}
# The owner's review request: nobody else learns it exists.
PERSON_OBJECT = {
    **PERSON,
    **dict.fromkeys(("other_expert", "lab_member", "other_lab_member", "lab_viewer", "lab_reviewer"), HIDDEN),
}

# (route name, method) -> expected outcome per role
MATRIX = {
    # oversight
    ("api-automated-systems", "get"): PUBLIC,
    ("api-my-review-requests", "get"): PERSON,
    ("api-my-review-requests", "post"): PERSON,
    ("api-my-review-request", "get"): PERSON_OBJECT,
    ("api-ops-review-requests", "get"): OPS_READ,
    ("api-ops-review-request-decision", "post"): OPS_REVIEWER,
    # ratings: experts rate the labs of their engagements; a lab reads its aggregate, its
    # owners and managers answer it; operations list labs by rating
    ("api-my-lab-ratings", "get"): EXPERT_SELF,
    ("api-my-lab-rating", "post"): EXPERT_OBJECT_ACTION,
    ("api-lab-ratings", "get"): LAB_OBJECT,
    ("api-lab-rating-answer", "put"): LAB_EDITORS,
    ("api-ops-lab-ratings", "get"): OPS_READ,
    ("api-schema", "get"): PUBLIC,
    ("api-docs", "get"): PUBLIC,
    ("api-redoc", "get"): PUBLIC,
    ("api-signup", "post"): PUBLIC,
    ("api-verify-email", "post"): PUBLIC,
    ("api-token", "post"): PUBLIC,
    ("api-token", "delete"): SIGNED_IN | {"ops_without_mfa": DENIED},
    ("api-tokens", "get"): SIGNED_IN,
    # One of the owner's tokens: nobody else learns it exists.
    ("api-token-revoke", "delete"): {**dict.fromkeys(ROLES, HIDDEN), "anonymous": DENIED, "owner": OK},
    ("api-me", "get"): SIGNED_IN,
    # Everyone's own inbox; operations' lists their queues, so it needs their second factor.
    ("api-inbox", "get"): SIGNED_IN | {"ops_without_mfa": DENIED},
    ("api-notices", "get"): SIGNED_IN,
    # One of the owner's notices: nobody else learns it exists.
    ("api-notice-read", "post"): {**dict.fromkeys(ROLES, HIDDEN), "anonymous": DENIED, "owner": OK},
    ("api-notices-read-all", "post"): SIGNED_IN,
    ("api-notice-preferences", "get"): SIGNED_IN,
    ("api-notice-preferences", "put"): SIGNED_IN,
    ("api-data-exports", "get"): SIGNED_IN,
    ("api-data-exports", "post"): SIGNED_IN,
    # A person's copy of their data is theirs alone.
    ("api-data-export-download", "post"): {**dict.fromkeys(ROLES, HIDDEN), "anonymous": DENIED, "owner": OK},
    ("api-erasure-requests", "get"): SIGNED_IN,
    ("api-erasure-requests", "post"): SIGNED_IN,
    # A request to be erased is withdrawn by the person who made it; for anyone else it does not exist.
    ("api-erasure-request-withdraw", "post"): {**dict.fromkeys(ROLES, HIDDEN), "anonymous": DENIED, "owner": OK},
    ("api-ops-erasure-requests", "get"): OPS_REVIEWER,
    ("api-ops-erasure-request-decision", "post"): OPS_REVIEWER,
    # Legal holds: every operations account reads them, reviewers place and release them.
    ("api-ops-legal-holds", "get"): OPS_READ,
    ("api-ops-legal-holds", "post"): OPS_REVIEWER,
    ("api-ops-legal-hold-release", "post"): OPS_REVIEWER,
    ("api-domains", "get"): SIGNED_IN,
    ("api-profile", "get"): EXPERT_SELF,
    ("api-profile", "put"): EXPERT_SELF,
    ("api-credentials", "get"): EXPERT_SELF,
    ("api-credentials", "post"): EXPERT_SELF,
    ("api-credential", "get"): EXPERT_OBJECT_READ,
    ("api-credential-document", "get"): CREDENTIAL_DOCUMENT,
    ("api-credential-answer", "post"): EXPERT_OBJECT_ACTION,
    ("api-assessments", "get"): EXPERT_SELF,
    ("api-attempt-start", "post"): EXPERT_SELF,
    ("api-attempts", "get"): EXPERT_SELF,
    ("api-attempt-submit", "post"): EXPERT_OBJECT_ACTION,
    ("api-my-cases", "get"): EXPERT_SELF,
    ("api-case-respond", "post"): EXPERT_OBJECT_ACTION,
    ("api-case-appeal", "post"): EXPERT_OBJECT_ACTION,
    ("api-my-identity", "get"): EXPERT_SELF,
    # Both experts are verified already: refused with 409, before Stripe is reached.
    ("api-identity-verification", "post"): EXPERT_SELF,
    ("api-account-case-answer", "post"): EXPERT_OBJECT_ACTION,
    ("api-ops-account-cases", "get"): OPS_READ,
    ("api-ops-account-case-decision", "post"): OPS_REVIEWER,
    ("api-ops-credentials", "get"): OPS_READ,
    ("api-ops-credential-start", "post"): OPS_REVIEWER,
    ("api-ops-credential-info", "post"): OPS_REVIEWER,
    ("api-ops-credential-verify", "post"): OPS_REVIEWER,
    ("api-ops-credential-reject", "post"): OPS_REVIEWER,
    ("api-ops-contributors", "get"): OPS_READ,
    ("api-ops-contributor", "get"): OPS_READ,
    ("api-ops-tier-decisions", "get"): OPS_REVIEWER,
    ("api-ops-tier-decisions", "post"): OPS_REVIEWER,
    ("api-ops-tier-approve", "post"): OPS_REVIEWER,
    ("api-ops-tier-decline", "post"): OPS_REVIEWER,
    ("api-ops-assessments", "post"): OPS_REVIEWER,
    ("api-ops-cases", "get"): OPS_REVIEWER,
    ("api-ops-cases", "post"): OPS_REVIEWER,
    ("api-ops-case-notice", "post"): OPS_REVIEWER,
    ("api-ops-case-decide", "post"): OPS_REVIEWER,
    ("api-ops-case-appeal", "post"): OPS_REVIEWER,
    ("api-ops-audit", "get"): OPS_READ,
    ("api-ops-screening-reviews", "get"): OPS_READ,
    ("api-ops-screening-review", "get"): OPS_READ,
    ("api-ops-screening-review-propose", "post"): OPS_REVIEWER,
    ("api-ops-screening-review-second", "post"): OPS_REVIEWER,
    ("api-my-screening", "get"): EXPERT_SELF,
    ("api-labs", "get"): LAB_SELF,
    ("api-labs", "post"): LAB_SELF,
    ("api-lab-members", "get"): LAB_OBJECT,
    ("api-lab-members", "post"): LAB_OBJECT,
    # Invitations by email: managed by the lab's owners ("lab_member" owns the lab).
    ("api-lab-invitations", "get"): LAB_OWNERS,
    ("api-lab-invitations", "post"): LAB_OBJECT,
    ("api-lab-invitation-resend", "post"): LAB_OWNERS,
    ("api-lab-invitation-revoke", "post"): LAB_OWNERS,
    # A link's token: accepted by a signed-in lab member (an empty body is a 400), or used to sign up.
    ("api-lab-invitation-accept", "post"): LAB_SELF,
    ("api-lab-invitation-sign-up", "post"): PUBLIC,
    ("api-lab-projects", "get"): LAB_OBJECT,
    ("api-lab-projects", "post"): LAB_OBJECT,
    ("api-project", "get"): LAB_OBJECT,
    ("api-project", "put"): LAB_OBJECT,
    ("api-project-transition", "post"): LAB_OBJECT,
    ("api-project-rate-preview", "post"): LAB_OBJECT,
    ("api-project-rate-change", "post"): LAB_OBJECT,
    ("api-project-fundings", "get"): LAB_EDITORS,
    ("api-project-fundings", "post"): LAB_EDITORS,
    ("api-project-budget", "get"): LAB_OBJECT,
    ("api-project-candidates", "get"): LAB_OBJECT,
    # The world's expert is engaged on the project: its lab's members see what they share.
    ("api-project-candidate", "get"): LAB_OBJECT,
    ("api-project-invitations", "get"): LAB_OBJECT,
    ("api-project-invitations", "post"): LAB_OBJECT,
    ("api-project-engagements", "get"): LAB_OBJECT,
    ("api-projects-open", "get"): EXPERT_SELF,
    ("api-projects-search", "get"): EXPERT_SELF,
    ("api-project-apply", "post"): EXPERT_SELF,
    ("api-my-staffing-requests", "get"): EXPERT_SELF,
    ("api-my-engagements", "get"): EXPERT_SELF,
    ("api-request-accept", "post"): INVITATION_ANSWER,
    ("api-request-decline", "post"): INVITATION_ANSWER,
    ("api-time-entries", "get"): EXPERT_SELF,
    ("api-time-entries", "post"): EXPERT_SELF,
    ("api-time-entries-import", "post"): EXPERT_SELF,
    ("api-time-entry-revise", "post"): EXPERT_OBJECT_ACTION,
    ("api-adjustment-requests", "post"): EXPERT_SELF,
    # The evidence of late work: its expert and the reviewers of its lab; nobody else learns it exists.
    ("api-time-entry-evidence", "get"): {
        **dict.fromkeys(ROLES, HIDDEN),
        "anonymous": DENIED,
        "owner": OK,
        "lab_member": OK,
        "lab_reviewer": OK,
    },
    ("api-tasks", "get"): EXPERT_SELF,
    ("api-tasks", "post"): EXPERT_SELF,
    ("api-review-queue", "get"): LAB_OBJECT,
    ("api-work-action", "post"): WORK_ACTION,
    ("api-time-entry-dispute", "post"): LAB_OBJECT,
    ("api-project-disputes", "get"): LAB_OBJECT,
    ("api-my-disputes", "get"): EXPERT_SELF,
    ("api-my-dispute-respond", "post"): EXPERT_OBJECT_ACTION,
    ("api-ops-disputes", "get"): OPS_READ,
    ("api-ops-dispute-decide", "post"): OPS_REVIEWER,
    ("api-gold-answers", "post"): LAB_OBJECT,
    # The lab's members and the engaged expert read the instructions; owners and managers publish.
    ("api-instructions", "get"): INSTRUCTIONS_READ,
    ("api-instructions", "post"): LAB_EDITORS,
    ("api-instruction", "get"): INSTRUCTIONS_READ,
    ("api-instruction-read", "post"): EXPERT_OBJECT_ACTION,
    ("api-project-quality", "get"): LAB_OBJECT,
    ("api-project-quality", "post"): LAB_OBJECT,
    ("api-my-quality", "get"): EXPERT_SELF,
    ("api-ops-review-alerts", "get"): OPS_READ,
    ("api-pay-runs", "get"): OPS_READ,
    ("api-pay-runs", "post"): {**dict.fromkeys(ROLES, DENIED), "ops_finance": OK},
    ("api-pay-run", "get"): OPS_READ,
    ("api-pay-run-approve", "post"): {**dict.fromkeys(ROLES, DENIED), "ops_finance": OK},
    ("api-pay-run-compliance", "get"): OPS_READ,
    ("api-revenue-report", "get"): OPS_READ,
    ("api-my-statements", "get"): EXPERT_SELF,
    ("api-my-payout-account", "get"): EXPERT_SELF,
    ("api-my-payout-onboarding-link", "post"): EXPERT_SELF,
    ("api-my-payouts", "get"): EXPERT_SELF,
    ("api-my-tax-form", "get"): EXPERT_SELF,
    ("api-my-tax-form", "post"): EXPERT_SELF,
    ("api-ops-tax-forms-missing", "get"): OPS_READ,
    ("api-payout-batches", "get"): OPS_READ,
    ("api-payout-batches", "post"): OPS_FINANCE,
    ("api-payout-batch", "get"): OPS_READ,
    ("api-payout-batch-approve", "post"): OPS_FINANCE,
    ("api-payout-batch-payouts", "get"): OPS_READ,
    ("api-payout-holds", "get"): OPS_READ,
    ("api-payout-holds", "post"): OPS_FINANCE,
    ("api-tax-reporting", "get"): OPS_READ,
    ("api-tax-report-file-filed", "post"): OPS_FINANCE,
    ("api-payout-hold-release", "post"): OPS_FINANCE,
    ("api-payout-retry", "post"): OPS_FINANCE,
    ("api-ops-reference-minimum-wages", "get"): OPS_READ,
    ("api-ops-reference-minimum-wages", "post"): OPS_FINANCE,
    ("api-ops-reference-minimum-wages-upcoming", "get"): OPS_READ,
    ("api-ops-reference-minimum-wage-correct", "post"): OPS_FINANCE,
    ("api-ops-reference-minimum-wage-retire", "post"): OPS_FINANCE,
    ("api-ops-reference-fx-rates", "get"): OPS_READ,
    ("api-ops-reference-fx-rates", "post"): OPS_FINANCE,
    ("api-ops-reference-fx-rate-retire", "post"): OPS_FINANCE,
    ("api-ops-reference-changes", "get"): OPS_READ,
    ("api-ops-reference-change", "get"): OPS_READ,
    ("api-ops-reference-change-approve", "post"): OPS_FINANCE,
    ("api-ops-reference-change-reject", "post"): OPS_FINANCE,
    # Only the change's proposer withdraws it: the matrix's finance user proposed this one.
    ("api-ops-reference-change-withdraw", "post"): OPS_FINANCE,
    ("api-conversations", "get"): PARTIES,
    ("api-conversations", "post"): PARTIES,
    ("api-conversation", "get"): THREAD,
    ("api-conversation-messages", "post"): THREAD,
    ("api-conversation-read", "post"): THREAD,
    ("api-conversation-close", "post"): THREAD,
    ("api-conversation-attachment", "get"): THREAD,
    # Operations read the lab's thread only through the dispute, audited.
    ("api-ops-dispute-conversation", "get"): OPS_READ,
}


def test_every_api_route_has_an_entry_in_the_matrix():
    missing = sorted(set(_api_routes()) - set(MATRIX))
    assert not missing, f"add these routes to the permission matrix: {missing}"
    stale = sorted(set(MATRIX) - set(_api_routes()))
    assert not stale, f"these matrix entries name routes that no longer exist: {stale}"


def _time_entry_on_a_running_project(lab, lab_owner, expert):
    from datetime import timedelta

    from django.utils import timezone

    from marketplace.services import staffing_request_accept, time_entry_log

    running = make_open_project(lab, lab_owner, title="Running project")
    type(running).objects.filter(pk=running.pk).update(starts_on=timezone.now().date() - timedelta(days=21))
    engagement = staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=lab_owner, project=running, contributor=expert)
    )
    type(engagement).objects.filter(pk=engagement.pk).update(started_at=timezone.now() - timedelta(days=21))
    engagement.refresh_from_db()
    return time_entry_log(
        actor=expert.user,
        engagement=engagement,
        activity="training",
        work_date=timezone.now().date() - timedelta(days=1),
        minutes=45,
    )


def _disputed_entry(entry, lab_owner):
    """A second entry of the same expert, which the lab disputes."""
    from datetime import timedelta

    from marketplace.services import time_dispute_open, time_entry_log

    other = time_entry_log(
        actor=entry.contributor.user,
        engagement=entry.engagement,
        activity="meeting",
        work_date=entry.work_date - timedelta(days=1),
        minutes=30,
    )
    return time_dispute_open(actor=lab_owner, entry=other, reason="No such meeting took place.")


def _draft_pay_run():
    """A computed, unapproved run of the week before last (closed), prepared by someone outside the matrix."""
    from datetime import timedelta

    from django.utils import timezone

    from payouts.payruns.services import pay_run_compute, pay_run_start
    from payouts.weeks import week_of

    preparer, _ = make_ops(Role.OPS_FINANCE)
    run = pay_run_start(actor=preparer, period_start=week_of(timezone.now().date())[0] - timedelta(days=14))
    return pay_run_compute(run_id=run.pk)


def _late_work_with_evidence(entry):
    """Late work on ``entry``'s engagement, in a week that has closed, with evidence."""
    from datetime import timedelta

    from django.utils import timezone

    from marketplace.services import time_entry_adjustment_request
    from payouts.weeks import week_of

    from tests.helpers.factories import pdf_upload

    return time_entry_adjustment_request(
        actor=entry.contributor.user,
        engagement=entry.engagement,
        activity="training",
        work_date=week_of(timezone.now().date())[0] - timedelta(days=10),
        minutes=30,
        late_reason="Forgot to log it.",
        evidence=pdf_upload("evidence.pdf"),
    )


def _payout_objects(expert):
    """A draft payout batch of an approved run (one payout, held: no payout account) and a hold on ``expert``.

    Prepared by finance staff outside the matrix, so the matrix's finance user may approve it.
    """
    from datetime import date

    from payouts.transfers.batches import payout_batch_create
    from payouts.transfers.holds import payout_hold_place

    from tests.helpers.payouts import approved_pay_run_in_bulk

    run = approved_pay_run_in_bulk(experts=1, period_start=date(2024, 3, 4), prefix="matrix")
    batch = payout_batch_create(actor=make_ops(Role.OPS_FINANCE)[0], run=run)
    hold = payout_hold_place(
        actor=make_ops(Role.OPS_FINANCE)[0], contributor=expert, reason="Matrix check", review_by=date(2099, 1, 1)
    )
    return batch, batch.payouts.get(), hold


def _lab_colleague(lab, lab_owner, role):
    from marketplace.services import lab_member_add

    from tests.helpers.factories import UserFactory

    colleague = UserFactory(role=Role.LAB_MEMBER)
    lab_member_add(actor=lab_owner, lab=lab, email=colleague.email, role=role)
    return colleague


def _a_report_file():
    from reporting.models import ReportFile

    return ReportFile.objects.create(
        kind="dac7",
        year=2026,
        jurisdiction="DE",
        message_type="DPI401",
        message_ref_id="IE2026API",
        filename="dac7-api.xml",
        content=b"<x/>",
        size_bytes=4,
        sha256="0" * 64,
    )


def _a_minimum_wage():
    from payouts.models import MinimumWage

    return MinimumWage.in_force.filter(country="DE").latest("effective_from")


def _an_fx_rate():
    from payouts.models import FxRate

    return FxRate.in_force.order_by("id").first()


def _reference_changes(finance):
    """A change the matrix's finance user proposed, and one proposed by finance staff outside the matrix."""
    from datetime import date

    from payouts.reference.services import reference_change_propose_minimum_wage

    figures = {
        "country": "US",
        "currency": "USD",
        "hourly_minor": 800,
        "averaging_unit": "workweek",
        "source_url": "https://www.dol.gov/agencies/whd/minimum-wage",
    }
    own = reference_change_propose_minimum_wage(
        actor=finance, subdivision="US-TX", effective_from=date(2027, 1, 1), **figures
    )
    other = reference_change_propose_minimum_wage(
        actor=make_ops(Role.OPS_FINANCE)[0], subdivision="US-OK", effective_from=date(2027, 1, 1), **figures
    )
    return own, other


def _a_screening_review():
    """A lab whose name is on the sample SDN list: screening opens a review."""
    from pathlib import Path

    from screening.models import ScreeningReview
    from screening.services import SanctionsFiles, sanctions_list_import

    samples = Path(__file__).resolve().parents[2] / "screening" / "samples"
    sanctions_list_import(
        actor=None,
        list_kind="sdn",
        files=SanctionsFiles(prim=(samples / "SDN.CSV").read_bytes()),
        published_on=date(2026, 6, 15),
        source="SDN.CSV",
    )
    lab, _ = make_lab(name="Example Trading Co. Ltd.")
    return ScreeningReview.objects.get(subject__kind="lab", subject__ref_id=lab.pk)


def _a_copy_of_their_data(user):
    from privacy.services import data_export_prepare, data_export_request

    return data_export_prepare(export_id=data_export_request(actor=user).pk)


@pytest.fixture
def world(client_for, stripe_server):
    owner = make_vetted_expert()
    other = make_expert()
    reviewer, reviewer_secret = make_ops(Role.OPS_REVIEWER)
    finance, finance_secret = make_ops(Role.OPS_FINANCE)
    colleague, _ = make_ops(Role.OPS_REVIEWER)
    credential = owner.credentials.get()
    lab, lab_owner = make_lab()
    _other_lab, other_lab_owner = make_lab()
    project = make_open_project(lab, lab_owner)
    invitation = invitation_send(actor=lab_owner, project=project, contributor=owner)
    entry = _time_entry_on_a_running_project(lab, lab_owner, owner)
    dispute = _disputed_entry(entry, lab_owner)
    instructions = instruction_publish(
        actor=lab_owner, project=entry.project, body="# Rules\n\nLabel carefully.", reading_minutes=10
    )
    late = _late_work_with_evidence(entry)
    pay_run = _draft_pay_run()
    payout_batch, payout, payout_hold = _payout_objects(owner)
    assessment = assessment_create(
        actor=colleague,
        title="Basics",
        domain=credential.field,
        description="",
        questions=[{"prompt": "?", "choices": ["a", "b"], "answer": 0}],
        pass_mark_percent=50,
        time_limit_minutes=10,
    )
    attempt = assessment_attempt_start(actor=owner.user, contributor=owner, assessment=assessment)
    case = deactivation_case_open(actor=colleague, contributor=owner, concern="Concern")
    decision = tier_decision_propose(actor=colleague, contributor=other, tier="expert", reason="Strong")
    with transaction.atomic():
        account_case = account_case_open_duplicate(
            signal="bank_account", contributor_ids=(owner.pk, make_expert().pk), evidence={"bank_last4": "6789"}
        )
    own_change, other_change = _reference_changes(finance)
    screening_review = _a_screening_review()
    thread, message, _ = conversation_objects(entry=entry, lab_owner=lab_owner, dispute=dispute)
    review_request = review_request_open(
        actor=owner.user, system="payout_holds", subject_id=owner.pk, statement="My documents are on their way."
    )
    no_mfa_client = APIClient()
    no_mfa_client.force_login(make_ops(Role.OPS_REVIEWER)[0])
    clients = {
        "anonymous": APIClient(),
        "owner": client_for(owner.user),
        "other_expert": client_for(other.user),
        "lab_member": client_for(lab_owner),
        "other_lab_member": client_for(other_lab_owner),
        "lab_viewer": client_for(_lab_colleague(lab, lab_owner, "viewer")),
        "lab_reviewer": client_for(_lab_colleague(lab, lab_owner, "reviewer")),
        "ops_reviewer": client_for(reviewer, reviewer_secret),
        "ops_finance": client_for(finance, finance_secret),
        "ops_without_mfa": no_mfa_client,
    }
    erasure = an_erasure_request(owner.user)
    lab_invitation, _ = invitation_with_link(actor=lab_owner, lab=lab, email="new.colleague@example.org")
    pks = {
        "api-data-export-download": _a_copy_of_their_data(owner.user).pk,
        "api-erasure-request-withdraw": erasure.pk,
        "api-ops-erasure-request-decision": erasure.pk,
        "api-ops-legal-hold-release": a_legal_hold(on=owner.user, by=reviewer).pk,
        "api-token-revoke": ApiToken.objects.filter(user=owner.user).latest("created_at").pk,
        # The invitation told the owner: a notice of theirs.
        "api-notice-read": Notice.objects.filter(recipient=owner.user).latest("pk").pk,
        "api-credential": credential.pk,
        "api-credential-document": credential.pk,
        "api-credential-answer": credential.pk,
        "api-attempt-start": assessment.pk,
        "api-attempt-submit": attempt.pk,
        "api-case-respond": case.pk,
        "api-account-case-answer": account_case.pk,
        "api-ops-account-case-decision": account_case.pk,
        "api-case-appeal": case.pk,
        "api-ops-credential-start": credential.pk,
        "api-ops-credential-info": credential.pk,
        "api-ops-credential-verify": credential.pk,
        "api-ops-credential-reject": credential.pk,
        "api-ops-contributor": owner.pk,
        "api-ops-tier-approve": decision.pk,
        "api-ops-tier-decline": decision.pk,
        "api-ops-case-notice": case.pk,
        "api-ops-case-decide": case.pk,
        "api-ops-case-appeal": case.pk,
        "api-lab-members": lab.pk,
        "api-lab-invitations": lab.pk,
        "api-project-candidate": {"pk": project.pk, "contributor_pk": owner.pk},
        "api-lab-invitation-resend": {"pk": lab.pk, "invitation_pk": lab_invitation.pk},
        "api-lab-invitation-revoke": {"pk": lab.pk, "invitation_pk": lab_invitation.pk},
        "api-lab-projects": lab.pk,
        "api-request-accept": invitation.pk,
        "api-request-decline": invitation.pk,
        "api-time-entry-revise": entry.pk,
        "api-time-entry-evidence": late.pk,
        "api-review-queue": project.pk,
        "api-pay-run": pay_run.pk,
        "api-pay-run-approve": pay_run.pk,
        "api-pay-run-compliance": pay_run.pk,
        "api-payout-batch": payout_batch.pk,
        "api-payout-batch-approve": payout_batch.pk,
        "api-payout-batch-payouts": payout_batch.pk,
        "api-payout-hold-release": payout_hold.pk,
        "api-payout-retry": payout.pk,
        "api-tax-report-file-filed": _a_report_file().pk,
        "api-gold-answers": project.pk,
        "api-project-quality": project.pk,
        "api-work-action": {"kind": "time-entries", "pk": entry.pk, "action": "approve"},
        "api-time-entry-dispute": entry.pk,
        "api-project-disputes": entry.project_id,
        "api-instructions": entry.project_id,
        "api-instruction": {"pk": entry.project_id, "number": instructions.number},
        "api-instruction-read": {"pk": entry.project_id, "number": instructions.number},
        "api-my-dispute-respond": dispute.pk,
        "api-ops-dispute-decide": dispute.pk,
        "api-ops-reference-minimum-wage-correct": _a_minimum_wage().pk,
        "api-ops-reference-minimum-wage-retire": _a_minimum_wage().pk,
        "api-ops-reference-fx-rate-retire": _an_fx_rate().pk,
        "api-ops-reference-change": other_change.pk,
        "api-ops-reference-change-approve": other_change.pk,
        "api-ops-reference-change-reject": other_change.pk,
        "api-ops-reference-change-withdraw": own_change.pk,
        "api-my-review-request": review_request.pk,
        "api-my-lab-rating": entry.engagement_id,
        "api-lab-ratings": lab.pk,
        "api-lab-rating-answer": lab.pk,
        "api-ops-review-request-decision": review_request.pk,
        "api-ops-screening-review": screening_review.pk,
        "api-conversation": thread.pk,
        "api-conversation-messages": thread.pk,
        "api-conversation-read": thread.pk,
        "api-conversation-close": thread.pk,
        "api-conversation-attachment": message.pk,
        "api-ops-dispute-conversation": dispute.pk,
        "api-ops-screening-review-propose": screening_review.pk,
        "api-ops-screening-review-second": screening_review.pk,
        **{
            name: project.pk
            for name in (
                "api-project",
                "api-project-transition",
                "api-project-rate-preview",
                "api-project-rate-change",
                "api-project-fundings",
                "api-project-budget",
                "api-project-candidates",
                "api-project-invitations",
                "api-project-engagements",
                "api-project-apply",
            )
        },
    }
    return clients, pks


def _outcome(status_code: int) -> str:
    if status_code in (401, 403):
        return DENIED
    if status_code == 404:
        return HIDDEN
    assert status_code < 500, status_code
    return OK


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "method"), sorted(MATRIX))
def test_permission_matrix(route, method, world):
    from django.urls import reverse

    clients, pks = world
    kwargs = pks.get(route)
    url = reverse(route, kwargs=kwargs if isinstance(kwargs, dict) else {"pk": kwargs} if kwargs else None)
    outcomes = {}
    for role in ROLES:
        response = getattr(clients[role], method)(url, {}, format="json")
        outcomes[role] = _outcome(response.status_code)
    assert outcomes == MATRIX[(route, method)]

import io
import time
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import Role, User
from audit.models import AuditEvent
from contributors.models import Contributor, ContributorStatus, Tier
from demo.data import DEMO_EXPERT_EMAIL, DEMO_PASSWORD, EXPERTS, MARKER_EMAIL, NO_TAX_FORM_EMAIL, OPS_USERS
from marketplace.models import Lab, LabMembership, LabRole
from vetting.models import (
    Assessment,
    AssessmentAttempt,
    AttemptStatus,
    CaseStatus,
    Credential,
    CredentialDocument,
    CredentialQuestion,
    CredentialStatus,
    DeactivationCase,
    TierDecision,
    TierDecisionStatus,
)

from tests.helpers.factories import totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _debug(settings, stripe_server):
    # The demo accounts share a published password and TOTP secrets, so the commands
    # only run with DEBUG on. Projects are funded through the local Stripe server.
    settings.DEBUG = True


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def run(command: str, *args) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def fresh_totp_period() -> None:
    # A code read in the last moments of its 30-second period may be stale by the time
    # it is checked; waiting for the next period keeps these tests deterministic.
    if time.time() % 30 > 27:
        time.sleep(30 - time.time() % 30 + 0.1)


def model_counts() -> dict[str, int]:
    models = [
        User,
        EmailAddress,
        Authenticator,
        Lab,
        LabMembership,
        Contributor,
        Credential,
        CredentialDocument,
        CredentialQuestion,
        TierDecision,
        Assessment,
        AssessmentAttempt,
        DeactivationCase,
        AuditEvent,
    ]
    return {model.__name__: model.objects.count() for model in models}


def test_seed_demo_loads_every_state_a_reviewer_deals_with():
    output = seed()

    assert "Demo data loaded" in output
    assert "http://127.0.0.1:8000" in output
    assert DEMO_PASSWORD in output
    for ops in OPS_USERS:
        assert ops.email in output
        assert ops.totp_secret in output

    credentials = Credential.objects.all()
    assert set(credentials.values_list("status", flat=True)) == set(CredentialStatus.values)
    for credential in credentials.filter(status=CredentialStatus.NEEDS_INFO):
        assert credential.questions.filter(answered_at__isnull=True).exclude(question="").exists()
    assert all(c.rejection_reason for c in credentials.filter(status=CredentialStatus.REJECTED))
    assert CredentialQuestion.objects.filter(answered_at__isnull=False, credential__status="in_review").exists()
    today = timezone.now().date()
    expiring = credentials.filter(status=CredentialStatus.VERIFIED, expires_on__lte=today + timedelta(days=30))
    assert expiring.count() >= 2
    assert all(c.expiry_warned_at is not None for c in expiring)
    for credential in credentials:
        document = credential.current_document
        assert document.content_type == "application/pdf"
        with document.file.open("rb") as stored:
            assert stored.read(5) == b"%PDF-"

    experts = Contributor.objects.all()
    assert experts.count() >= 35
    countries = set(experts.values_list("country", flat=True))
    assert {"US", "GB", "DE", "FR", "CA", "IN", "PH", "KE", "BR", "MX"} <= countries
    assert {"US-CA", "US-NY", "US-WA", "US-TX"} <= set(experts.values_list("subdivision", flat=True))
    assert experts.exclude(content_opt_outs=[]).count() >= 5
    assert set(experts.values_list("tier", flat=True)) == {"", *Tier.values}
    applicants = experts.filter(tier="")
    assert applicants.count() >= 5
    assert set(applicants.values_list("status", flat=True)) == {ContributorStatus.APPLICANT}

    for contributor in experts.filter(tier=Tier.EXPERT):
        decision = contributor.tier_decisions.get(to_tier=Tier.EXPERT, status=TierDecisionStatus.APPLIED)
        assert decision.second_approver is not None
        assert decision.second_approver_id != decision.proposed_by_id
    pending = TierDecision.objects.get(status=TierDecisionStatus.PENDING_APPROVAL)
    assert pending.to_tier == Tier.EXPERT
    assert pending.contributor.tier == Tier.DOMAIN
    assert TierDecision.objects.filter(status=TierDecisionStatus.DECLINED).exists()

    assert Lab.objects.count() == 3
    assert len(set(Lab.objects.values_list("country", flat=True))) == 3
    for lab in Lab.objects.all():
        assert 2 <= lab.memberships.count() <= 3
        assert lab.memberships.filter(role=LabRole.OWNER).count() == 1
        assert all(m.user.role == Role.LAB_MEMBER for m in lab.memberships.all())
    assert set(LabMembership.objects.values_list("role", flat=True)) == set(LabRole.values)

    assert Assessment.objects.count() >= 2
    submitted = AssessmentAttempt.objects.filter(status=AttemptStatus.SUBMITTED)
    assert submitted.count() >= 3
    assert set(submitted.values_list("passed", flat=True)) == {True, False}
    assert all(a.minutes_worked >= 1 and a.score_percent is not None for a in submitted)

    assert sorted(DeactivationCase.objects.values_list("status", flat=True)) == [
        CaseStatus.DISMISSED,
        CaseStatus.NOTICE,
    ]

    from marketplace.models import Engagement, Project, ProjectStatus, StaffingRequest

    assert sorted(Project.objects.values_list("status", flat=True)) == [
        ProjectStatus.DRAFT,
        ProjectStatus.OPEN,
        ProjectStatus.OPEN,
    ]
    assert Engagement.objects.count() == 2
    assert sorted(StaffingRequest.objects.values_list("kind", "status")) == [
        ("application", "pending"),
        ("invitation", "accepted"),
        ("invitation", "accepted"),
        ("invitation", "pending"),
    ]

    ops_users = User.objects.filter(role__in=[Role.OPS_REVIEWER, Role.OPS_FINANCE])
    assert ops_users.count() == 4
    assert ops_users.filter(role=Role.OPS_FINANCE).count() == 2  # one starts a pay run, the other approves it
    assert all(user.has_mfa for user in ops_users)
    assert not EmailAddress.objects.filter(verified=False).exists()
    assert AuditEvent.objects.filter(action="accounts.user.created", actor=None).count() == User.objects.count()


def test_every_demo_expert_but_one_has_signed_a_valid_tax_form_of_their_own():
    seed()
    from identity.models import AccountReviewCase, DuplicateSignal
    from tax.crypto import tin_reveal
    from tax.identifiers import foreign_tin_validate, us_tin_validate
    from tax.models import TaxFormKind
    from tax.selectors import tax_forms_in_force, tax_forms_missing

    experts = Contributor.objects.filter(user__email__in=[e.email for e in EXPERTS])
    forms = tax_forms_in_force(contributor_ids=list(experts.values_list("pk", flat=True)), on=timezone.now().date())
    missing = experts.exclude(pk__in=forms)
    assert list(missing.values_list("user__email", flat=True)) == [NO_TAX_FORM_EMAIL]
    assert NO_TAX_FORM_EMAIL in tax_forms_missing(on=timezone.now().date()).values_list("user__email", flat=True)
    for contributor_id, form in forms.items():
        contributor = experts.get(pk=contributor_id)
        assert form.kind == (TaxFormKind.W9 if contributor.country == "US" else TaxFormKind.W8BEN)
        assert form.legal_name == contributor.legal_name and form.signed_name == contributor.legal_name
        # The number decrypts to one the product's own check accepts, check digits included.
        number = tin_reveal(form, actor=None, purpose="demo check")
        if form.kind == TaxFormKind.W9:
            us_tin_validate(number, kind=form.tin_kind)
        else:
            foreign_tin_validate(number, country=contributor.country)
    # No two experts share an identifier, so no duplicate-account case is opened for one.
    assert len({form.tin_fingerprint for form in forms.values()}) == len(forms)
    assert not AccountReviewCase.objects.filter(signal=DuplicateSignal.TIN).exists()


def test_seed_demo_is_idempotent_and_leaves_a_verifiable_audit_trail():
    seed()
    before = model_counts()

    output = seed()

    assert "already there" in output
    assert DEMO_PASSWORD in output
    assert model_counts() == before
    assert "audit chain intact" in run("audit_verify")
    # Every change the seed made went through a service, so each object has its event.
    assert AuditEvent.objects.filter(action="vetting.credential.submitted").count() == Credential.objects.count()
    assert AuditEvent.objects.filter(action="contributors.profile.created").count() == Contributor.objects.count()


def test_demo_accounts_sign_in_with_the_printed_password_and_totp(client):
    seed()
    reviewer = OPS_USERS[0]

    refused = client.post(
        "/api/auth/token/", {"email": reviewer.email, "password": DEMO_PASSWORD}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_credentials"

    fresh_totp_period()
    code = run("demo_totp_code", reviewer.email)
    assert code == totp_code(reviewer.totp_secret)
    response = client.post(
        "/api/auth/token/",
        {"email": reviewer.email, "password": DEMO_PASSWORD, "otp_code": code},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["role"] == Role.OPS_REVIEWER

    expert = client.post(
        "/api/auth/token/", {"email": DEMO_EXPERT_EMAIL, "password": DEMO_PASSWORD}, content_type="application/json"
    )
    assert expert.status_code == 200, expert.json()


def test_the_readme_lists_every_demo_login_and_two_finance_accounts_for_four_eyes():
    from pathlib import Path

    from demo.management.commands.seed_demo import all_demo_emails

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert [email for email in all_demo_emails() if f"`{email}`" not in readme] == []
    assert [ops.totp_secret for ops in OPS_USERS if ops.totp_secret not in readme] == []
    assert sum(ops.role == Role.OPS_FINANCE for ops in OPS_USERS) >= 2


def test_a_demo_pay_run_is_started_by_one_finance_account_and_approved_by_the_other():
    from payouts.payruns.services import pay_run_approve, pay_run_compute, pay_run_start
    from payouts.weeks import week_of

    from tests.helpers.payruns import after_close

    seed()
    first, second = User.objects.filter(role=Role.OPS_FINANCE, email__endswith="@demo.example").order_by("email")
    last_monday = week_of(timezone.now().date())[0] - timedelta(days=7)
    after_close(last_monday)  # finance run last week once it has closed
    run = pay_run_start(actor=first, period_start=last_monday)
    run = pay_run_approve(actor=second, run=pay_run_compute(run_id=run.pk))
    assert run.approved_by == second


def test_the_demo_labs_pay_a_realistic_platform_fee_and_the_page_says_how_much(client):
    from decimal import Decimal

    from marketplace.models import Project

    seed()
    assert set(Lab.objects.values_list("platform_fee_markup", flat=True)) == {Decimal("0.2000")}
    draft = Project.objects.get(status="draft")
    client.force_login(draft.lab.memberships.get(role=LabRole.OWNER).user)
    page = client.get(f"/lab/projects/{draft.pk}/").content.decode()
    assert "plus the platform fee of 20% of the budget" in page


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        seed()
    assert not User.objects.exists()


def test_seed_demo_refuses_when_a_demo_address_is_taken_by_someone_else():
    User.objects.create_user("finance@demo.example", "some-other-password", role=Role.OPS_FINANCE)
    before = model_counts()

    with pytest.raises(CommandError, match=r"finance@demo\.example"):
        seed()

    assert model_counts() == before
    assert not User.objects.filter(email=MARKER_EMAIL).exists()

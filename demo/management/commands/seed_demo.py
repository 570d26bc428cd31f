"""Load the demo data set: labs, experts, credentials in every state, tiers, assessments, cases.

Everything goes through the services, as a person using the site would, so the audit
trail of the demo is complete and verifiable.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from accounts.permissions import is_ops_reviewer
from audit.services import audit_record
from config.celery import app as celery_app
from config.errors import ApplicationError
from contributors.models import Contributor, Domain
from contributors.services import contributor_profile_save
from demo.data import (
    ASSESSMENTS,
    CASES,
    DEMO_EXPERT_EMAIL,
    DEMO_LAB_EMAIL,
    DEMO_PASSWORD,
    DEMO_URL,
    EXPERTS,
    LABS,
    MARKER_EMAIL,
    NO_TAX_FORM_EMAIL,
    OPS_USERS,
    TIER_REASONS,
    Cred,
    DemoExpert,
)
from demo.tax import demo_tax_form_data
from marketplace.models import Lab
from marketplace.services import lab_create, lab_member_add
from payouts.reference.ecb import SAMPLE_FILE, fx_rates_import_ecb
from payouts.reference.ecb_xml import parse_ecb_xml
from vetting import services as vetting
from vetting.models import Credential, CredentialStatus, TierDecisionStatus

LOCMEM_MAIL = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def demo_pdf(lines: list[str]) -> bytes:
    """A small one-page PDF showing the given lines, with a correct cross-reference table."""
    ascii_lines = [unicodedata.normalize("NFKD", line).encode("ascii", "ignore").decode() for line in lines]
    escaped = [line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in ascii_lines]
    text = "BT /F1 13 Tf 72 740 Td 20 TL\n" + "\n".join(f"({line}) Tj T*" for line in escaped) + "\nET"
    stream = text.encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(pdf)


def _credential_upload(expert: DemoExpert, cred: Cred, expires_on, *, suffix: str = "") -> SimpleUploadedFile:
    lines = [
        "DEMO DOCUMENT - NOT A REAL CREDENTIAL",
        "",
        cred.title,
        f"Issued by: {cred.issuer}",
        f"Holder: {expert.legal_name}",
        f"Identifier: {cred.identifier or '-'}",
        f"Issued on: {cred.issued_on:%d %B %Y}",
        f"Expires on: {expires_on:%d %B %Y}" if expires_on else "No expiry date",
    ]
    if suffix:
        lines += ["", suffix]
    slug = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", cred.title).lower()).strip("-")[:60]
    return SimpleUploadedFile(f"{slug}.pdf", demo_pdf(lines), content_type="application/pdf")


def all_demo_emails() -> list[str]:
    return [
        *(ops.email for ops in OPS_USERS),
        *(member.email for lab in LABS for member in lab.members),
        *(expert.email for expert in EXPERTS),
    ]


class Seeder:
    def __init__(self):
        self.today = timezone.now().date()
        # Hashing once keeps the seed fast: every demo account has the same password,
        # and the default hasher takes a noticeable fraction of a second per hash.
        self.password_hash = make_password(DEMO_PASSWORD)
        self.domains = {domain.slug: domain for domain in Domain.objects.all()}
        self.reviewers: list[User] = []
        self.experts: dict[str, Contributor] = {}
        self.counts: Counter[str] = Counter()
        self._review_turn = 0
        self.tax_identifiers: set[str] = set()

    def run(self) -> Counter[str]:
        self.import_fx_rates()
        self.create_ops_users()
        self.create_labs()
        for expert in EXPERTS:
            self.create_expert(expert)
        self.create_assessments()
        self.open_cases()
        # Credentials can only be verified before their expiry date and only the sweep
        # expires them, so the expired ones were given tomorrow as their expiry date and
        # the sweep runs as of tomorrow (in a database that already holds other data, that
        # also expires its credentials due tomorrow a day early). The same sweep flags
        # those expiring within the warning window, as the scheduled sweep would.
        swept = vetting.credentials_expiry_sweep(today=self.today + timedelta(days=1))
        self.counts["credentials expired by the sweep"] = swept["expired"]
        self.counts["credentials flagged as expiring soon"] = swept["warned"]
        self.create_projects()
        return self.counts

    # --- FX rates -------------------------------------------------------------------

    def import_fx_rates(self) -> None:
        # A few days of euro reference rates in the ECB's format (sample figures), imported
        # as the scheduled task imports the ECB's own files, so the demo shows imported rates.
        content = SAMPLE_FILE.read_bytes()
        # Its days are fixed; on a clock set before them the import would refuse them as future.
        sample_days = parse_ecb_xml(content, max_bytes=len(content), latest_day=date.max)
        if sample_days[-1].day > self.today:
            return
        result = fx_rates_import_ecb(actor=None, content=content, source=SAMPLE_FILE.name)
        self.counts["FX rates imported from the ECB's sample file"] = result.created

    # --- projects -------------------------------------------------------------------

    def _project(self, lab_index: int, domains: list[str], **fields):
        from marketplace.services import project_create

        lab, owner = self.labs[lab_index]
        data = {
            "required_credential_kinds": [],
            "languages": ["en"],
            "pay_model": "hourly",
            "currency": "USD",
            "task_estimate_minutes": None,
            "weekly_hours": 10,
            "headcount": 3,
            "sensitive_categories": [],
            "exclusive": False,
            "starts_on": self.today + timedelta(days=3),
            "ends_on": self.today + timedelta(days=90),
            **fields,
        }
        project = project_create(actor=owner, lab=lab, data=data, domains=[self.domains[slug] for slug in domains])
        self.counts["projects"] += 1
        return project, owner

    def _fund_and_open(self, project, owner) -> bool:
        from marketplace.services import funding_settle_from_provider, project_funding_start, project_transition
        from payouts.gateway.stripe_api import PaymentProviderUnavailable

        try:
            funding = project_funding_start(actor=owner, project=project, payment_method="pm_card_visa")
            # What the payment_intent.succeeded webhook does when it arrives.
            funding_settle_from_provider(payment_intent_id=funding.stripe_payment_intent_id)
        except PaymentProviderUnavailable:
            self.counts["projects left unfunded (no Stripe server reachable)"] += 1
            return False
        project_transition(actor=owner, project=project, action="open")
        self.counts["projects funded with a test card and opened"] += 1
        return True

    def create_projects(self) -> None:
        from marketplace.matching import ranked_candidates
        from marketplace.services import application_send, invitation_send, staffing_request_accept

        clinical, owner = self._project(
            0,
            ["cardiology", "primary-care", "emergency-medicine"],
            title="Clinical answer evaluation",
            brief="Physicians grade model answers to clinical questions against current guidelines and flag unsafe advice.",
            min_tier="generalist",
            required_credential_kinds=["license"],
            allowed_countries=["US", "GB", "CA", "IN", "KE", "DE", "BR", "PH"],
            rate_minor=12000,
            budget_cap_minor=12_000_000,
        )
        if self._fund_and_open(clinical, owner):
            candidates = ranked_candidates(project_id=clinical.pk, limit=10)
            for position, candidate in enumerate(candidates[:3]):
                contributor = Contributor.objects.get(pk=candidate.contributor_id)
                invitation = invitation_send(
                    actor=owner, project=clinical, contributor=contributor, message="Your profile is a strong match."
                )
                self.counts["invitations sent"] += 1
                if position < 2:
                    staffing_request_accept(actor=contributor.user, request=invitation)
                    self.counts["engagements started"] += 1

        contracts, owner = self._project(
            1,
            ["contracts", "securities"],
            title="Contract clause review",
            brief="Lawyers check model summaries of commercial contracts, one clause per task.",
            min_tier="domain",
            allowed_countries=["GB", "US", "DE", "FR"],
            pay_model="per_task",
            rate_minor=3000,
            task_estimate_minutes=20,
            budget_cap_minor=3_000_000,
        )
        if self._fund_and_open(contracts, owner):
            for candidate in ranked_candidates(project_id=contracts.pk, limit=1):
                contributor = Contributor.objects.get(pk=candidate.contributor_id)
                application_send(actor=contributor.user, project=contracts, message="I draft supply agreements daily.")
                self.counts["applications sent"] += 1

        self._project(
            2,
            ["distributed-systems", "databases"],
            title="Distributed systems code review (draft)",
            brief="Engineers review model-written consensus and replication code.",
            min_tier="generalist",
            allowed_countries=["DE", "FR", "GB", "IN", "PH", "KE", "BR", "MX"],
            rate_minor=4500,
            budget_cap_minor=2_000_000,
        )

    # --- people ---------------------------------------------------------------------

    def create_user(self, *, email: str, full_name: str, role: str, timezone_name: str = "UTC") -> User:
        with transaction.atomic():
            user = User.objects.create_user(email, None, full_name=full_name, role=role, timezone=timezone_name)
            user.password = self.password_hash
            user.save(update_fields=["password"])
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
            audit_record(
                actor=None,
                action="accounts.user.created",
                target=user,
                after={"email": user.email, "role": role, "email_verified": True},
                reason="demo data (seed_demo)",
            )
        self.counts[f"users ({role})"] += 1
        return user

    def create_ops_users(self) -> None:
        for ops in OPS_USERS:
            user = self.create_user(email=ops.email, full_name=ops.full_name, role=ops.role, timezone_name=ops.timezone)
            with transaction.atomic():
                authenticator = TOTP.activate(user, ops.totp_secret).instance
                audit_record(
                    actor=None,
                    action="accounts.mfa.added",
                    target=user,
                    after={"type": authenticator.type},
                    reason="demo data (seed_demo): fixed TOTP secret",
                )
            if is_ops_reviewer(user):
                self.reviewers.append(user)

    def next_reviewer(self) -> User:
        # Alternating reviewers puts work in both demo reviewers' histories.
        reviewer = self.reviewers[self._review_turn % len(self.reviewers)]
        self._review_turn += 1
        return reviewer

    def create_labs(self) -> None:
        self.labs = []
        for demo_lab in LABS:
            owner_spec, *others = demo_lab.members
            owner = self.create_user(
                email=owner_spec.email,
                full_name=owner_spec.full_name,
                role="lab_member",
                timezone_name=owner_spec.timezone,
            )
            lab = lab_create(actor=owner, name=demo_lab.name, country=demo_lab.country, website=demo_lab.website)
            self.set_fee(lab, demo_lab.platform_fee_markup)
            self.labs.append((lab, owner))
            self.counts["labs"] += 1
            self.counts["lab memberships"] += 1
            for member in others:
                user = self.create_user(
                    email=member.email, full_name=member.full_name, role="lab_member", timezone_name=member.timezone
                )
                lab_member_add(actor=owner, lab=lab, email=user.email, role=member.role)
                self.counts["lab memberships"] += 1

    def set_fee(self, lab: Lab, markup) -> None:
        # The fee is agreed between the platform and a lab outside the product (there is no
        # page for it); the demo records it as operations would.
        with transaction.atomic():
            before = lab.platform_fee_markup
            lab.platform_fee_markup = markup
            lab.save(update_fields=["platform_fee_markup"])
            audit_record(
                actor=None,
                action="marketplace.lab.fee_set",
                target=lab,
                before={"platform_fee_markup": str(before)},
                after={"platform_fee_markup": str(markup)},
                reason="demo data (seed_demo)",
            )

    # --- experts --------------------------------------------------------------------

    def create_expert(self, expert: DemoExpert) -> None:
        user = self.create_user(email=expert.email, full_name=expert.legal_name, role="expert")
        contributor = contributor_profile_save(
            actor=user,
            user=user,
            data={
                "legal_name": expert.legal_name,
                "display_name": expert.display_name,
                "country": expert.country,
                "subdivision": expert.subdivision,
                "timezone": expert.timezone,
                "languages": list(expert.languages),
                "education_level": expert.education,
                "skills": list(expert.skills),
                "weekly_availability_hours": expert.hours,
                "content_opt_outs": list(expert.opt_outs),
                "weekly_exposure_cap_minutes": expert.exposure_cap,
            },
            specialties=[self.domains[slug] for slug in expert.specialties],
        )
        self.experts[expert.email] = contributor
        self.counts["experts"] += 1
        for cred in expert.credentials:
            self.create_credential(expert, contributor, cred)
        verified = self.verify_identity(expert, contributor)
        self.decide_tiers(expert, contributor, identity_verified=verified)
        self.sign_tax_form(expert, contributor)

    def sign_tax_form(self, expert: DemoExpert, contributor: Contributor) -> None:
        """The expert signs the W-9 or W-8BEN their country asks for, on the tax form page."""
        from tax.services import tax_form_sign

        if expert.email == NO_TAX_FORM_EMAIL:
            self.counts["experts without a tax form (payouts wait for it)"] += 1
            return
        kind, data = demo_tax_form_data(
            email=expert.email,
            legal_name=expert.legal_name,
            country=expert.country,
            subdivision=expert.subdivision,
            taken=self.tax_identifiers,
        )
        tax_form_sign(
            actor=contributor.user,
            contributor=contributor,
            kind=kind,
            data=data,
            certified=True,
            signed_name=expert.legal_name,
            ip="127.0.0.1",
        )
        self.counts[f"tax forms signed ({'W-9' if kind == 'w9' else 'W-8BEN'})"] += 1

    def verify_identity(self, expert: DemoExpert, contributor: Contributor) -> bool:
        """The expert verifies their identity at Stripe (the local server), which finds the document in order."""
        import hashlib

        import requests

        from identity.services import identity_verification_start, identity_verification_sync
        from payouts.gateway.stripe_api import PaymentProviderUnavailable

        given, _, family = expert.legal_name.rpartition(" ")
        try:
            verification = identity_verification_start(
                actor=contributor.user, contributor=contributor, return_url="http://127.0.0.1:8000/me/identity/"
            )
            # What the expert's document and selfie show, as Stripe reports it; the number is
            # the demo's own for each expert (no two share a document).
            number = hashlib.sha256(expert.email.encode()).hexdigest()[:9].upper()
            decided = requests.post(
                f"{settings.STRIPE_API_BASE}/_local/identity/verification_sessions/"
                f"{verification.stripe_session_id}/verify",
                json={
                    "first_name": given or expert.legal_name,
                    "last_name": family,
                    "id_number": number,
                    "issuing_country": expert.country,
                    "document_type": "passport",
                },
                timeout=10,
            )
            decided.raise_for_status()
            # What the identity.verification_session.verified webhook does when it arrives.
            identity_verification_sync(session_id=verification.stripe_session_id)
        except (PaymentProviderUnavailable, requests.RequestException):
            self.counts["identities left unverified (no Stripe server reachable)"] += 1
            return False
        self.counts["identities verified by Stripe"] += 1
        return True

    def create_credential(self, expert: DemoExpert, contributor: Contributor, cred: Cred) -> Credential:
        expires_on = self.today + timedelta(days=cred.expires_in_days) if cred.expires_in_days else None
        user = contributor.user
        credential = vetting.credential_submit(
            actor=user,
            contributor=contributor,
            kind=cred.kind,
            field=self.domains[cred.field],
            title=cred.title,
            issuer=cred.issuer,
            identifier=cred.identifier,
            country=expert.country,
            issued_on=cred.issued_on,
            expires_on=expires_on,
            document=_credential_upload(expert, cred, expires_on),
        )
        self.counts["credentials"] += 1
        if cred.state == CredentialStatus.SUBMITTED:
            return credential
        reviewer = self.next_reviewer()
        credential = vetting.credential_review_start(actor=reviewer, credential=credential)
        if cred.state in (CredentialStatus.NEEDS_INFO, "answered"):
            vetting.credential_request_info(actor=reviewer, credential=credential, question=cred.note)
            if cred.state == "answered":
                credential = vetting.credential_answer(
                    actor=user,
                    credential=credential,
                    answer=cred.answer,
                    document=_credential_upload(expert, cred, expires_on, suffix="Registrar's confirmation letter"),
                )
        elif cred.state in (CredentialStatus.VERIFIED, CredentialStatus.EXPIRED):
            credential = vetting.credential_verify(
                actor=reviewer, credential=credential, note="Checked with the issuer."
            )
        elif cred.state == CredentialStatus.REJECTED:
            credential = vetting.credential_reject(actor=reviewer, credential=credential, reason=cred.note)
        return credential

    def decide_tiers(self, expert: DemoExpert, contributor: Contributor, *, identity_verified: bool) -> None:
        field = self.domains[expert.specialties[0]].name.lower()
        proposer, approver = self.reviewers[0], self.reviewers[1]
        for tier in expert.tiers:
            if tier == "expert" and not identity_verified:
                # The expert tier needs a verified identity.
                self.counts["expert tiers left undecided (identity not verified)"] += 1
                continue
            decision = vetting.tier_decision_propose(
                actor=proposer, contributor=contributor, tier=tier, reason=TIER_REASONS[tier].format(field=field)
            )
            if decision.status == TierDecisionStatus.PENDING_APPROVAL:
                vetting.tier_decision_approve(actor=approver, decision=decision)
            self.counts["tier decisions applied"] += 1
        if identity_verified and (expert.pending_expert or expert.declined_expert):
            decision = vetting.tier_decision_propose(
                actor=proposer,
                contributor=contributor,
                tier="expert",
                reason=TIER_REASONS["expert"].format(field=field),
            )
            if expert.declined_expert:
                vetting.tier_decision_decline(actor=approver, decision=decision, reason=expert.declined_expert)
                self.counts["tier decisions declined"] += 1
            else:
                self.counts["tier decisions waiting for a second approver"] += 1

    # --- assessments and cases ------------------------------------------------------

    def create_assessments(self) -> None:
        author = self.reviewers[0]
        for spec in ASSESSMENTS:
            assessment = vetting.assessment_create(
                actor=author,
                title=spec.title,
                domain=self.domains[spec.domain],
                description=spec.description,
                questions=[dict(question) for question in spec.questions],
                pass_mark_percent=spec.pass_mark_percent,
                time_limit_minutes=spec.time_limit_minutes,
            )
            self.counts["assessments"] += 1
            for email, answers in spec.attempts:
                contributor = self.experts[email]
                attempt = vetting.assessment_attempt_start(
                    actor=contributor.user, contributor=contributor, assessment=assessment
                )
                if answers is None:
                    self.counts["assessment attempts in progress"] += 1
                    continue
                # The spec answers the bank in its order; the attempt asks in an order of its own.
                in_order_asked = [answers[number] for number in attempt.question_numbers]
                vetting.assessment_attempt_submit(actor=contributor.user, attempt=attempt, answers=in_order_asked)
                self.counts["assessment attempts submitted"] += 1

    def open_cases(self) -> None:
        reviewer = self.reviewers[0]
        for spec in CASES:
            case = vetting.deactivation_case_open(
                actor=reviewer, contributor=self.experts[spec.expert_email], concern=spec.concern
            )
            if spec.evidence:
                vetting.deactivation_case_give_notice(actor=reviewer, case=case, evidence=spec.evidence)
                self.counts["deactivation cases at notice"] += 1
            else:
                vetting.deactivation_case_decide(actor=reviewer, case=case, deactivate=False, reason=spec.dismissal)
                self.counts["deactivation cases dismissed"] += 1


class Command(BaseCommand):
    help = (
        "Load a demo data set (labs, experts, credentials in every state, tiers, assessments, cases) through the "
        "services. Safe to run again: it does nothing if the demo data is already there. Needs DEBUG=True."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo only runs with DEBUG=True: its accounts share a published password and TOTP secrets."
            )
        if User.objects.filter(email=MARKER_EMAIL).exists():
            self.stdout.write(f"The demo data is already there ({MARKER_EMAIL} exists); nothing was changed.")
            self.print_logins()
            return
        clashes = sorted(User.objects.filter(email__in=all_demo_emails()).values_list("email", flat=True))
        if clashes:
            raise CommandError(
                f"Accounts with demo addresses already exist, without the demo data: {', '.join(clashes)}"
            )
        taken = sorted(Lab.objects.filter(name__in=[lab.name for lab in LABS]).values_list("name", flat=True))
        if taken:
            raise CommandError(f"Labs with demo names already exist: {', '.join(taken)}")

        # Notifications go out through Celery after commit; running tasks in-process and
        # into an in-memory mailbox means no worker is needed and nobody gets demo mail.
        was_eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = True
        # Each eager task logs a line at INFO, which would bury the summary.
        task_log = logging.getLogger("celery.app.trace")
        task_log_level = task_log.level
        task_log.setLevel(logging.WARNING)
        try:
            with override_settings(MAILERS=LOCMEM_MAIL), transaction.atomic():
                counts = Seeder().run()
        except ApplicationError as exc:
            detail = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.fields.items())
            raise CommandError(f"demo data not loaded: {exc.message} {detail}".strip()) from exc
        finally:
            celery_app.conf.task_always_eager = was_eager
            task_log.setLevel(task_log_level)

        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.print_counts(counts)
        self.print_logins()

    def print_counts(self, counts: Counter[str]) -> None:
        by_status = Counter(
            Credential.objects.filter(contributor__user__email__in=all_demo_emails()).values_list("status", flat=True)
        )
        self.stdout.write("\nCreated:")
        # Accounts first, then everything else in the order it was made.
        for label, number in sorted(counts.items(), key=lambda item: not item[0].startswith("users")):
            self.stdout.write(f"  {number:>3}  {label}")
        self.stdout.write(
            "  credentials by status: "
            + ", ".join(f"{status.label.lower()} {by_status[status.value]}" for status in CredentialStatus)
        )

    def print_logins(self) -> None:
        logins = [
            *((ops.label, f"{ops.email:<24} TOTP secret {ops.totp_secret}") for ops in OPS_USERS),
            ("Lab member (lab owner)", DEMO_LAB_EMAIL),
            ("Expert (has a question to answer)", DEMO_EXPERT_EMAIL),
        ]
        width = max(len(label) for label, _ in logins)
        self.stdout.write(f"\nOpen {DEMO_URL} and sign in. Every demo account's password is: {DEMO_PASSWORD}")
        for label, detail in logins:
            self.stdout.write(f"  {label:<{width}}  {detail}")
        self.stdout.write(
            "Operations staff also need a code from an authenticator app: add their TOTP secret to the app, or "
            "print the current code with\n  python manage.py demo_totp_code reviewer@demo.example\n"
            'Every demo login (each lab member and expert too) is listed in README.md under "Demo logins".'
        )

"""Test data made the way users make it: through the services."""

from __future__ import annotations

import itertools
import time
from datetime import date, timedelta

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role, User
from contributors.models import Domain
from contributors.services import contributor_profile_save
from vetting.services import credential_submit

_sequence = itertools.count(1)

# Smallest valid files of each accepted type, recognised by their content.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.LazyFunction(lambda: f"person{next(_sequence)}@example.test")
    full_name = factory.Faker("name")
    role = Role.EXPERT
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        self.save()
        if extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


PASSWORD = "correct horse battery"


def totp_code(secret: str, offset: int = 0) -> str:
    """The code an authenticator app shows now.

    A code is accepted only in its own 30-second window (allauth's tolerance is 0), so a
    code taken in the last moments of a window could reach the server in the next one on
    a busy machine: then this waits for the next window, as a person would.
    """
    remaining = 30 - time.time() % 30
    if remaining < 3:
        time.sleep(remaining)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def make_ops(role: str = Role.OPS_REVIEWER, **kwargs) -> tuple[User, str]:
    """An operations user with TOTP set up; returns the user and their TOTP secret."""
    user = UserFactory(role=role, **kwargs)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    assert Authenticator.objects.filter(user=user).exists()
    return user, secret


PROFILE = {
    "legal_name": "Ada Example",
    "display_name": "Dr Ada",
    "country": "US",
    "subdivision": "US-CA",
    "timezone": "America/Los_Angeles",
    "languages": ["en", "es"],
    "education_level": "professional",
    "skills": ["clinical guidelines", "ECG reading"],
    "weekly_availability_hours": 20,
    "content_opt_outs": ["sexual"],
    "weekly_exposure_cap_minutes": 120,
}


def make_expert(*, identity_verified: bool = True, **profile_overrides):
    """An expert with a verified email and a filled-in profile, and (unless told not to) a verified identity."""
    user = UserFactory(role=Role.EXPERT)
    data = {**PROFILE, **profile_overrides}
    contributor = contributor_profile_save(
        actor=user, user=user, data=data, specialties=[Domain.objects.get(slug="cardiology")]
    )
    if identity_verified:
        from tests.helpers.identity import make_verified_identity

        make_verified_identity(contributor)
    return contributor


def pdf_upload(name: str = "license.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def make_credential(contributor, **overrides):
    values = {
        "kind": "license",
        "field": Domain.objects.get(slug="cardiology"),
        "title": "Medical license",
        "issuer": "Medical Board of California",
        "identifier": "A123456",
        "country": "US",
        "issued_on": date(2015, 6, 1),
        "expires_on": date(2031, 6, 1),
        "document": pdf_upload(),
    }
    values.update(overrides)
    return credential_submit(actor=contributor.user, contributor=contributor, **values)


# --- marketplace ---------------------------------------------------------------------


def make_lab(name: str | None = None, **kwargs):
    from marketplace.services import lab_create

    owner = UserFactory(role=Role.LAB_MEMBER)
    return lab_create(actor=owner, name=name or f"Lab {next(_sequence)}", country="US", **kwargs), owner


def project_data(**overrides) -> dict:
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.now().date()
    data = {
        "title": "Cardiology model evaluation",
        "brief": "Rate model answers to clinical questions.",
        "min_tier": "domain",
        "required_credential_kinds": ["license"],
        "allowed_countries": ["US", "GB"],
        "languages": ["en"],
        "pay_model": "hourly",
        "currency": "USD",
        "rate_minor": 9000,
        "task_estimate_minutes": None,
        "weekly_hours": 10,
        "headcount": 2,
        "budget_cap_minor": 2_000_000,
        "sensitive_categories": [],
        "exclusive": False,
        "starts_on": today + timedelta(days=1),
        "ends_on": today + timedelta(days=60),
    }
    data.update(overrides)
    return data


def make_project(lab, owner, domains=("cardiology",), **overrides):
    from marketplace.services import project_create

    return project_create(
        actor=owner, lab=lab, data=project_data(**overrides), domains=list(Domain.objects.filter(slug__in=domains))
    )


def make_open_project(lab, owner, **overrides):
    """A project funded with a test card and opened; needs the `stripe_server` fixture."""
    from marketplace.services import funding_settle_from_provider, project_funding_start, project_transition

    project = make_project(lab, owner, **overrides)
    funding = project_funding_start(actor=owner, project=project, payment_method="pm_card_visa")
    # What the payment_intent.succeeded webhook does, without waiting for its delivery.
    funding_settle_from_provider(payment_intent_id=funding.stripe_payment_intent_id)
    return project_transition(actor=owner, project=project, action="open")


def make_vetted_expert(*, tier: str = "domain", reviewer=None, **profile):
    """An active expert with a verified license, through the real vetting services."""
    from vetting.services import credential_review_start, credential_verify, tier_decision_propose

    contributor = make_expert(**profile)
    reviewer = reviewer or make_ops()[0]
    credential = make_credential(contributor)
    credential_review_start(actor=reviewer, credential=credential)
    credential_verify(actor=reviewer, credential=credential)
    if tier == "expert":
        second = make_ops()[0]
        from vetting.services import tier_decision_approve

        decision = tier_decision_propose(actor=reviewer, contributor=contributor, tier="expert", reason="test")
        tier_decision_approve(actor=second, decision=decision)
    else:
        tier_decision_propose(actor=reviewer, contributor=contributor, tier=tier, reason="test")
    contributor.refresh_from_db()
    return contributor


def make_engagement(project, owner, **profile):
    """A vetted expert invited to ``project`` who accepted, engaged since three weeks ago."""
    from datetime import timedelta

    from django.utils import timezone

    from marketplace.services import invitation_send, staffing_request_accept

    expert = make_vetted_expert(**profile)
    engagement = staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=owner, project=project, contributor=expert)
    )
    type(engagement).objects.filter(pk=engagement.pk).update(started_at=timezone.now() - timedelta(days=21))
    engagement.refresh_from_db()
    return engagement


def make_running_engagement():
    """An expert (in Los Angeles) engaged on an hourly project that started two weeks ago,
    through the real staffing services; returns the engagement and the lab's owner."""
    from marketplace.services import invitation_send, staffing_request_accept

    lab, owner = make_lab()
    today = timezone.now().date()
    project = make_open_project(
        lab, owner, starts_on=today + timedelta(days=1), ends_on=today + timedelta(days=60), weekly_cap_hours=None
    )
    # Started in the past, as a running project would have.
    type(project).objects.filter(pk=project.pk).update(starts_on=today - timedelta(days=14))
    project.refresh_from_db()
    expert = make_vetted_expert()
    engagement = staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=owner, project=project, contributor=expert)
    )
    type(engagement).objects.filter(pk=engagement.pk).update(started_at=timezone.now() - timedelta(days=14))
    engagement.refresh_from_db()
    return engagement, owner

"""A project's page for its lab: requirements in words, candidates, requests, engagements."""

from __future__ import annotations

from datetime import date

from contributors.forms import country_label, language_labels, subdivision_label
from contributors.models import Tier
from contributors.reference import SensitiveContent
from vetting.models import CredentialKind

from .. import selectors, services
from ..forms import DeclineForm, InviteForm
from ..matching import ranked_candidates
from ..models import Project, ProjectStatus, RequestKind, RequestStatus, StaffingRequest
from .pay import Pay

CANDIDATE_LIMIT = 25
SCORE_PARTS = (
    ("domain", "Domain fit", 40),
    ("quality", "Quality", 25),
    ("availability", "Availability", 15),
    ("tier", "Tier", 10),
    ("credential", "Credentials", 10),
)
TRANSITION_BUTTONS = {
    "open": ("Open to experts", ""),
    "pause": ("Pause", "button-secondary"),
    "close": ("Close the project", "button-danger"),
}


def labels(values, choices) -> list[str]:
    names = dict(choices)
    return [names.get(value, value) for value in values]


def tier_label(tier: str) -> str:
    return Tier(tier).label if tier in Tier.values else tier


def requirements(project: Project) -> dict:
    return {
        "domains": [str(domain) for domain in project.domains.all()],
        "tier": tier_label(project.min_tier),
        "credentials": labels(project.required_credential_kinds, CredentialKind.choices),
        "countries": [country_label(code) for code in project.allowed_countries],
        "languages": language_labels(project.languages),
        "sensitive": labels(project.sensitive_categories, SensitiveContent.choices),
    }


def candidate_rows(
    project: Project, requests_: list[StaffingRequest], invite: tuple[int | None, InviteForm] | None
) -> list[dict]:
    """The best-matched experts with an invitation form each; ``invite`` is a refused one to show again."""
    if project.status == ProjectStatus.CLOSED:
        return []
    pending_ids = {r.contributor_id for r in requests_ if r.status == RequestStatus.PENDING}
    rows = []
    for candidate in ranked_candidates(project_id=project.pk, limit=CANDIDATE_LIMIT):
        prefix = f"invite_{candidate.contributor_id}"
        form = InviteForm(initial={"contributor": candidate.contributor_id}, auto_id=f"id_{prefix}_%s")
        if invite and invite[0] == candidate.contributor_id:
            form = invite[1]
        place = (
            subdivision_label(candidate.subdivision, candidate.country),
            country_label(candidate.country),
        )
        rows.append(
            {
                "candidate": candidate,
                "tier": tier_label(candidate.tier),
                "place": ", ".join(part for part in place if part),
                "parts": [(label, candidate.components[key], most) for key, label, most in SCORE_PARTS],
                "pending": candidate.contributor_id in pending_ids,
                "form": form,
            }
        )
    return rows


def request_rows(
    requests_: list[StaffingRequest], *, can_edit: bool, decline: tuple[int, DeclineForm] | None
) -> list[dict]:
    """Invitations and applications; a pending application gets a form to decline it with a reason."""
    rows = []
    for staffing_request in requests_:
        answerable = (
            can_edit
            and staffing_request.kind == RequestKind.APPLICATION
            and staffing_request.status == RequestStatus.PENDING
        )
        form = None
        if answerable:
            form = DeclineForm(reason_required=True, auto_id=f"id_decline_{staffing_request.pk}_%s")
            if decline and decline[0] == staffing_request.pk:
                form = decline[1]
        rows.append({"request": staffing_request, "answerable": answerable, "decline_form": form})
    return rows


def engagement_rows(project: Project) -> list[dict]:
    return [
        {"engagement": engagement, "pay": Pay.of_engagement(engagement)}
        for engagement in selectors.engagements_of_project(project=project)
    ]


def rate_change_rows(project: Project, today: date) -> list[dict]:
    return [
        {
            "change": change,
            "old": Pay(project.pay_model, project.currency, change.old_rate_minor, change.old_task_estimate_minutes),
            "new": Pay(project.pay_model, project.currency, change.new_rate_minor, change.new_task_estimate_minutes),
            "pending": change.effective_on > today,
        }
        for change in selectors.rate_changes_of(project=project)
    ]


def transition_buttons(project: Project) -> list[dict]:
    """The moves the project's status allows now, as buttons."""
    transitions = [
        {"action": action, "label": label, "style": style}
        for action, (label, style) in TRANSITION_BUTTONS.items()
        if project.status in services.PROJECT_TRANSITIONS[action][0]
    ]
    if project.status == ProjectStatus.PAUSED:
        transitions[0]["label"] = "Reopen to experts"
    return transitions

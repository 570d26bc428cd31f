"""An expert's side of staffing: open projects to apply to, invitations and engagements."""

from __future__ import annotations

from datetime import date

from contributors.models import Contributor
from contributors.reference import SensitiveContent
from payouts.templatetags.money import money

from .. import selectors
from ..forms import ApplyForm, DeclineForm
from ..models import EngagementStatus, RequestKind, RequestStatus
from ..search import Result
from .pay import Pay
from .projects import labels, requirements


def open_project_rows(
    contributor: Contributor | None, apply: tuple[int, ApplyForm] | None, results: list[Result]
) -> list[dict]:
    """The projects of a page of search results with their pay and requirements, whether the
    expert may take part (and what they miss), and whether they already asked or work on it."""
    pending, engaged = set(), set()
    if contributor is not None:
        pending = {
            r.project_id
            for r in selectors.staffing_requests_for_expert(contributor=contributor)
            if r.status == RequestStatus.PENDING
        }
        engaged = {
            e.project_id
            for e in selectors.engagements_of_expert(contributor=contributor)
            if e.status == EngagementStatus.ACTIVE
        }
    rows = []
    for result in results:
        project = result.project
        form = ApplyForm(auto_id=f"id_apply_{project.pk}_%s")
        if apply and apply[0] == project.pk:
            form = apply[1]
        rows.append(
            {
                "project": project,
                # The rate a new engagement would lock in, as the search read it.
                "pay": Pay(project.pay_model, project.currency, result.rate_minor, result.task_estimate_minutes),
                "hourly_in_currency": result.hourly_in_currency,
                "requirements": requirements(project),
                "eligible": result.eligible,
                "missing": result.missing,
                "pending": project.pk in pending,
                "engaged": project.pk in engaged,
                "form": form,
            }
        )
    return rows


def invitations_page(
    contributor: Contributor | None,
    today: date,
    *,
    error: tuple[int, str] | None,
    decline: tuple[int, DeclineForm] | None,
) -> dict:
    """Open invitations (each with a form to decline it), earlier requests, and engagements.

    ``error`` is (request id, message) for an answer that was refused; ``decline`` a refused form.
    """
    requests_ = list(selectors.staffing_requests_for_expert(contributor=contributor)) if contributor else []
    invitations, history = [], []
    for staffing_request in requests_:
        project = staffing_request.project
        open_invitation = (
            staffing_request.kind == RequestKind.INVITATION and staffing_request.status == RequestStatus.PENDING
        )
        form = None
        if open_invitation:
            form = DeclineForm(auto_id=f"id_decline_{staffing_request.pk}_%s")
            if decline and decline[0] == staffing_request.pk:
                form = decline[1]
        row = {
            "request": staffing_request,
            "project": project,
            "pay": Pay.of_project(project, today),
            "sensitive": labels(project.sensitive_categories, SensitiveContent.choices),
            "decline_form": form,
            "error": error[1] if error and error[0] == staffing_request.pk else "",
        }
        (invitations if open_invitation else history).append(row)
    engagements = [
        {"engagement": engagement, "pay": Pay.of_engagement(engagement)}
        for engagement in (selectors.engagements_of_expert(contributor=contributor) if contributor else [])
    ]
    shown = error is not None and any(row["error"] for row in invitations)
    return {
        "contributor": contributor,
        "invitations": invitations,
        "history": history,
        "engagements": engagements,
        # An answer to a request that is no longer open has no card of its own to show on.
        "page_error": error[1] if error is not None and not shown else "",
    }


def joined_message(engagement) -> str:
    """What an expert is told on accepting an invitation: the project and the rate they locked."""
    pay = Pay.of_engagement(engagement)
    return f"You joined “{engagement.project.title}” at {money(pay.rate_minor, pay.currency)} {pay.unit}."

"""What a thread can be about, and who may read each kind of subject.

Every rule here is the subject's own app's: the expert's side asks the selectors that serve
the expert's pages (``time_entry_of_expert``, ``case_of_expert``...), the lab's side asks
the selectors that serve the lab's pages (``project_for_member``, then the project's
``time_entry_of_project``...), operations ask the selectors and role checks of the operations
pages. Nothing is re-decided here: a subject nobody may read is ``None``, and the thread
answers 404 like its subject.

Operations never read a thread between a lab and an expert here: only through a case
that names its subject (``conversations.selectors.thread_for_dispute``), audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from accounts.models import Role, User
from accounts.notifications import ops_reviewers
from accounts.permissions import is_expert, is_lab_member, is_ops, is_ops_reviewer
from contributors.models import Contributor
from contributors.selectors import contributor_for_user
from identity import selectors as identity_selectors
from marketplace import selectors as marketplace_selectors
from marketplace.models import Engagement, Lab, StaffingRequest, TaskSubmission, TimeEntry
from marketplace.permissions import LAB_REVIEWERS
from payouts.transfers import selectors as payout_selectors
from tax import selectors as tax_selectors
from tax.models import TaxForm
from vetting import selectors as vetting_selectors

from .models import SubjectKind

K = SubjectKind

LAB_KINDS = frozenset({K.STAFFING_REQUEST, K.ENGAGEMENT, K.TIME_ENTRY, K.TASK})
OPS_KINDS = frozenset(
    {K.CREDENTIAL, K.DEACTIVATION_CASE, K.PAYOUT_HOLD, K.TAX_FORM, K.ACCOUNT_CASE, K.ACCOUNT_CASE_OTHER}
)


@dataclass(frozen=True)
class Subject:
    kind: str
    pk: int
    contributor: Contributor
    lab: Lab | None
    label: str
    # The subject itself, as its own app's selector returned it.
    obj: object


def _expert(user: User) -> Contributor | None:
    return contributor_for_user(user=user) if is_expert(user) else None


def _project_of_member(user: User, project_id: int | None):
    if project_id is None or not is_lab_member(user):
        return None
    return marketplace_selectors.project_for_member(user=user, pk=project_id)


# --- lab and expert subjects ------------------------------------------------------------


def _time_entry(user: User, pk: int):
    if is_expert(user):
        return marketplace_selectors.time_entry_of_expert(user=user, pk=pk)
    # Every version, superseded ones included, as the lab's review history shows them: a
    # conversation about a rejected version stays readable once the expert corrects it.
    project_id = TimeEntry.objects.filter(pk=pk).values_list("project_id", flat=True).first()
    project = _project_of_member(user, project_id)
    return marketplace_selectors.time_entry_of_project(project=project, pk=pk) if project else None


def _task(user: User, pk: int):
    if is_expert(user):
        return marketplace_selectors.task_of_expert(user=user, pk=pk)
    project_id = TaskSubmission.objects.filter(pk=pk).values_list("project_id", flat=True).first()
    project = _project_of_member(user, project_id)
    return marketplace_selectors.task_of_project(project=project, pk=pk) if project else None


def _engagement(user: User, pk: int):
    if (contributor := _expert(user)) is not None:
        return marketplace_selectors.engagement_of_expert(contributor=contributor, pk=pk)
    project_id = Engagement.objects.filter(pk=pk).values_list("project_id", flat=True).first()
    project = _project_of_member(user, project_id)
    return marketplace_selectors.engagements_of_project(project=project).filter(pk=pk).first() if project else None


def _staffing_request(user: User, pk: int):
    if (contributor := _expert(user)) is not None:
        return marketplace_selectors.staffing_request_for_expert(contributor=contributor, pk=pk)
    project_id = StaffingRequest.objects.filter(pk=pk).values_list("project_id", flat=True).first()
    project = _project_of_member(user, project_id)
    return marketplace_selectors.staffing_request_of_project(project=project, pk=pk) if project else None


# --- expert and operations subjects -------------------------------------------------------


def _credential(user: User, pk: int):
    return vetting_selectors.credential_visible_to(user=user, pk=pk)


def _deactivation_case(user: User, pk: int):
    if is_expert(user):
        return vetting_selectors.case_of_expert(user=user, pk=pk)
    # The case pages are for operations reviewers (vetting/views/ops_cases.py).
    if is_ops_reviewer(user):
        return vetting_selectors.case_for_ops(pk=pk)
    return None


def _payout_hold(user: User, pk: int):
    if is_expert(user):
        hold = payout_selectors.payout_hold_of_expert(user=user)
        return hold if hold is not None and hold.pk == pk else None
    # Every operations member reads the holds (payouts/views/payout_holds.py).
    if is_ops(user):
        return payout_selectors.payout_holds(active_only=False).filter(pk=pk).first()
    return None


def _tax_form(user: User, pk: int):
    if (contributor := _expert(user)) is not None:
        return tax_selectors.tax_form_history(contributor=contributor).filter(pk=pk).first()
    # Every operations member reads who signed what (tax/views.py, ``ops_tax_forms``).
    if is_ops(user):
        return TaxForm.objects.select_related("contributor").filter(pk=pk).first()
    return None


def _account_case_side(user: User, pk: int, *, other: bool):
    """An identity case, for one of its accounts: that account's expert, or operations.

    The expert through the case page's own selector, and only for their side of it (the other
    account of a duplicate never reads this one's thread); every member of operations, as the
    case pages are theirs (identity/views/ops.py), for a side the case has.
    """
    if is_expert(user):
        found = identity_selectors.account_case_of_expert(user=user, pk=pk)
        if found is None:
            return None
        case, contributor = found
        side = case.other_contributor_id if other else case.contributor_id
        return case if side == contributor.pk else None
    if is_ops(user):
        case = identity_selectors.account_case_for_ops(pk=pk)
        if case is None or (other and case.other_contributor_id is None):
            return None
        return case
    return None


def _account_case(user: User, pk: int):
    return _account_case_side(user, pk, other=False)


def _account_case_other(user: User, pk: int):
    return _account_case_side(user, pk, other=True)


def _account_case_label(case) -> str:
    return f"Account case #{case.pk}: {case.get_kind_display().lower()}"


@dataclass(frozen=True)
class _Kind:
    find: Callable[[User, int], object | None]
    label: Callable[[object], str]
    lab: Callable[[object], Lab | None] = lambda obj: None
    # Who speaks for operations on this kind of subject (told of the expert's messages).
    ops_roles: tuple[str, ...] = ()
    # Which members of operations read this kind of subject (the role its pages ask for).
    ops_read: Callable[[User], bool] = is_ops
    # The expert the subject is about (an identity case names two on a duplicate).
    contributor: Callable[[object], Contributor] = lambda obj: obj.contributor


KINDS: dict[str, _Kind] = {
    K.TIME_ENTRY: _Kind(
        _time_entry,
        lambda e: f"{e.project.title}: time on {e.work_date:%d %b %Y}",
        lambda e: e.project.lab,
    ),
    K.TASK: _Kind(_task, lambda t: f"{t.project.title}: task {t.task_reference}", lambda t: t.project.lab),
    K.ENGAGEMENT: _Kind(_engagement, lambda e: e.project.title, lambda e: e.project.lab),
    K.STAFFING_REQUEST: _Kind(
        _staffing_request, lambda r: f"{r.project.title} ({r.get_kind_display().lower()})", lambda r: r.project.lab
    ),
    K.CREDENTIAL: _Kind(_credential, lambda c: c.title, ops_roles=(Role.OPS_REVIEWER,)),
    K.DEACTIVATION_CASE: _Kind(
        _deactivation_case,
        lambda c: f"Case {c.pk} ({c.get_status_display().lower()})",
        ops_roles=(Role.OPS_REVIEWER,),
        ops_read=is_ops_reviewer,
    ),
    K.PAYOUT_HOLD: _Kind(
        _payout_hold, lambda h: f"Hold on payouts since {h.placed_at:%d %b %Y}", ops_roles=(Role.OPS_FINANCE,)
    ),
    K.TAX_FORM: _Kind(
        _tax_form, lambda f: f"{f.get_kind_display()} signed {f.signed_at:%d %b %Y}", ops_roles=(Role.OPS_REVIEWER,)
    ),
    # Reviewers decide identity cases and are told of them (identity/services/cases.py).
    K.ACCOUNT_CASE: _Kind(_account_case, _account_case_label, ops_roles=(Role.OPS_REVIEWER,)),
    K.ACCOUNT_CASE_OTHER: _Kind(
        _account_case_other,
        _account_case_label,
        ops_roles=(Role.OPS_REVIEWER,),
        contributor=lambda case: case.other_contributor,
    ),
}


def subject_for(*, user: User, kind: str, pk: int) -> Subject | None:
    """The subject ``user`` may read, or None: another person's subject, or a kind they never discuss.

    Operations are never a party to a thread between a lab and an expert.
    """
    spec = KINDS.get(kind)
    if spec is None or (kind in LAB_KINDS and is_ops(user)):
        return None
    obj = spec.find(user, pk)
    if obj is None:
        return None
    return Subject(
        kind=kind,
        pk=pk,
        contributor=spec.contributor(obj),
        lab=spec.lab(obj),
        label=spec.label(obj)[:200],
        obj=obj,
    )


def ops_recipients(kind: str) -> list[User]:
    roles = KINDS[kind].ops_roles
    if roles == (Role.OPS_REVIEWER,):
        return ops_reviewers()
    return list(User.objects.filter(role__in=roles, is_active=True))


def lab_recipients(lab: Lab) -> list[User]:
    """The lab's members who review work: the people who answer the expert for the lab."""
    return [m.user for m in marketplace_selectors.lab_members(lab=lab) if m.role in LAB_REVIEWERS]


def thread_for_dispute_subject(*, dispute) -> tuple[str, int]:
    """The subject a time dispute (an operations case) names: its time entry."""
    return K.TIME_ENTRY, dispute.time_entry_id

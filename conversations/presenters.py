"""Where the thing a thread is about lives, for the person reading the thread."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import User
from accounts.permissions import is_expert, is_lab_member

from .models import SubjectKind
from .subjects import Subject

K = SubjectKind


def subject_link(*, subject: Subject, user: User) -> str:
    """The page of the subject this person would open, with the item's anchor where it has one."""
    obj = subject.obj
    kind = subject.kind
    if is_expert(user):
        links = {
            K.TIME_ENTRY: lambda: (
                reverse("expert-timesheet", args=[obj.engagement_id]) + f"?week={obj.work_date:%Y-%m-%d}#entry-{obj.pk}"
            ),
            K.TASK: lambda: reverse("expert-tasks", args=[obj.engagement_id]),
            K.ENGAGEMENT: lambda: reverse("expert-timesheet", args=[obj.pk]),
            K.STAFFING_REQUEST: lambda: reverse("expert-invitations"),
            K.CREDENTIAL: lambda: reverse("expert-credential", args=[obj.pk]),
            K.DEACTIVATION_CASE: lambda: reverse("expert-case", args=[obj.pk]),
            K.PAYOUT_HOLD: lambda: reverse("expert-payouts"),
            K.TAX_FORM: lambda: reverse("expert-tax-form"),
            K.ACCOUNT_CASE: lambda: reverse("expert-account-case", args=[obj.pk]),
            K.ACCOUNT_CASE_OTHER: lambda: reverse("expert-account-case", args=[obj.pk]),
        }
    elif is_lab_member(user):
        links = {
            K.TIME_ENTRY: lambda: reverse("lab-review", args=[obj.project_id]) + f"#time-entries-{obj.pk}",
            K.TASK: lambda: reverse("lab-review", args=[obj.project_id]) + f"#tasks-{obj.pk}",
            K.ENGAGEMENT: lambda: reverse("lab-project", args=[obj.project_id]),
            K.STAFFING_REQUEST: lambda: reverse("lab-project", args=[obj.project_id]),
        }
    else:
        links = {
            K.CREDENTIAL: lambda: reverse("ops-credential", args=[obj.pk]),
            K.DEACTIVATION_CASE: lambda: reverse("ops-case", args=[obj.pk]),
            K.PAYOUT_HOLD: lambda: reverse("ops-payout-holds"),
            K.TAX_FORM: lambda: reverse("ops-tax-forms"),
            K.ACCOUNT_CASE: lambda: reverse("ops-account-case", args=[obj.pk]),
            K.ACCOUNT_CASE_OTHER: lambda: reverse("ops-account-case", args=[obj.pk]),
        }
    link = links.get(kind)
    return link() if link else ""


def author_label(*, thread, author: User) -> str:
    """How a message's author is named to both sides: the expert by the name they chose to show,
    a lab's member with their lab, operations as operations."""
    if author.pk == thread.contributor.user_id:
        return thread.contributor.display_name
    name = author.full_name or author.email
    if thread.lab_id:
        return f"{name} ({thread.lab.name})"
    return f"{name} (operations)"


def message_rows(*, thread, messages) -> list:
    rows = list(messages)
    for message in rows:
        message.author_label = author_label(thread=thread, author=message.author)
    return rows

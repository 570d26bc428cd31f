"""A project's review queue: time entries, tasks and appeals waiting for the lab."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

from ..forms import AppealDecisionForm, RejectForm
from ..models import Project, ReviewStatus
from .work import duration, zone

REJECT_LABEL = "Reason (the expert reads it)"
DECIDE_LABEL = "Reason for the decision"


def expert_times(item, viewer_tz: zoneinfo.ZoneInfo) -> str:
    """A time entry's start and end on the expert's own clock, when it differs from the reviewer's."""
    started_at, ended_at = getattr(item, "started_at", None), getattr(item, "ended_at", None)
    if started_at is None or ended_at is None:
        return ""
    tz = zone(item.contributor.timezone)
    if started_at.astimezone(tz).utcoffset() == started_at.astimezone(viewer_tz).utcoffset():
        return ""
    return f"{started_at.astimezone(tz):%H:%M}\N{EN DASH}{ended_at.astimezone(tz):%H:%M} {tz.key}"


def item_label(kind: str, item) -> str:
    """A piece of work in a sentence, as the review messages name it.

    The expert's name never ends it: a name with a trailing full stop ("Dr. Amara O.")
    would end the sentence with two.
    """
    who = item.contributor.display_name
    if kind == "tasks":
        return f"{who}'s task {item.task_reference}"
    return f"{duration(item.minutes)} of {item.get_activity_display().lower()} by {who} on {item.work_date:%-d %b %Y}"


def review_rows(
    project: Project,
    entries,
    tasks,
    *,
    reviewer_id: int,
    viewer_tz: zoneinfo.ZoneInfo,
    error: tuple[str, int, str, object] | None,
) -> dict:
    """Routed tasks, appeals, entries and other tasks, each with its forms; ``error`` is (kind, pk, which form, the
    form or a message) for the item whose action failed, shown open on that item."""
    window = timedelta(days=project.review_window_days)

    def row(kind: str, item) -> dict:
        mine = error is not None and error[0] == kind and error[1] == item.pk
        appealed = item.status == ReviewStatus.APPEALED
        reject_form = RejectForm(label=REJECT_LABEL, auto_id=f"id_reject_{kind}_{item.pk}_%s")
        decide_form = AppealDecisionForm(label=DECIDE_LABEL, auto_id=f"id_decide_{kind}_{item.pk}_%s")
        message = ""
        if mine and error[2] == "reject":
            reject_form = error[3]
        elif mine and error[2] == "decide":
            decide_form = error[3]
        elif mine:
            message = error[3]
        return {
            "kind": kind,
            "item": item,
            "key": f"{kind}:{item.pk}",
            "label": item_label(kind, item),
            "duration": duration(item.minutes),
            "expert_times": expert_times(item, viewer_tz),
            "appealed": appealed,
            "auto_approve_on": (item.appealed_at or item.submitted_at) + window,
            "rejected_by_me": appealed and item.reviewed_by_id == reviewer_id,
            "reject_form": reject_form,
            "decide_form": decide_form,
            "open": mine,
            "message": message,
            "answer_label": (item.answer or {}).get("label", "")
            if kind == "tasks" and isinstance(item.answer, dict)
            else "",
        }

    entry_rows = [row("time-entries", entry) for entry in entries]
    task_rows = [row("tasks", task) for task in tasks]
    # The page lists what the judge routed to a person before anything else, as it says.
    return {
        "routed": [r for r in task_rows if not r["appealed"] and r["item"].needs_expert_review],
        # Oldest appeal first, whichever its kind: each is approved automatically in turn.
        "appeals": sorted(
            (r for r in entry_rows + task_rows if r["appealed"]),
            key=lambda r: (r["item"].appealed_at or r["item"].submitted_at, r["kind"], r["item"].pk),
        ),
        "entries": [r for r in entry_rows if not r["appealed"]],
        "tasks": [r for r in task_rows if not r["appealed"] and not r["item"].needs_expert_review],
    }

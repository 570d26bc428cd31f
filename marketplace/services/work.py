"""Work logging and its review, by area: ``time_entries``, ``task_submissions``, ``reviews``,
``appeals`` and ``imports``, with the rules they share in ``checks``.

Kept so that ``marketplace.services.work`` names what it always named.
"""

from .appeals import work_appeal as work_appeal
from .appeals import work_decide_appeal as work_decide_appeal
from .imports import IMPORT_FIELDS as IMPORT_FIELDS
from .imports import ImportRefused as ImportRefused
from .imports import ImportResult as ImportResult
from .imports import time_entries_import as time_entries_import
from .reviews import LAB_REVIEWERS as LAB_REVIEWERS
from .reviews import work_approve as work_approve
from .reviews import work_auto_approve_sweep as work_auto_approve_sweep
from .reviews import work_reject as work_reject
from .task_submissions import task_hold_lift as task_hold_lift
from .task_submissions import task_submit as task_submit
from .time_entries import time_entry_log as time_entry_log
from .time_entries import time_entry_revise as time_entry_revise

__all__ = [
    "ImportRefused",
    "ImportResult",
    "task_hold_lift",
    "task_submit",
    "time_entries_import",
    "time_entry_log",
    "time_entry_revise",
    "work_appeal",
    "work_approve",
    "work_auto_approve_sweep",
    "work_decide_appeal",
    "work_reject",
]

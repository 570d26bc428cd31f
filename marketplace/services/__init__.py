"""Marketplace actions, one module per area; import them from here."""

from .appeals import *  # noqa: F403
from .candidates import *  # noqa: F403
from .disputes import *  # noqa: F403
from .floor_warnings import *  # noqa: F403
from .funding import *  # noqa: F403
from .imports import *  # noqa: F403
from .instructions import *  # noqa: F403
from .lab_invitations import *  # noqa: F403
from .late_work import *  # noqa: F403
from .projects import *  # noqa: F403
from .quality import *  # noqa: F403
from .reviews import *  # noqa: F403
from .staffing import *  # noqa: F403
from .task_submissions import *  # noqa: F403
from .time_entries import *  # noqa: F403

"""Marketplace actions, one module per area; import them from here."""

from .projects import *  # noqa: F403
from .quality import *  # noqa: F403
from .work import *  # noqa: F403

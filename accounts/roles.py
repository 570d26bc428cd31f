"""The kinds of account; which of them may do what is ``accounts.permissions``."""

from django.db import models


class Role(models.TextChoices):
    EXPERT = "expert", "Expert"
    LAB_MEMBER = "lab_member", "Lab member"
    OPS_REVIEWER = "ops_reviewer", "Operations reviewer"
    OPS_FINANCE = "ops_finance", "Operations finance"


OPS_ROLES = frozenset({Role.OPS_REVIEWER, Role.OPS_FINANCE})
# Operations accounts are created by an administrator (``manage.py ops_user_create``).
SELF_SIGN_UP_ROLES = (Role.EXPERT, Role.LAB_MEMBER)

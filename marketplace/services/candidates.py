"""A lab member opens the candidate page of an expert for one of the lab's projects.

Reading it is recorded in the audit trail (operations see who looked at whom, and why
they could), in the transaction that reads it. What may be seen is ``marketplace.candidates``.
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from audit.services import audit_record

from ..candidates import CandidateProfile, candidate_for_project, candidate_profile
from ..models import LabRole, Project
from ..permissions import require_lab_role

__all__ = ["candidate_profile_open"]


def candidate_profile_open(*, actor: User, project: Project, contributor_id: int) -> CandidateProfile | None:
    """The expert's candidate page for ``project``, audited; None when the lab may not see them."""
    require_lab_role(actor, lab=project.lab, roles=tuple(LabRole.values), to="see candidates")
    with transaction.atomic():
        found = candidate_for_project(project=project, contributor_id=contributor_id)
        if found is None:
            return None
        contributor, relation = found
        audit_record(
            actor=actor,
            action="marketplace.candidate.viewed",
            target=contributor,
            after={"project": project.pk, "lab": project.lab_id, "because": relation},
        )
        return candidate_profile(project=project, contributor=contributor, relation=relation)

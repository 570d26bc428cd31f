"""Erasing a person's expert profile, as one part of an approved erasure (``privacy``).

What names or describes the person goes: the legal and display names (replaced by
"Erased expert <id>", so that pages and lists still have something to show), languages,
skills, specialties and the content they opted out of. What pay records are computed
from stays for as long as those records are kept: the country and subdivision (and
their history) whose minimum wage applied, the timezone that drew the pay weeks, the
status and tier. The erasure deactivates the profile first, through
``contributors.services.contributor_status_set``, so that engagements end as they do for
any deactivation.
"""

from __future__ import annotations

from .models import Contributor


def erased_display_name(contributor_id: int) -> str:
    return f"Erased expert {contributor_id}"


def contributor_personal_data_erase(*, contributor: Contributor) -> dict[str, int]:
    contributor = Contributor.objects.select_for_update().get(pk=contributor.pk)
    contributor.legal_name = contributor.display_name = erased_display_name(contributor.pk)
    contributor.languages = []
    contributor.skills = []
    contributor.content_opt_outs = []
    contributor.specialty_ids = []
    contributor.specialty_families = []
    contributor.save(
        update_fields=[
            "legal_name",
            "display_name",
            "languages",
            "skills",
            "content_opt_outs",
            "specialty_ids",
            "specialty_families",
            "updated_at",
        ]
    )
    contributor.specialties.clear()
    return {"profile": 1}

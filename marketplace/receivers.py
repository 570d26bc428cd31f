"""The marketplace's answers to changes announced by the apps below it."""

from __future__ import annotations

from django.dispatch import receiver

from contributors.signals import contributor_status_changed

from .services.engagements import engagements_follow_expert


@receiver(contributor_status_changed, dispatch_uid="marketplace.engagements_follow_expert")
def _engagements_follow_expert(sender, *, contributor, before, after, actor, reason, **kwargs) -> None:
    # Suspension pauses, deactivation ends, reinstatement resumes: in the change's transaction.
    engagements_follow_expert(actor=actor, contributor=contributor, before=before, after=after, reason=reason)

"""The marketplace's answers to changes announced by the apps below it and by allauth."""

from __future__ import annotations

from allauth.account.signals import email_confirmed
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from contributors.signals import contributor_status_changed
from payouts.reference.signals import fx_currencies_wanted, minimum_wage_added

from .selectors import currencies_of_projects
from .services import lab_invitations_accept
from .services.engagements import engagements_follow_expert
from .services.floor_warnings import floor_warnings_for_minimum_wage_task


@receiver(contributor_status_changed, dispatch_uid="marketplace.engagements_follow_expert")
def _engagements_follow_expert(sender, *, contributor, before, after, actor, reason, **kwargs) -> None:
    # Suspension pauses, deactivation ends, reinstatement resumes: in the change's transaction.
    engagements_follow_expert(actor=actor, contributor=contributor, before=before, after=after, reason=reason)


@receiver(email_confirmed, dispatch_uid="marketplace.join_the_labs_that_invited_the_address")
def _join_the_labs_that_invited_the_address(sender, request, email_address, **kwargs) -> None:
    # A confirmed address joins the labs that invited it (the pages' and the API's confirmation alike).
    lab_invitations_accept(actor=email_address.user)


@receiver(fx_currencies_wanted, dispatch_uid="marketplace.currencies_of_projects")
def _currencies_of_projects(sender, **kwargs) -> list[str]:
    # The FX import stores rates for every currency a project is priced in.
    return currencies_of_projects()


@receiver(minimum_wage_added, dispatch_uid="marketplace.warn_labs_of_a_future_minimum_wage")
def _warn_labs_of_a_future_minimum_wage(sender, *, minimum_wage, actor, **kwargs) -> None:
    # A minimum wage approved ahead of its day: the labs it will catch out are told once it commits.
    if minimum_wage.effective_from > timezone.now().date():
        row_id = minimum_wage.pk
        transaction.on_commit(lambda: floor_warnings_for_minimum_wage_task.delay(row_id))

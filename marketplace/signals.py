"""A confirmed address joins the labs that invited it (the pages' and the API's confirmation alike)."""

from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from .services import lab_invitations_accept


@receiver(email_confirmed)
def join_the_labs_that_invited_the_address(sender, request, email_address, **kwargs):
    lab_invitations_accept(actor=email_address.user)

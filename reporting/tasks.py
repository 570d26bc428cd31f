from celery import shared_task

from .services.seller_copies import seller_copies_due_send


@shared_task
def dac7_seller_copies_task() -> int:
    """Daily; mails only in January (the copies are due by 31 January)."""
    return seller_copies_due_send(actor=None)

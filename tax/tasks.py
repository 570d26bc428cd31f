from celery import shared_task

from .services import tax_form_expiry_reminders_send


@shared_task
def tax_form_expiry_reminders_task() -> int:
    return tax_form_expiry_reminders_send(actor=None)

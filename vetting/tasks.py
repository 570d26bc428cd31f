from celery import shared_task

from . import services


@shared_task
def credentials_expiry_sweep_task() -> dict[str, int]:
    return services.credentials_expiry_sweep(actor=None)


@shared_task
def deactivation_windows_sweep_task() -> int:
    return services.deactivation_windows_sweep(actor=None)

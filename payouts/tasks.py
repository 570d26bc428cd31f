from celery import shared_task

from . import services


@shared_task(acks_late=True)
def pay_run_compute_task(run_id: int) -> dict:
    return services.pay_run_compute(run_id=run_id).totals

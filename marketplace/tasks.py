from celery import shared_task

from .services import work_auto_approve_sweep


@shared_task
def work_auto_approve_task() -> int:
    return work_auto_approve_sweep()

from celery import shared_task

from .services import review_requests_remind


@shared_task
def review_requests_remind_task() -> dict[str, int]:
    """Hourly: remind operations' reviewers of reviews due soon and overdue, once each."""
    return review_requests_remind()

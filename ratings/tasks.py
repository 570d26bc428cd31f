"""The scheduled work of ratings: the monthly publication of labs' aggregates and the reminder."""

from celery import shared_task

from .services import lab_rating_reminders_send, lab_ratings_publish


@shared_task
def lab_ratings_publish_task() -> int:
    return lab_ratings_publish(actor=None)


@shared_task
def lab_rating_reminders_task() -> int:
    return lab_rating_reminders_send(actor=None)

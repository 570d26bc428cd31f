"""The accounts app's tasks, gathered for the worker: each is defined beside its service."""

from .mail import send_email_task
from .notices import notice_digests_task

__all__ = ["notice_digests_task", "send_email_task"]

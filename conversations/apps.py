from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    """Threads between a lab and an expert, or an expert and operations, about one thing."""

    name = "conversations"

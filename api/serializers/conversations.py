"""Conversations: threads about one subject, their messages, read state and closing."""

from rest_framework import serializers

from conversations.models import Message as ConversationMessage
from conversations.models import SubjectKind, Thread
from conversations.presenters import author_label

from .model_fields import choices, max_length


class ThreadOpenInput(serializers.Serializer):
    subject_kind = serializers.ChoiceField(choices=choices(Thread, "subject_kind"))
    subject_id = serializers.IntegerField(min_value=1)


class MessageInput(serializers.Serializer):
    body = serializers.CharField(
        max_length=max_length(ConversationMessage, "body"), help_text="Plain text; shown escaped."
    )
    attachment = serializers.FileField(required=False, help_text="A PDF, PNG or JPEG, checked by its content.")


class CloseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=max_length(Thread, "close_reason"), help_text="Both sides read it.")


class MessageOutput(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.SerializerMethodField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    attachment = serializers.SerializerMethodField(help_text="Where to download the attachment, if any")
    attachment_type = serializers.CharField()
    attachment_size = serializers.IntegerField(allow_null=True)

    def get_author(self, message) -> str:
        return author_label(thread=message.thread, author=message.author)

    def get_attachment(self, message) -> str | None:
        return f"/api/conversations/messages/{message.pk}/attachment/" if message.attachment else None


class ThreadOutput(serializers.Serializer):
    id = serializers.IntegerField()
    subject_kind = serializers.ChoiceField(choices=SubjectKind.choices)
    subject_id = serializers.IntegerField()
    subject_label = serializers.CharField()
    contributor = serializers.IntegerField(source="contributor_id")
    expert_name = serializers.CharField(source="contributor.display_name")
    lab = serializers.IntegerField(source="lab_id", allow_null=True, help_text="None: with operations")
    lab_name = serializers.CharField(source="lab.name", allow_null=True, default=None)
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_message_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    close_reason = serializers.CharField()
    unread = serializers.BooleanField(required=False, default=False)


class ThreadDetailOutput(ThreadOutput):
    messages = MessageOutput(many=True)

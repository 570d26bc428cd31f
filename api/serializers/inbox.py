"""The inbox and notices through the API: what waits for a person, their notices, their mail preferences."""

from django.utils import timezone
from rest_framework import serializers

from accounts.models import Notice, NoticeKind

from .model_fields import choices


class InboxItemOutput(serializers.Serializer):
    source = serializers.CharField()
    title = serializers.CharField()
    link = serializers.CharField(help_text="The path of the page where it is dealt with.")
    since = serializers.DateTimeField(allow_null=True, help_text="When the oldest of its items started waiting.")
    age_seconds = serializers.SerializerMethodField(help_text="How long the oldest item has waited, in seconds.")
    count = serializers.IntegerField()
    detail = serializers.CharField()

    def get_age_seconds(self, item) -> int | None:
        if item.since is None or not item.count:
            return None
        return max(0, int((timezone.now() - item.since).total_seconds()))


class InboxSectionOutput(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    items = InboxItemOutput(many=True)


class InboxOutput(serializers.Serializer):
    audience = serializers.ChoiceField(choices=["expert", "lab", "ops"], allow_null=True)
    sections = InboxSectionOutput(many=True)
    waiting = serializers.IntegerField()
    unread_notices = serializers.IntegerField(help_text="Unread notices (a message's notice is its conversation).")
    unread_conversations = serializers.IntegerField(
        help_text="Conversations with a message or a closing from someone else the caller has not read."
    )
    unread = serializers.IntegerField(
        help_text="What is new, each thing once: unread notices and conversations (the navigation's count)."
    )


class NoticeOutput(serializers.ModelSerializer):
    class Meta:
        model = Notice
        fields = ["id", "kind", "title", "body", "link", "created_at", "read_at", "emailed_at"]


class NoticesReadOutput(serializers.Serializer):
    marked = serializers.IntegerField()


class NoticeKindPreferenceOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    label = serializers.CharField()
    email = serializers.BooleanField(help_text="Whether notices of this kind are mailed.")
    always = serializers.BooleanField(help_text="Always mailed; cannot be turned off (security).")


class NoticePreferencesOutput(serializers.Serializer):
    kinds = NoticeKindPreferenceOutput(many=True)
    daily_digest = serializers.BooleanField()


class NoticePreferencesInput(serializers.Serializer):
    email_off = serializers.ListField(
        child=serializers.ChoiceField(choices=choices(Notice, "kind")),
        max_length=len(NoticeKind.choices),
        help_text="The kinds not to be mailed about (they still reach the inbox). Security cannot be turned off.",
    )
    daily_digest = serializers.BooleanField()

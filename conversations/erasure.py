"""Erasing a person's messages, as one part of an approved erasure (``privacy``).

The threads stay (the other party's side of the conversation is theirs), but what the
person wrote goes: each of their messages keeps its place and time with its text replaced
by a note that it was erased, and their attachments are deleted (the files after the
erasure commits).
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import User

from .models import Message

ERASED_MESSAGE = "(This message was erased at its author's request.)"


def messages_personal_data_erase(*, user: User) -> dict[str, int]:
    mine = Message.objects.filter(author=user)
    with_files = list(mine.exclude(attachment="").values_list("attachment", flat=True))
    count = mine.update(
        body=ERASED_MESSAGE, attachment="", attachment_name="", attachment_type="", attachment_size=None
    )
    storage = Message._meta.get_field("attachment").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in with_files])
    return {"messages": count, "message_attachments": len(with_files)}

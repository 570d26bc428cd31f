"""What a person's inbox holds: the items of every source for their role, and their notices.

What is new for a person is counted once: a notice, or a conversation with something unread
(its messages' notices are not listed beside it, ``accounts.models.NOTICE_KINDS_SHOWN_BY_THEIR_PAGE``).
The navigation's count (``inbox_unread_count``) is the inbox's ``unread``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.models import User
from accounts.notices import notice_unread_count, notices_for
from conversations.selectors import unread_count as conversations_unread_count

from .sources import SOURCES, InboxItem, audience_of

# The source of conversations with something unread.
MESSAGES = "messages"


@dataclass
class InboxSection:
    name: str
    label: str
    items: list[InboxItem] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(item.count for item in self.items)


@dataclass
class Inbox:
    audience: str | None
    sections: list[InboxSection]
    unread_notices: int

    @property
    def waiting(self) -> int:
        return sum(section.count for section in self.sections)

    @property
    def unread_conversations(self) -> int:
        return sum(section.count for section in self.sections if section.name == MESSAGES)

    @property
    def unread(self) -> int:
        """What is new: unread notices and conversations with something unread (the navigation's count)."""
        return self.unread_notices + self.unread_conversations


def inbox_sections(*, user: User) -> list[InboxSection]:
    """The sources for the person's role, in the order ``SOURCES`` lists them, each asked once."""
    audience = audience_of(user)
    sections = []
    for source in SOURCES:
        if source.audience != audience or not source.allowed(user):
            continue
        sections.append(InboxSection(source.name, source.label, source.items(user)))
    return sections


def inbox_for(*, user: User) -> Inbox:
    return Inbox(
        audience=audience_of(user),
        sections=inbox_sections(user=user),
        unread_notices=notice_unread_count(user=user),
    )


def inbox_unread_count(*, user: User) -> int:
    """The count the navigation shows: the same as ``Inbox.unread``, without gathering the rest."""
    if not user.is_authenticated:
        return 0
    return notice_unread_count(user=user) + conversations_unread_count(user=user)


__all__ = [
    "Inbox",
    "InboxSection",
    "inbox_for",
    "inbox_sections",
    "inbox_unread_count",
    "notice_unread_count",
    "notices_for",
]

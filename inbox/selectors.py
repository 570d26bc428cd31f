"""What a person's inbox holds: the items of every source for their role, and their notices."""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.models import User
from accounts.notices import notice_unread_count, notices_for

from .sources import SOURCES, InboxItem, audience_of


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


__all__ = ["Inbox", "InboxSection", "inbox_for", "inbox_sections", "notice_unread_count", "notices_for"]

"""The unread count in the navigation of every page a signed-in person sees."""

from accounts.notices import notice_unread_count


def inbox_unread(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazily: pages that never show the navigation (files, JSON) do not pay for the count.
    return {"inbox_unread": lambda: notice_unread_count(user=user)}

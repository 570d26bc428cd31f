"""The unread count in the navigation of every page a signed-in person sees: unread notices and conversations."""

from .selectors import inbox_unread_count


def inbox_unread(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazily: pages that never show the navigation (files, JSON) do not pay for the count.
    return {"inbox_unread": lambda: inbox_unread_count(user=user)}

"""The API as its URL configuration declares it."""

from django.urls import URLPattern, get_resolver


def api_routes() -> list[tuple[str, str]]:
    """Every (URL name, method) pair the API answers, from the URL configuration."""
    routes = []
    resolver = get_resolver()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
                if prefix.startswith("api/") and view is not None:
                    for method in ("get", "post", "put", "patch", "delete"):
                        if hasattr(view, method):
                            routes.append((pattern.name, method))
            else:
                walk(pattern.url_patterns, prefix + str(pattern.pattern))

    walk(resolver.url_patterns)
    return routes

from rest_framework.authentication import TokenAuthentication


class BearerTokenAuthentication(TokenAuthentication):
    """``Authorization: Bearer <token>``; tokens come from ``POST /api/auth/token/``."""

    keyword = "Bearer"

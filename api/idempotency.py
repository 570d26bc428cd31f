"""``Idempotency-Key`` support for POSTs that create something.

The key is stored per user in the same transaction as the work, before the work runs.
A retry after success replays the first answer; a retry sent while the first request
is still running waits on the unique index and then replays it, so the work happens
once. Reusing a key for a different request is refused. Failed requests (4xx) store
nothing: the work did not happen, so a retry may try again.
"""

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from rest_framework.response import Response

from config.errors import ApplicationError

from .models import IdempotentRequest

HEADER = "Idempotency-Key"


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.path.encode())
    digest.update(request._request.body)
    return digest.hexdigest()


def idempotent(handler):
    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        if not (1 <= len(key) <= 255):
            raise ApplicationError(
                "The Idempotency-Key header must be 1 to 255 characters.", code="idempotency_key_invalid"
            )
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotentRequest.objects.create(
                        user=request.user, key=key, fingerprint=fingerprint, path=request.path[:500], response_status=0
                    )
            except IntegrityError:
                previous = IdempotentRequest.objects.get(user=request.user, key=key)
                if previous.fingerprint != fingerprint:
                    raise ApplicationError(
                        "This Idempotency-Key was already used for a different request.",
                        code="idempotency_key_reused",
                    ) from None
                return Response(
                    previous.response_body, status=previous.response_status, headers={"Idempotent-Replayed": "true"}
                )
            response = handler(view, request, *args, **kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)
                return response
            record.response_status = response.status_code
            record.response_body = json.loads(json.dumps(response.data, default=str))
            record.save(update_fields=["response_status", "response_body"])
            return response

    wrapper.idempotent = True
    return wrapper


def not_idempotent(reason: str):
    """Mark a POST that creates nothing, so the coverage test knows it was considered."""

    def decorate(handler):
        handler.idempotency_exempt = reason
        return handler

    return decorate

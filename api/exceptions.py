"""One exception handler: every error the API returns has the same shape.

``{"code": "<stable code>", "message": "<sentence for a person>", "fields": {...}}``
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import ApplicationError


def _error(code: str, message: str, http_status: int, fields=None, headers=None) -> Response:
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return Response(body, status=http_status, headers=headers)


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return _error(exc.code, exc.message, exc.status_code, exc.fields)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return _error("invalid", "Some of the data sent is not valid.", status.HTTP_400_BAD_REQUEST, fields)
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return _error("invalid", "Some of the data sent is not valid.", status.HTTP_400_BAD_REQUEST, detail)
    if isinstance(exc, Http404):
        return _error("not_found", "Not found.", status.HTTP_404_NOT_FOUND)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    message = detail if isinstance(detail, str) else str(detail)
    return _error(code if isinstance(code, str) else "error", message, response.status_code, headers=response.headers)

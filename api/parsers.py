"""The API's JSON parser: what cannot be stored or read safely is refused here, for every endpoint.

DRF's own parser answers a body that is not UTF-8 with a bare "parse error", lets a deeply
nested document exhaust Python's recursion (a 500), and hands on strings with NUL
characters, which PostgreSQL refuses in text and ``jsonb`` alike (another 500, for any
field not checked by a serializer's ``CharField``, such as a task's JSON answer). Here each
is a 400: the first two name the problem, a NUL names the field it is in, in the same
shape as a serializer's field errors.
"""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework import exceptions, parsers
from rest_framework.settings import api_settings
from rest_framework.utils.json import strict_constant

# Deeper than any request the API takes (an assessment's questions are four levels deep).
JSON_MAX_DEPTH = 20
NUL_MESSAGE = "Null characters are not allowed."


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError(
                f"The body is not valid {encoding.upper()} text (byte {exc.start + 1:,}); send JSON encoded as UTF-8."
            ) from None
        try:
            data = json.loads(text, parse_constant=strict_constant if api_settings.STRICT_JSON else None)
        except RecursionError:
            raise exceptions.ParseError(_too_deep()) from None
        except ValueError as exc:
            raise exceptions.ParseError(f"The body is not valid JSON: {exc}.") from None
        _check(data)
        return data


def _too_deep() -> str:
    return f"The JSON is nested more than {JSON_MAX_DEPTH} levels deep."


def _check(data) -> None:
    """Refuse documents nested deeper than the limit and strings (keys too) holding NUL."""
    errors: dict = {}
    # Iterative, so that checking a document never recurses as deep as the document does.
    pending = [(data, (), 0)]
    while pending:
        value, path, depth = pending.pop()
        if depth > JSON_MAX_DEPTH:
            raise exceptions.ParseError(_too_deep())
        if isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    _place(errors, path, NUL_MESSAGE)
                pending.append((item, (*path, key), depth + 1))
        elif isinstance(value, list):
            pending.extend((item, (*path, index), depth + 1) for index, item in enumerate(value))
        elif isinstance(value, str) and "\x00" in value:
            _place(errors, path, NUL_MESSAGE)
    if errors:
        raise exceptions.ValidationError(errors)


def _place(errors: dict, path: tuple, message: str) -> None:
    if not path:
        errors.setdefault("non_field_errors", []).append(message)
        return
    node = errors
    for part in path[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            return  # a message is already there
    messages = node.setdefault(path[-1], [])
    if isinstance(messages, list) and message not in messages:
        messages.append(message)

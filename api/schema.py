"""What the OpenAPI schema says about errors: every operation can answer with the one
error shape (`api.exceptions`), for each reason it may be refused."""

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "A stable code, e.g. `invalid`, `four_eyes`, `not_found`."},
        "message": {"type": "string", "description": "A sentence for a person."},
        "fields": {
            "type": "object",
            "description": "Field-level messages, by field name, for bad input.",
            "additionalProperties": True,
        },
    },
    "required": ["code", "message"],
}

ERROR_RESPONSES = {
    "400": "The request is not valid; `fields` says what to correct. Nothing was changed.",
    "401": "Not signed in, or the token is not valid.",
    "403": "Signed in, but not allowed to do this (role, second factor or four eyes).",
    "404": "No such object, or not one this caller may see.",
    "405": "This method is not allowed here.",
    "409": "The object changed or is busy; read it again and retry.",
    "413": "The upload is too large.",
    "415": "The body's media type is not accepted here.",
    "429": "Too many requests or sign-in attempts; try again later.",
    "503": "A provider this depends on (such as Stripe) could not be reached; nothing was done.",
}


def document_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the error answers to every operation."""
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault("Error", ERROR_SCHEMA)
    reference = {"$ref": "#/components/schemas/Error"}
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, description in ERROR_RESPONSES.items():
                operation["responses"].setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": reference}}}
                )
    return result


def api_paths_only(endpoints):
    """drf-spectacular preprocessing hook: the schema describes the API, not the pages (a
    page that streams a document is built on DRF but answers with HTML when it refuses)."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]

"""Stripe Identity for the local Stripe test server, and its ``/_local/identity/`` controls.

localstripe has no Identity. This adds VerificationSessions of type ``document`` (with
``options.document.require_matching_selfie``) and the VerificationReports they produce,
as objects in localstripe's store (so ``reset()`` forgets them), served by the same
routing as Connect (``stripe_local.connect``):

- ``POST /v1/identity/verification_sessions`` (type, options, metadata, return_url,
  client_reference_id; idempotency keys replay the first answer, as everywhere here);
- ``GET /v1/identity/verification_sessions`` (created, status, client_reference_id,
  pages) and ``GET /v1/identity/verification_sessions/{id}``;
- ``POST /v1/identity/verification_sessions/{id}/cancel`` and ``/redact``;
- ``GET /v1/identity/verification_reports/{id}``;
- ``expand=["verified_outputs", "last_verification_report"]``: unexpanded,
  ``verified_outputs`` is absent and the report is its id, as at Stripe. The document
  ``number`` is only in ``verified_outputs.id_number`` and in the report's
  ``document.number`` when expanded (``expand=["document.number"]`` on the report).

Each session has a hosted ``url`` (``GET /_local/identity/{token}``) that stands in for
Stripe's capture page: visiting it moves the session to ``processing`` and redirects to
its ``return_url``. The outcome is then driven by tests and the demo:

- ``POST /_local/identity/verification_sessions/{id}/verify`` with the verified
  outputs ``{"first_name", "last_name", "dob": {"day","month","year"}, "id_number",
  "issuing_country", "document_type"}`` (defaults for anything left out): the session
  is ``verified`` and ``identity.verification_session.verified`` is sent;
- ``POST /_local/identity/verification_sessions/{id}/requires_input`` with
  ``{"code": "document_expired" | "selfie_face_mismatch" | ..., "reason": "..."}``:
  ``identity.verification_session.requires_input`` is sent.

Cancelling sends ``identity.verification_session.canceled``. Images never exist here,
as they never leave Stripe in production.
"""

from __future__ import annotations

import copy
import secrets

from aiohttp import web
from localstripe import server as localstripe_server
from localstripe.resources import StripeObject, random_id, store

from stripe_local.connect import (
    _PAGE_PARAMS,
    StripeApiError,
    _created_filter,
    _emit,
    _form,
    _json_body,
    _metadata,
    _newest_first,
    _no_such,
    _page,
    _refuse_unknown,
    _route,
    _string,
)

# The errors Stripe reports in ``last_error.code`` for a document check with a selfie.
ERROR_REASONS = {
    "abandoned": "The user did not finish the verification.",
    "consent_declined": "The user declined to be verified by Stripe.",
    "device_not_supported": "The user's device does not support verification.",
    "document_expired": "The provided identity document has expired.",
    "document_type_not_supported": "The provided identity document is not one of the allowed types.",
    "document_unverified_other": "The provided identity document could not be verified.",
    "selfie_document_missing_photo": "The identity document did not contain a recognisable face.",
    "selfie_face_mismatch": "The captured face did not match the face on the document.",
    "selfie_unverified_other": "The selfie could not be verified.",
    "selfie_manipulated": "The captured selfie looked manipulated.",
}
DOCUMENT_TYPES = ("driving_license", "id_card", "passport")


class VerificationReport(StripeObject):
    object = "identity.verification_report"
    _id_prefix = "vr_"

    def __init__(self, *, session: VerificationSession, outputs: dict | None, error: dict | None):
        super().__init__()
        self.type = "document"
        self.verification_session = session.id
        self.options = copy.deepcopy(session.options)
        selfie_failed = error is not None and error["code"].startswith("selfie")
        document_status = "unverified" if error is not None and not selfie_failed else "verified"
        outputs = outputs or {}
        self._number = outputs.get("id_number")
        self.document = {
            "status": document_status,
            "error": error if document_status == "unverified" else None,
            "first_name": outputs.get("first_name"),
            "last_name": outputs.get("last_name"),
            "dob": copy.deepcopy(outputs.get("dob")),
            "issuing_country": outputs.get("issuing_country"),
            "type": outputs.get("document_type"),
            "expiration_date": None,
            "number": None,
            "files": [],
        }
        self.selfie = {
            "status": "unverified" if selfie_failed else "verified",
            "error": error if selfie_failed else None,
            "document": None,
            "selfie": None,
        }

    def _export(self, expand=None):
        exported = super()._export()
        if expand and "document.number" in expand:
            exported["document"]["number"] = self._number
        return exported


class VerificationSession(StripeObject):
    object = "identity.verification_session"
    _id_prefix = "vs_"

    def __init__(self, *, options, metadata, return_url, client_reference_id, hosted_url):
        super().__init__()
        self.type = "document"
        self.status = "requires_input"
        self.options = options
        self.metadata = metadata
        self.return_url = return_url
        self.client_reference_id = client_reference_id
        self.client_secret = f"{self.id}_secret_{random_id(24)}"
        self.url = hosted_url
        self.last_error = None
        self.last_verification_report = None
        self.redaction = None
        self._verified_outputs = None

    def _export(self, expand=None):
        exported = super()._export()
        expand = list(expand or [])
        if "verified_outputs" in expand:
            exported["verified_outputs"] = copy.deepcopy(self._verified_outputs)
        if "last_verification_report" in expand and self.last_verification_report:
            exported["last_verification_report"] = store[
                f"identity.verification_report:{self.last_verification_report}"
            ]._export(expand=["document.number"] if "verified_outputs" in expand else None)
        return exported


def _session(session_id: str) -> VerificationSession:
    session = store.get(f"identity.verification_session:{session_id}")
    if session is None:
        raise _no_such("verification session", session_id)
    return session


def _expand(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or any(
        item not in ("verified_outputs", "last_verification_report") for item in value
    ):
        raise StripeApiError("This property cannot be expanded.", param="expand")
    return value


def _options(value) -> dict:
    options = {
        "document": {
            "allowed_types": list(DOCUMENT_TYPES),
            "require_id_number": False,
            "require_live_capture": True,
            "require_matching_selfie": False,
        }
    }
    if value in (None, ""):
        return options
    if not isinstance(value, dict):
        raise StripeApiError("Invalid object", param="options")
    _refuse_unknown(value, ("document",))
    document = value.get("document") or {}
    if not isinstance(document, dict):
        raise StripeApiError("Invalid object", param="options[document]")
    _refuse_unknown(document, ("allowed_types", "require_id_number", "require_live_capture", "require_matching_selfie"))
    for name in ("require_id_number", "require_live_capture", "require_matching_selfie"):
        if name in document:
            options["document"][name] = str(document[name]).lower() == "true"
    if "allowed_types" in document:
        allowed = document["allowed_types"]
        if not isinstance(allowed, list) or any(item not in DOCUMENT_TYPES for item in allowed):
            raise StripeApiError("Invalid allowed_types", param="options[document][allowed_types]")
        options["document"]["allowed_types"] = allowed
    return options


def _answer(session: VerificationSession, expand) -> web.Response:
    return localstripe_server.json_response(session._export(expand=_expand(expand)))


@_route("POST", "/v1/identity/verification_sessions")
async def _sessions_create(request: web.Request) -> web.Response:
    params, expand = await _form(request)
    _refuse_unknown(params, ("type", "options", "metadata", "return_url", "client_reference_id"))
    if params.get("type", "document") != "document":
        raise StripeApiError("The local Stripe server only verifies documents.", param="type")
    return_url = _string(params.get("return_url"), "return_url")
    if return_url is not None and not return_url.startswith(("http://", "https://")):
        raise StripeApiError("Not a valid URL: return_url", code="url_invalid", param="return_url")
    token = secrets.token_urlsafe(24)
    session = VerificationSession(
        options=_options(params.get("options")),
        metadata=_metadata(params.get("metadata")),
        return_url=return_url,
        client_reference_id=_string(params.get("client_reference_id"), "client_reference_id"),
        hosted_url=f"{request.scheme}://{request.host}/_local/identity/{token}",
    )
    store[f"identity_link:{token}"] = session.id
    return _answer(session, expand)


@_route("GET", "/v1/identity/verification_sessions")
async def _sessions_list(request: web.Request) -> web.Response:
    params, expand = await _form(request)
    _refuse_unknown(params, ("created", "status", "client_reference_id", *_PAGE_PARAMS))
    created = _created_filter(params.get("created"))
    status = params.get("status")
    reference = params.get("client_reference_id")

    def keep(session) -> bool:
        return (
            created(session)
            and (status is None or session.status == status)
            and (reference is None or session.client_reference_id == reference)
        )

    return _page("/v1/identity/verification_sessions", _newest_first(VerificationSession.object, keep), params, expand)


@_route("GET", "/v1/identity/verification_sessions/{session_id}")
async def _sessions_retrieve(request: web.Request, session_id: str) -> web.Response:
    _, expand = await _form(request)
    return _answer(_session(session_id), expand)


@_route("POST", "/v1/identity/verification_sessions/{session_id}/cancel")
async def _sessions_cancel(request: web.Request, session_id: str) -> web.Response:
    _, expand = await _form(request)
    session = _session(session_id)
    if session.status not in ("requires_input", "processing"):
        raise StripeApiError(
            f"This VerificationSession has the status {session.status} and cannot be canceled.",
            code="verification_session_invalid_state",
        )
    session.status = "canceled"
    _emit("identity.verification_session.canceled", session)
    return _answer(session, expand)


@_route("POST", "/v1/identity/verification_sessions/{session_id}/redact")
async def _sessions_redact(request: web.Request, session_id: str) -> web.Response:
    _, expand = await _form(request)
    session = _session(session_id)
    if session.status == "processing":
        raise StripeApiError("A session that is processing cannot be redacted.")
    session.redaction = {"status": "redacted"}
    session._verified_outputs = None
    session.metadata = {}
    if session.last_verification_report:
        report = store[f"identity.verification_report:{session.last_verification_report}"]
        report._number = None
        report.document = {key: None for key in report.document} | {"status": report.document["status"]}
    _emit("identity.verification_session.redacted", session)
    return _answer(session, expand)


@_route("GET", "/v1/identity/verification_reports/{report_id}")
async def _reports_retrieve(request: web.Request, report_id: str) -> web.Response:
    _, expand = await _form(request)
    report = store.get(f"identity.verification_report:{report_id}")
    if report is None:
        raise _no_such("verification report", report_id)
    return localstripe_server.json_response(report._export(expand=expand))


# --- control endpoints ---------------------------------------------------------------


@_route("GET", "/_local/identity/{token}", needs_api_key=False)
async def _hosted_page(request: web.Request, token: str) -> web.StreamResponse:
    session_id = store.get(f"identity_link:{token}")
    if session_id is None:
        raise web.HTTPNotFound(text="This verification link does not exist.")
    session = _session(session_id)
    if session.status == "requires_input":
        session.status = "processing"
        session.last_error = None
        _emit("identity.verification_session.processing", session)
    if session.return_url:
        raise web.HTTPFound(session.return_url)
    return web.Response(text="Your documents were submitted; you may close this page.")


def _settled(session: VerificationSession) -> None:
    if session.status in ("verified", "canceled"):
        raise StripeApiError(f"This VerificationSession is already {session.status}.")


@_route("POST", "/_local/identity/verification_sessions/{session_id}/verify", needs_api_key=False)
async def _session_verify(request: web.Request, session_id: str) -> web.Response:
    session = _session(session_id)
    _settled(session)
    body = await _json_body(request)
    _refuse_unknown(body, ("first_name", "last_name", "dob", "id_number", "issuing_country", "document_type"))
    document_type = body.get("document_type", "passport")
    if document_type not in DOCUMENT_TYPES:
        raise StripeApiError(f"document_type is one of {DOCUMENT_TYPES}", param="document_type")
    outputs = {
        "first_name": body.get("first_name", "Jenny"),
        "last_name": body.get("last_name", "Rosen"),
        "dob": body.get("dob", {"day": 1, "month": 1, "year": 1990}),
        "id_number": body.get("id_number", "P" + random_id(8).upper()),
        "issuing_country": body.get("issuing_country", "US"),
        "document_type": document_type,
    }
    report = VerificationReport(session=session, outputs=outputs, error=None)
    session.status = "verified"
    session.last_error = None
    session.last_verification_report = report.id
    session._verified_outputs = {
        "first_name": outputs["first_name"],
        "last_name": outputs["last_name"],
        "dob": outputs["dob"],
        "id_number": outputs["id_number"],
        "id_number_type": None,
        "address": None,
    }
    _emit("identity.verification_session.verified", session)
    return _answer(session, ["verified_outputs", "last_verification_report"])


@_route("POST", "/_local/identity/verification_sessions/{session_id}/requires_input", needs_api_key=False)
async def _session_requires_input(request: web.Request, session_id: str) -> web.Response:
    session = _session(session_id)
    _settled(session)
    body = await _json_body(request)
    _refuse_unknown(body, ("code", "reason"))
    code = body.get("code", "document_unverified_other")
    if code not in ERROR_REASONS:
        raise StripeApiError(f"code is one of {sorted(ERROR_REASONS)}", param="code")
    error = {"code": code, "reason": body.get("reason") or ERROR_REASONS[code]}
    report = VerificationReport(session=session, outputs=None, error=error)
    session.status = "requires_input"
    session.last_error = error
    session.last_verification_report = report.id
    _emit("identity.verification_session.requires_input", session)
    return _answer(session, None)

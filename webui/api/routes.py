"""The API's views: parse, check scope and agency, call the engine once, answer JSON."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from flask import Response, jsonify, request

from engine import idempotency, online, payments
from engine.errors import InvalidInput
from webui.api import bp, current_client
from webui.api.openapi import spec
from webui.context import get_engine

SUBMIT_FIELDS = {"procedure_code", "applicant", "data", "agency_code", "documents"}


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(spec())


@bp.get("/procedures")
def procedures() -> Any:
    client = current_client()
    client.require("procedures:read")
    return jsonify({"procedures": online.list_procedures(get_engine(), client.agencies)})


# -- reading a request ----------------------------------------------------------------------
def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("the request body must be a JSON object", {"body": ["JSON object"]})
    return body


def _uploads_from_json(items: Any) -> list[online.Upload]:
    if items is None:
        return []
    if not isinstance(items, list):
        raise InvalidInput("documents must be a list", {"documents": ["list"]})
    uploads, errors = [], {}
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            errors[f"documents[{i}]"] = ["object with kind, filename, content_base64"]
            continue
        try:
            content = base64.b64decode(str(item.get("content_base64", "")), validate=True)
        except (binascii.Error, ValueError):
            errors[f"documents[{i}].content_base64"] = ["not valid base64"]
            continue
        uploads.append(
            online.Upload(str(item.get("kind") or ""), str(item.get("filename") or ""), content)
        )
    if errors:
        raise InvalidInput("malformed documents", errors)
    return uploads


def _uploads_from_form() -> list[online.Upload]:
    """Multipart: each file part's field name is the document's kind."""
    limit = get_engine().settings.max_upload_bytes
    uploads = []
    for kind, storage in request.files.items(multi=True):
        content = storage.read(limit + 1)
        uploads.append(online.Upload(kind, storage.filename or kind, content))
    return uploads


def _request_payload() -> tuple[dict[str, Any], list[online.Upload]]:
    if request.mimetype == "multipart/form-data":
        raw = request.form.get("payload", "{}")
        try:
            body = json.loads(raw)
        except ValueError:
            raise InvalidInput("the payload part is not JSON", {"payload": ["JSON"]}) from None
        if not isinstance(body, dict):
            raise InvalidInput("the payload part must be a JSON object", {"payload": ["object"]})
        return body, _uploads_from_form()
    body = _json_body()
    return body, _uploads_from_json(body.get("documents"))


def _fingerprint(*parts: Any, uploads: list[online.Upload]) -> str:
    files = [(u.kind, u.filename, hashlib.sha256(u.content).hexdigest()) for u in uploads]
    return idempotency.request_hash(request.path, *parts, files)


def _once(fingerprint: str, action: Any) -> Any:
    key = idempotency.check_key(request.headers.get("Idempotency-Key"))
    outcome = idempotency.run_once(get_engine(), current_client().name, key, fingerprint, action)
    response = jsonify(outcome.body)
    response.status_code = outcome.status
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _dossier_for(code: str, scope: str) -> Any:
    client = current_client()
    client.require(scope)
    d = get_engine().dossier(code)
    client.require_agency(d.agency_code)
    return d


# -- dossiers -------------------------------------------------------------------------------
@bp.post("/dossiers")
def submit() -> Any:
    client = current_client()
    client.require("dossiers:submit")
    body, uploads = _request_payload()
    unknown = sorted(set(body) - SUBMIT_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown fields {unknown}", {k: ["unexpected"] for k in unknown})
    code = body.get("procedure_code")
    if not isinstance(code, str) or not code:
        raise InvalidInput("procedure_code is required", {"procedure_code": ["required"]})
    agency = body.get("agency_code")
    if agency is not None and not isinstance(agency, str):
        raise InvalidInput("agency_code must be text", {"agency_code": ["text"]})
    engine = get_engine()
    client.require_agency(online.receiving_agency(engine, code, agency))
    online.check_uploads(engine, uploads)
    fields = {k: body.get(k) for k in ("procedure_code", "applicant", "data", "agency_code")}

    def act() -> tuple[int, dict, int]:
        d = online.submit_online(
            engine,
            code,
            applicant=body.get("applicant"),
            data=body.get("data"),
            uploads=uploads,
            agency_code=agency,
            actor=f"api:{client.name}",
        )
        return 201, online.status_view(engine, d.code), d.id

    return _once(_fingerprint(fields, uploads=uploads), act)


@bp.get("/dossiers/<code>")
def status(code: str) -> Any:
    _dossier_for(code, "dossiers:read")
    return jsonify(online.status_view(get_engine(), code))


@bp.post("/dossiers/<code>/supplement")
def supplement(code: str) -> Any:
    d = _dossier_for(code, "dossiers:supplement")
    body, uploads = _request_payload()
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > 2000:
        raise InvalidInput("note must be text (at most 2000 characters)", {"note": ["text"]})
    online.check_uploads(get_engine(), uploads)

    def act() -> tuple[int, dict, int]:
        online.supplement_online(
            get_engine(), d.code, uploads=uploads, note=note, actor=f"api:{current_client().name}"
        )
        return 200, online.status_view(get_engine(), d.code), d.id

    return _once(_fingerprint(d.code, note, uploads=uploads), act)


@bp.post("/dossiers/<code>/withdraw")
def withdraw(code: str) -> Any:
    d = _dossier_for(code, "dossiers:withdraw")
    body = _json_body()
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 1000:
        raise InvalidInput("say why the dossier is withdrawn", {"reason": ["required"]})

    def act() -> tuple[int, dict, int]:
        get_engine().withdraw(d.code, actor=f"api:{current_client().name}", reason=reason)
        return 200, online.status_view(get_engine(), d.code), d.id

    return _once(_fingerprint(d.code, reason, uploads=[]), act)


@bp.get("/dossiers/<code>/results")
def results(code: str) -> Any:
    d = _dossier_for(code, "results:read")
    docs = online.results(get_engine(), d.code)
    return jsonify(
        {
            "results": [
                {
                    "id": doc.id,
                    "kind": doc.kind,
                    "filename": doc.filename,
                    "media_type": doc.media_type,
                    "size": doc.size,
                    "sha256": doc.sha256,
                }
                for doc in docs
            ]
        }
    )


@bp.get("/dossiers/<code>/results/<int:document_id>")
def result_file(code: str, document_id: int) -> Any:
    d = _dossier_for(code, "results:read")
    doc, content = online.result_content(get_engine(), d.code, document_id)
    response = Response(content, mimetype=doc.media_type)
    response.headers.set("Content-Disposition", "attachment", filename=doc.filename)
    return response


# -- the payment gateway's callback ---------------------------------------------------------
@bp.post("/payments/callback")
def payment_callback() -> Any:
    from adapters.payment import SIGNATURE_HEADER

    result = payments.handle_callback(
        get_engine(), request.get_data(), request.headers.get(SIGNATURE_HEADER)
    )
    return jsonify(
        {"effect": result.effect, "state": result.state, "dossier_code": result.dossier_code}
    )

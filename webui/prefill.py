"""eForm prefill at the counter: "submit once, reuse what the state already holds".

The counter page posts the citizen ID or enterprise code the officer typed to :func:`lookup`
(JSON, CSRF token in the ``X-CSRFToken`` header); the engine asks the registry the form
declares and the page shows the proposed values for the officer to confirm. Confirming fills
the fields and marks the documents the registry holds as not to be handed over.

Nothing the browser says is trusted on submit: :func:`confirmed_reuse` asks the registry
again for every key the officer confirmed, lets the held documents stand in for uploads only
when the registry still answers, and keeps as reused only the fields whose submitted value is
the one proposed (an officer who corrected a value typed it). After the dossier exists,
:func:`record` counts the reuse on it (`Engine.record_reuse`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, jsonify, request
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from engine.errors import InvalidInput, LienThongError, NotFound
from engine.models import Dossier
from forms.prefill import HELD_REF, PrefillResult, prefill_sources
from forms.registry import Form

from .access import current_officer, roles_required
from .context import get_engine
from .counter_forms import get, intake_form, put
from .officer_views import me
from .security import limiter

bp = Blueprint("prefill", __name__, url_prefix="/quay/dien-san")
RECEIVERS = ("one_stop_officer", "admin")
#: The hidden input the page adds for each key field whose lookup the officer confirmed.
CONFIRMED = "_prefill_confirmed"
#: Look-ups per officer: a desk types a few IDs a minute; a script harvesting the registry more.
LOOKUP_LIMIT = "60 per minute"
STATUS_MESSAGES = {
    "not_found": "Cơ sở dữ liệu không có thông tin này: vui lòng nhập tay.",
    "unavailable": "Chưa kết nối được cơ sở dữ liệu: vui lòng nhập tay hoặc thử lại sau.",
}


@dataclass
class Reuse:
    """What one confirmed lookup lets the dossier reuse."""

    result: PrefillResult
    fields: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)


def _form_of(code: str) -> Form:
    engine = get_engine()
    try:
        procedure = engine.procedure(code)
    except NotFound:
        abort(404)
    if procedure.current_version_id is None or procedure.mode == "info":
        abort(404)
    return intake_form(procedure.code)


def key_fields(form: Form) -> list[str]:
    """The fields whose value opens a registry (empty when the form declares none)."""
    try:
        return [s.field for s in prefill_sources(form)]
    except InvalidInput:
        return []  # a broken declaration: the counter still works, without prefill


@bp.app_template_global()
def prefill_attrs(code: str) -> Markup:
    """Attributes for the counter's ``<form>``: where to look up, and which fields open it."""
    fields = key_fields(intake_form(code))
    if not fields:
        return Markup("")
    from flask import url_for

    return Markup(' data-prefill-url="{}" data-prefill-fields="{}"').format(
        url_for("prefill.lookup", code=code), escape(" ".join(fields))
    )


def _officer_key() -> str:
    officer = current_officer()
    return f"prefill:{officer.username}" if officer else f"prefill@{request.remote_addr}"


@bp.post("/<code>")
@limiter.limit(LOOKUP_LIMIT, key_func=_officer_key)
@roles_required(*RECEIVERS)
def lookup(code: str) -> tuple[Response, int]:
    form = _form_of(code)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="Yêu cầu không hợp lệ (cần JSON)."), 400
    path, value = body.get("field"), str(body.get("value") or "").strip()
    if path not in key_fields(form):
        return jsonify(error="Trường này không có nguồn điền sẵn."), 400
    if not value:
        return jsonify(error="Vui lòng nhập giá trị cần tra cứu.", errors={path: []}), 400
    try:
        result = get_engine().prefill(form.id, path, value, user=me().username, form=form)
    except InvalidInput as exc:
        return jsonify(error=str(exc), errors=exc.errors or {}), 400
    except LienThongError as exc:
        return jsonify(status="unavailable", message=str(exc), proposals=[], held=[]), 200
    return jsonify(
        status=result.status,
        message=STATUS_MESSAGES.get(result.status, ""),
        detail=result.message,
        operation=result.operation,
        proposals=[
            {"field": p.field, "label": p.label, "value": _text(p.value)} for p in result.proposals
        ],
        held=[{"field": d.field, "title": d.title} for d in result.held_documents],
    ), 200


def confirmed_reuse(form: Form, data: dict, posted: MultiDict) -> list[Reuse]:
    """Check again what the officer confirmed; put the held documents into ``data``.

    A held document the officer uploaded anyway stays an upload (not counted as reused). A
    registry that no longer answers reuses nothing: the form then asks for the documents.
    """
    keys = set(key_fields(form))
    reuses: list[Reuse] = []
    for path in dict.fromkeys(posted.getlist(CONFIRMED)):
        value = get(data, path)
        if path not in keys or not value:
            continue
        try:
            result = get_engine().prefill(form.id, path, value, user=me().username, form=form)
        except LienThongError:
            continue
        if result.status != "found":
            continue
        reuse = Reuse(result)
        for proposal in result.proposals:
            if _text(get(data, proposal.field)) == _text(proposal.value):
                reuse.fields.append(proposal.field)
        for held in result.held_documents:
            if not get(data, held.field):
                put(data, held.field, [f"{HELD_REF}{result.operation}"])
                reuse.documents.append(held.field)
        reuses.append(reuse)
    return reuses


def record(dossier: Dossier, reuses: list[Reuse]) -> None:
    """Count on the new dossier what it took from the registries."""
    engine, user = get_engine(), me().username
    for reuse in reuses:
        if reuse.fields or reuse.documents:
            engine.record_reuse(
                dossier.code,
                reuse.result,
                user=user,
                fields=reuse.fields,
                documents=reuse.documents,
            )


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()

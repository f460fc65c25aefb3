"""Citizen pages for one procedure and one dossier: submit, pay, supplement, confirm, rate."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, session, url_for
from werkzeug.datastructures import MultiDict

from adapters.payment import SIGNATURE_HEADER
from engine import online, payments
from engine.errors import Conflict, InvalidInput, LienThongError, NotFound
from engine.metrics_ratings import record_rating
from forms.validation import validate
from webui.citizen import bp, citizen, citizen_required, own_dossier
from webui.context import get_engine
from webui.counter_forms import fields_of, get, intake_form, put, read_form, upload_fields

LOCKED = ("applicant.cccd",)  # the identity VNeID vouched for cannot be typed over


def fee_of(procedure: Any) -> int:
    """The online fee in VND: the procedure's ``meta.fee_vnd``, else the catalogue's text."""
    meta = procedure.meta or {}
    if isinstance(meta.get("fee_vnd"), int):
        return max(0, meta["fee_vnd"])
    from webui.counter_forms import fee_text

    digits = re.sub(r"[^\d]", "", fee_text(procedure.code, "online").split("/")[0])
    return int(digits) if digits else 0


def _prefill(form: Any, pid: str) -> tuple[dict[str, Any], list[str]]:
    """Values proposed from the registries for the signed-in citizen, and documents held."""
    from forms.prefill import propose

    values: dict[str, Any] = {"applicant.cccd": pid}
    held: list[str] = []
    try:
        result = propose(
            form,
            "applicant.cccd",
            pid,
            lambda op, params: get_engine().call_service(op, params, idempotency_key=None),
        )
    except LienThongError:
        profile = session.get("citizen_profile") or {}
        for field, key in (
            ("applicant.full_name", "full_name"),
            ("applicant.address", "permanent_address"),
        ):
            if profile.get(key):
                values[field] = profile[key]
        return values, held
    values.update(result.values())
    held = [d.title for d in result.held_documents]
    return values, held


@bp.route("/thu-tuc/<code>", methods=["GET", "POST"])
@citizen_required
def submit(code: str) -> Any:
    engine, me = get_engine(), citizen()
    try:
        procedure = engine.procedure(code)
    except NotFound:
        abort(404)
    if procedure.current_version_id is None or procedure.mode == "info":
        abort(404)
    form = intake_form(procedure.code)
    fields = [f for f in fields_of(form)]
    errors: dict[str, list[str]] = {}
    prefilled, held = _prefill(form, me["personal_id"])
    posted: Any = MultiDict({k: str(v) for k, v in prefilled.items()})
    if request.method == "POST":
        posted = request.form.copy()
        posted.setlist("applicant.cccd", [me["personal_id"]])
        data = read_form(form, posted)
        uploads, upload_errors = _uploads(form)
        for path in {u.kind for u in uploads}:
            put(data, path, [u.filename for u in uploads if u.kind == path])
        errors = {**validate(form, data), **upload_errors}
        if not errors:
            try:
                dossier = _submit(procedure, data, uploads)
            except InvalidInput as exc:
                errors = exc.errors or {"": [str(exc)]}
            else:
                flash(f"Đã nộp hồ sơ {dossier.code}.", "success")
                return redirect(url_for("citizen.dossier", code=dossier.code))
        flash("Hồ sơ chưa được nộp: vui lòng sửa các trường được đánh dấu.", "error")
    return render_template(
        "citizen/submit.html",
        procedure=procedure,
        fields=fields,
        errors=errors,
        posted=posted,
        held=held,
        fee=fee_of(procedure),
        max_mb=engine.settings.max_upload_bytes // 1_000_000,
        get=get,
    ), (400 if errors else 200)


def _uploads(form: Any) -> tuple[list[online.Upload], dict[str, list[str]]]:
    limit = get_engine().settings.max_upload_bytes
    uploads, errors = [], {}
    for field in upload_fields(form):
        for storage in request.files.getlist(field.path):
            if not storage or not storage.filename:
                continue
            up = online.Upload(field.path, storage.filename, storage.stream.read(limit + 1))
            try:
                online.check_uploads(get_engine(), [up])
            except InvalidInput as exc:
                errors.setdefault(field.path, []).extend(
                    f"Tệp “{storage.filename}”: {m}" for ms in exc.errors.values() for m in ms
                )
                continue
            uploads.append(up)
    return uploads, errors


def _submit(procedure: Any, data: dict[str, Any], uploads: list[online.Upload]) -> Any:
    engine, me = get_engine(), citizen()
    applicant = dict(data.get("applicant") or {})
    applicant["id_number"] = me["personal_id"]
    d = online.submit_online(
        engine,
        procedure.code,
        applicant=applicant,
        data=data,
        uploads=uploads,
        actor=f"citizen:{me['personal_id']}",
    )
    fee = fee_of(procedure)
    if fee:
        payments.set_fee(engine, d.code, fee, f"Phí, lệ phí {procedure.name}")
    return d


@bp.get("/ho-so/<code>")
@citizen_required
def dossier(code: str) -> str:
    d = own_dossier(code)
    engine = get_engine()
    view = online.status_view(engine, d.code)
    from sqlalchemy import select

    from engine.models import Rating

    with engine.db.read() as s:
        rating = s.execute(select(Rating).where(Rating.dossier_id == d.id)).scalar_one_or_none()
    return render_template(
        "citizen/dossier.html",
        d=d,
        view=view,
        procedure=engine.procedure(d.procedure_code),
        results=online.results(engine, d.code),
        rating=rating,
        max_mb=engine.settings.max_upload_bytes // 1_000_000,
    )


@bp.get("/ho-so/<code>/bien-nhan.pdf")
@citizen_required
def receipt(code: str) -> Response:
    from webui.counter import receipt_data
    from webui.documents.receipt import render_receipt

    d = own_dossier(code)
    response = Response(render_receipt(receipt_data(d)), mimetype="application/pdf")
    response.headers.set("Content-Disposition", "inline", filename=f"bien-nhan-{d.code}.pdf")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/ho-so/<code>/thanh-toan")
@citizen_required
def pay(code: str) -> Any:
    d = own_dossier(code)
    try:
        row = payments.start_online(
            get_engine(),
            d.code,
            return_url=url_for("citizen.dossier", code=d.code, _external=True),
            callback_url=url_for("api.payment_callback", _external=True),
        )
    except LienThongError as exc:
        flash(f"Chưa thể thanh toán: {exc}", "error")
        return redirect(url_for("citizen.dossier", code=d.code))
    adapter = _payment_adapter()
    if adapter is not None and adapter.settings.mode == "inprocess":
        return redirect(url_for("citizen.gateway", code=d.code, payment_id=row.gateway_ref))
    base = adapter.settings.base_url if adapter is not None else ""
    return redirect(f"{base}{row.pay_url}")


def _payment_adapter() -> Any:
    from adapters.registry import get_registry

    try:
        return get_registry().adapter("payment")
    except KeyError:
        return None


@bp.route("/ho-so/<code>/cong-thanh-toan/<payment_id>", methods=["GET", "POST"])
@citizen_required
def gateway(code: str, payment_id: str) -> Any:
    """The embedded mode's stand-in for the gateway's page: pay or cancel, then called back."""
    d = own_dossier(code)
    fee = payments.fee(get_engine(), d.code)
    adapter = _payment_adapter()
    if fee is None or fee.gateway_ref != payment_id or adapter is None:
        abort(404)
    if request.method == "POST":
        outcome = "paid" if request.form.get("outcome") == "paid" else "failed"
        answer = adapter.client.post(f"/payments/{payment_id}/simulate", json={"outcome": outcome})
        signed = answer.json()
        import json

        body = json.dumps(signed["callback"], sort_keys=True).encode()
        result = payments.handle_callback(get_engine(), body, signed["signature"])
        if result.state == "paid":
            flash("Thanh toán thành công.", "success")
        else:
            flash("Giao dịch không thành công. Bạn có thể thanh toán lại.", "warning")
        return redirect(url_for("citizen.dossier", code=d.code))
    return render_template("citizen/gateway.html", d=d, fee=fee, header=SIGNATURE_HEADER)


@bp.post("/ho-so/<code>/bo-sung")
@citizen_required
def supplement(code: str) -> Any:
    d = own_dossier(code)
    limit = get_engine().settings.max_upload_bytes
    uploads = [
        online.Upload("bo_sung", f.filename, f.stream.read(limit + 1))
        for f in request.files.getlist("files")
        if f and f.filename
    ]
    try:
        online.supplement_online(
            get_engine(),
            d.code,
            uploads=uploads,
            note=(request.form.get("note") or "")[:2000],
            actor=f"citizen:{citizen()['personal_id']}",
        )
    except InvalidInput as exc:
        details = "; ".join(m for ms in exc.errors.values() for m in ms)
        flash(f"Chưa nộp được hồ sơ bổ sung: {details or exc}", "error")
    else:
        flash("Đã nộp hồ sơ bổ sung; hồ sơ được tiếp tục giải quyết.", "success")
    return redirect(url_for("citizen.dossier", code=d.code))


@bp.post("/ho-so/<code>/xac-nhan-du-thao")
@citizen_required
def confirm(code: str) -> Any:
    d = own_dossier(code)
    try:
        online.confirm_draft(get_engine(), d.code, actor=f"citizen:{citizen()['personal_id']}")
    except InvalidInput as exc:
        flash(str(exc), "error")
    else:
        flash("Bạn đã xác nhận dự thảo kết quả.", "success")
    return redirect(url_for("citizen.dossier", code=d.code))


@bp.get("/ho-so/<code>/ket-qua/<int:document_id>")
@citizen_required
def result(code: str, document_id: int) -> Response:
    d = own_dossier(code)
    try:
        doc, content = online.result_content(get_engine(), d.code, document_id)
    except NotFound:
        abort(404)
    response = Response(content, mimetype=doc.media_type)
    response.headers.set("Content-Disposition", "attachment", filename=doc.filename)
    return response


@bp.post("/ho-so/<code>/danh-gia")
@citizen_required
def rate(code: str) -> Any:
    d = own_dossier(code)
    try:
        score = int(request.form.get("score", ""))
    except ValueError:
        score = 0
    try:
        record_rating(
            get_engine(),
            d.code,
            score,
            comment=(request.form.get("comment") or "").strip(),
            channel="online",
            actor=f"citizen:{citizen()['personal_id']}",
        )
    except (InvalidInput, Conflict) as exc:
        flash(f"Chưa ghi nhận đánh giá: {exc}", "error")
    else:
        flash("Cảm ơn bạn đã đánh giá chất lượng phục vụ.", "success")
    return redirect(url_for("citizen.dossier", code=d.code))

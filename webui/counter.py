"""Receiving at the counter: pick the procedure, fill its eForm, attach scans, print the receipt.

Everything posted is checked before the dossier exists: the eForm against its JSON Schema
(messages per field, in Vietnamese) and every file by its content and size. Only then is the
dossier submitted, its files stored, and the receive step completed by the officer at the
desk, so the receipt states what was really received.
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.datastructures import FileStorage

from engine.documents import sniff
from engine.errors import InvalidInput, LienThongError, NotFound
from engine.models import Dossier
from forms.registry import Form
from forms.validation import validate

from . import prefill
from .access import roles_required
from .context import get_engine
from .counter_forms import (
    fields_of,
    get,
    intake_form,
    put,
    read_form,
    unplaced_errors,
    upload_fields,
)
from .documents.receipt import ReceiptData, render_receipt
from .officer_views import STAFF, me, visible_dossier

bp = Blueprint("counter", __name__, url_prefix="/quay")
RECEIVERS = ("one_stop_officer", "admin")
MAX_FILES_PER_FIELD = 20


@bp.get("/")
@roles_required(*RECEIVERS)
def pick() -> str:
    """The searchable catalogue: by code or by name, with or without diacritics."""
    q = (request.args.get("q") or "").strip()[:100]
    procedures = get_engine().receivable_procedures()
    if q:
        needle = fold(q)
        procedures = [p for p in procedures if needle in fold(f"{p.code} {p.name} {p.field}")]
    return render_template("counter/pick.html", procedures=procedures, q=q)


@bp.route("/thu-tuc/<code>", methods=["GET", "POST"])
@roles_required(*RECEIVERS)
def receive(code: str) -> Any:
    engine = get_engine()
    try:
        procedure = engine.procedure(code)
    except NotFound:
        abort(404)
    if procedure.current_version_id is None or procedure.mode == "info":
        abort(404)
    form = intake_form(procedure.code)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = read_form(form, request.form)
        uploads, upload_errors = _read_uploads(form)
        for path, files in uploads.items():
            put(data, path, [f"sha256:{digest}" for digest, _, _ in files])
        reuses = prefill.confirmed_reuse(form, data, request.form)  # held documents count
        errors = {**validate(form, data), **upload_errors}
        if not errors:
            try:
                dossier = _submit(procedure.code, form, data, uploads)
            except InvalidInput as exc:
                errors = exc.errors or {"": [str(exc)]}
            else:
                prefill.record(dossier, reuses)
                flash(f"Đã tiếp nhận hồ sơ {dossier.code}.", "success")
                return redirect(url_for("counter.received", code=dossier.code))
        flash("Hồ sơ chưa được tiếp nhận: vui lòng sửa các trường được đánh dấu.", "error")
    fields = fields_of(form)
    return render_template(
        "counter/receive.html",
        procedure=procedure,
        fields=fields,
        errors=errors,
        unplaced=unplaced_errors(fields, errors),
        posted=request.form,
        max_mb=engine.settings.max_upload_bytes // 1_000_000,
        get=get,
    ), (400 if errors else 200)


@bp.get("/ho-so/<code>")
@roles_required(*STAFF)
def received(code: str) -> str:
    dossier = visible_dossier(code)
    get_engine().record_data_access(dossier.code, me().username, "hồ sơ vừa tiếp nhận")
    return render_template("counter/received.html", d=dossier)


@bp.get("/ho-so/<code>/giay-tiep-nhan.pdf")
@roles_required(*STAFF)
def receipt(code: str) -> Response:
    engine, officer = get_engine(), me()
    dossier = visible_dossier(code)
    engine.record_data_access(dossier.code, officer.username, "giấy tiếp nhận hồ sơ")
    pdf = render_receipt(receipt_data(dossier))
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="giay-tiep-nhan-{dossier.code}.pdf"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def receipt_data(dossier: Dossier) -> ReceiptData:
    """Gather what the receipt prints: the dossier as received, its files and its fee."""
    from .counter_forms import fee_text

    engine = get_engine()
    procedure = engine.procedure(dossier.procedure_code)
    labels = {f.path: f.label for f in upload_fields(intake_form(procedure.code))}
    documents = [
        f"{labels.get(doc.kind, doc.kind)} — {doc.filename}"
        for doc in engine.dossier_documents(dossier.id)
        if doc.kind in labels
    ]
    receiver = engine.account(dossier.created_by)
    applicant = dossier.applicant or {}
    return ReceiptData(
        agency_name=engine.agency_name(dossier.agency_code),
        dossier_code=dossier.code,
        applicant_name=str(applicant.get("full_name", "")),
        applicant_id=str(applicant.get("cccd") or applicant.get("id_number") or ""),
        applicant_address=str(applicant.get("address", "")),
        applicant_phone=str(applicant.get("phone", "")),
        procedure_code=procedure.code,
        procedure_name=procedure.name,
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        lookup_url=lookup_url(dossier.code),
        officer_name=receiver.full_name if receiver else "",
        documents=documents,
        fee=fee_text(procedure.code),
    )


def lookup_url(code: str) -> str:
    """The public status page of the dossier (the QR code's target)."""
    if "public.lookup" in current_app.view_functions:
        return url_for("public.lookup", ma=code, _external=True)  # the page fills the code in
    return f"{request.host_url}tra-cuu/?ma={code}"


def fold(text: str) -> str:
    """Lower-case without diacritics, so "dang ky khai sinh" finds "Đăng ký khai sinh"."""
    text = unicodedata.normalize("NFD", str(text or "").lower().replace("đ", "d"))
    return "".join(c for c in text if not unicodedata.combining(c))


Upload = tuple[str, bytes, str]  # (sha256, content, client file name)


def _read_uploads(form: Form) -> tuple[dict[str, list[Upload]], dict[str, list[str]]]:
    """Read every file field; check each file by size and content before anything is stored."""
    uploads: dict[str, list[Upload]] = {}
    errors: dict[str, list[str]] = {}
    for field in upload_fields(form):
        files, problems = read_files(field.path)
        if files:
            uploads[field.path] = files
        if problems:
            errors[field.path] = problems
    return uploads, errors


def read_files(name: str) -> tuple[list[Upload], list[str]]:
    """Read the files posted under ``name``: the good ones, and what is wrong with the others."""
    limit = get_engine().settings.max_upload_bytes
    files = [f for f in request.files.getlist(name) if f and f.filename]
    good: list[Upload] = []
    problems: list[str] = []
    for storage in files[:MAX_FILES_PER_FIELD]:
        problem, content = _check_file(storage, limit)
        if problem:
            problems.append(problem)
        else:
            digest = hashlib.sha256(content).hexdigest()
            good.append((digest, content, storage.filename or ""))
    if len(files) > MAX_FILES_PER_FIELD:
        problems.append(f"Tối đa {MAX_FILES_PER_FIELD} tệp cho một thành phần hồ sơ")
    return good, problems


def _check_file(storage: FileStorage, limit: int) -> tuple[str, bytes]:
    content = storage.stream.read(limit + 1)
    name = (storage.filename or "").replace("\\", "/").split("/")[-1][:80]
    if not content:
        return f"Tệp “{name}” rỗng", b""
    if len(content) > limit:
        return f"Tệp “{name}” vượt quá dung lượng cho phép ({limit // 1_000_000} MB)", b""
    if sniff(content) is None:
        return f"Tệp “{name}” không phải PDF, JPEG hoặc PNG (kiểm tra theo nội dung)", b""
    return "", content


def _submit(code: str, form: Form, data: dict, uploads: dict[str, list[Upload]]) -> Dossier:
    engine, officer = get_engine(), me()
    applicant = dict(data.get("applicant") or {})
    dossier = engine.submit(
        code,
        applicant=applicant,
        data=data,
        channel="counter",
        agency_code=officer.agency_code,
        actor=officer.username,
    )
    for path, files in uploads.items():
        for _, content, filename in files:
            engine.attach_document(
                dossier.id, content, filename=filename, kind=path, actor=officer.username
            )
    labels = {f.path: f.label for f in upload_fields(form)}
    _complete_receive(dossier, [labels[p] for p in uploads], data.get("documents"))
    return engine.dossier(dossier.id)


def _complete_receive(dossier: Dossier, received: list[str], documents: Any = None) -> None:
    """The officer at the desk has checked the papers: complete the receive step for them.

    A liên thông flow's receive step (``flow_*_receive``) asks for the ticked ``documents``
    checklist; the intake form carries the same checklist, so the ticks go through as given.
    """
    engine, user = get_engine(), me().username
    data: dict[str, Any] = {"received_documents": received, "channel": "direct"}
    if isinstance(documents, dict):
        data["documents"] = documents
    for row in engine.list_tasks(dossier_code=dossier.code):
        if row.bpmn_id != "receive" and row.form != "receive":
            continue
        try:
            engine.claim(row.id, user=user)
            engine.complete(row.id, user=user, data=data)
        except LienThongError as exc:
            flash(f"Hồ sơ đã được lưu nhưng bước tiếp nhận chưa hoàn thành: {exc}", "warning")

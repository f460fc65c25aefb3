"""What the online channels (REST API, citizen pages) do with dossiers, on the engine's terms.

A submission with documents checks every document before the dossier exists, so a bad
upload never leaves a half-created dossier; the citizen's supplement completes the dossier's
open supplementation task on the citizen's behalf (the online actor); status views come
from the rows (dossier, status log, documents, fee), never from workflow state.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from . import audit
from .documents import KIND, sniff
from .errors import InvalidInput, NotFound, UnknownProcedure
from .lifecycle import SUPPLEMENT_TASKS
from .models import Dossier, Procedure

if TYPE_CHECKING:
    from .runtime import Engine

#: The user the online channel acts as when it completes the citizen's supplement task.
ONLINE_ACTOR = "cong-dich-vu-cong"
#: Documents whose kind starts with this are results (the electronic result, its draft).
RESULT_KIND = "result"
MAX_DOCUMENTS = 20
#: A dossier's status as the refusals citizens read say it (as the web UI's status labels).
STATUS_VI = {
    "received": "đã tiếp nhận",
    "in_process": "đang giải quyết",
    "supplement_requested": "chờ bổ sung hồ sơ",
    "settled": "đã có kết quả, chờ trả",
    "result_returned": "đã trả kết quả",
    "refused": "bị từ chối giải quyết",
    "withdrawn": "đã rút",
}


@dataclass(frozen=True)
class Upload:
    kind: str
    filename: str
    content: bytes


def check_uploads(engine: Engine, uploads: list[Upload]) -> None:
    """Refuse the whole request if any document is bad, naming each one (nothing is stored)."""
    if len(uploads) > MAX_DOCUMENTS:
        raise InvalidInput(
            f"mỗi lần gửi tối đa {MAX_DOCUMENTS} tệp",
            {"documents": [f"tối đa {MAX_DOCUMENTS} tệp"]},
        )
    limit = engine.settings.max_upload_bytes
    errors: dict[str, list[str]] = {}
    for i, up in enumerate(uploads):
        where = f"documents[{i}]"
        if not isinstance(up.kind, str) or not KIND.match(up.kind):
            errors[f"{where}.kind"] = ["loại giấy tờ chỉ gồm a-z, 0-9, _ . - (tối đa 80 ký tự)"]
        if up.kind.startswith(RESULT_KIND):
            errors[f"{where}.kind"] = ["loại 'result…' dành cho kết quả do cơ quan trả"]
        if not up.content:
            errors[f"{where}.content"] = ["tệp rỗng"]
        elif len(up.content) > limit:
            errors[f"{where}.content"] = [f"tệp vượt quá {limit:,} byte"]
        elif sniff(up.content) is None:
            errors[f"{where}.content"] = ["chỉ nhận PDF, JPEG hoặc PNG (kiểm tra theo nội dung)"]
    if errors:
        raise InvalidInput("có tệp không được chấp nhận", errors)


def list_procedures(engine: Engine, agencies: frozenset[str] | None = None) -> list[dict]:
    """Procedures open to online submission (deployed, not information-only)."""
    with engine.db.read() as s:
        rows = s.execute(
            select(Procedure)
            .where(Procedure.current_version_id.is_not(None), Procedure.mode != "info")
            .order_by(Procedure.code)
        ).scalars()
        return [
            {
                "code": p.code,
                "name": p.name,
                "field": p.field,
                "level": p.level,
                "mode": p.mode,
                "agency_code": p.agency_code,
                "deadline": {"amount": p.deadline_amount, "unit": p.deadline_unit}
                if p.deadline_amount is not None
                else None,
            }
            for p in rows
            if not agencies or p.agency_code in agencies or p.agency_code is None
        ]


def receiving_agency(engine: Engine, procedure_code: str, agency_code: str | None) -> str:
    """The agency a submission will land in (what ``Engine.submit`` will choose)."""
    with engine.db.read() as s:
        proc = s.get(Procedure, procedure_code)
        if proc is None or proc.current_version_id is None:
            raise UnknownProcedure(f"thủ tục {procedure_code} chưa được triển khai")
        return agency_code or proc.agency_code or engine.settings.default_agency


def submit_online(
    engine: Engine,
    procedure_code: str,
    *,
    applicant: dict[str, Any],
    data: dict[str, Any] | None,
    uploads: list[Upload],
    agency_code: str | None = None,
    actor: str,
) -> Dossier:
    """Receive an online dossier with its documents; a bad document stops it before it exists."""
    check_uploads(engine, uploads)
    dossier = engine.submit(
        procedure_code,
        applicant=applicant,
        data=data,
        channel="online",
        agency_code=agency_code,
        actor=actor,
    )
    try:
        for up in uploads:
            engine.attach_document(
                dossier.code, up.content, filename=up.filename, kind=up.kind, actor=actor
            )
    except Exception:
        # Checked above, so only an outage lands here: do not leave a dossier missing parts.
        engine.withdraw(dossier.code, actor=actor, reason="Lỗi lưu tài liệu khi nộp trực tuyến")
        raise
    return dossier


def supplement_online(
    engine: Engine,
    code: str,
    *,
    uploads: list[Upload],
    note: str = "",
    actor: str,
) -> Dossier:
    """Answer a supplementation request: attach the documents, then resume the dossier."""
    check_uploads(engine, uploads)
    if not uploads:
        raise InvalidInput("hãy gửi các giấy tờ được yêu cầu bổ sung", {"documents": ["bắt buộc"]})
    d = engine.dossier(code)
    if d.status != "supplement_requested":
        raise InvalidInput(f"hồ sơ {d.code} {_status(d.status)}: không có yêu cầu bổ sung nào")
    task = next(
        (
            t
            for t in engine.list_tasks(dossier_code=d.code)
            if t.bpmn_id in SUPPLEMENT_TASKS or t.form in SUPPLEMENT_TASKS
        ),
        None,
    )
    if task is None:
        raise InvalidInput(f"hồ sơ {d.code} không có bước bổ sung nào đang mở")
    for up in uploads:
        engine.attach_document(d.code, up.content, filename=up.filename, kind=up.kind, actor=actor)
    engine.ensure_user(ONLINE_ACTOR, "Cổng dịch vụ công (công dân nộp)", None, [task.role or ""])
    engine.supplement(
        task.id,
        user=ONLINE_ACTOR,
        data={"supplemented_documents": [up.filename for up in uploads], "note": note},
    )
    return engine.dossier(d.code)


def status_view(engine: Engine, code: str) -> dict[str, Any]:
    """Status, milestones, due and appointment dates, documents and fee of one dossier.

    One read session, four indexed queries: this is what integrators poll most.
    """
    from .documents import _info
    from .models import Document, DossierDocument, FeePayment, PortalOutbox

    with engine.db.read() as s:
        d = engine._find_dossier(s, code)
        log = list(
            s.execute(
                select(PortalOutbox)
                .where(PortalOutbox.dossier_id == d.id)
                .order_by(PortalOutbox.id)
            ).scalars()
        )
        fee = s.execute(
            select(FeePayment).where(FeePayment.dossier_id == d.id)
        ).scalar_one_or_none()
        docs = [
            _info(doc, link)
            for doc, link in s.execute(
                select(Document, DossierDocument)
                .join(DossierDocument, DossierDocument.document_id == Document.id)
                .where(DossierDocument.dossier_id == d.id)
                .order_by(DossierDocument.attached_at, Document.id)
            ).all()
        ]
    request = next((r.payload for r in reversed(log) if r.event == "supplement_requested"), None)
    return {
        "code": d.code,
        "procedure_code": d.procedure_code,
        "agency_code": d.agency_code,
        "channel": d.channel,
        "status": d.status,
        "received_at": _iso(d.received_at),
        "due_at": _iso(d.due_at),
        "appointment_at": _iso(d.notified_due_at or d.due_at),
        "finished_at": _iso(d.finished_at),
        "late": bool(d.late),
        "milestones": [
            {
                "event": r.event,
                "status": r.payload.get("status"),
                "at": r.payload.get("changed_at"),
                "appointment_at": r.payload.get("appointment_at"),
            }
            for r in log
        ],
        "supplement_request": {
            "missing_documents": request.get("missing_documents", []),
            "note": request.get("note", ""),
        }
        if request and d.status == "supplement_requested"
        else None,
        "documents": [
            {
                "id": doc.id,
                "kind": doc.kind,
                "filename": doc.filename,
                "media_type": doc.media_type,
                "size": doc.size,
                "sha256": doc.sha256,
            }
            for doc in docs
        ],
        "fee": {
            "amount": fee.amount,
            "state": fee.state,
            "channel": fee.channel,
            "paid_at": _iso(fee.paid_at),
        }
        if fee
        else None,
    }


def results(engine: Engine, code: str) -> list[Any]:
    d = engine.dossier(code)
    return [doc for doc in engine.dossier_documents(d.id) if doc.kind.startswith(RESULT_KIND)]


def result_content(engine: Engine, code: str, document_id: int) -> tuple[Any, bytes]:
    for doc in results(engine, code):
        if doc.id == document_id:
            return doc, engine.document_content(engine.dossier(code).id, document_id)
    raise NotFound(f"hồ sơ {code} không có tài liệu kết quả số {document_id}")


def confirm_draft(engine: Engine, code: str, *, actor: str) -> None:
    """Record that the citizen agreed with the electronic draft of the result."""
    d = engine.dossier(code)
    if d.status != "settled":
        raise InvalidInput(
            f"hồ sơ {d.code} {_status(d.status)}: không có dự thảo kết quả để xác nhận"
        )
    with engine.db.write() as s:
        audit.record(
            s, at=engine.clock.now(), actor=actor, action="result_draft_confirmed",
            dossier_id=d.id,
        )  # fmt: skip


def owns(dossier: Dossier, personal_id: str) -> bool:
    """Whether the signed-in citizen is the dossier's applicant (by personal ID)."""
    held = str((dossier.applicant or {}).get("id_number") or "")
    return bool(held) and hmac.compare_digest(held, personal_id)


def dossiers_of(engine: Engine, personal_id: str, *, limit: int = 50) -> list[Dossier]:
    """The citizen's own dossiers (by the personal ID in the applicant), newest first."""
    with engine.db.read() as s:
        return list(
            s.execute(
                select(Dossier)
                .where(Dossier.applicant["id_number"].as_string() == personal_id)
                .order_by(Dossier.id.desc())
                .limit(limit)
            ).scalars()
        )


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _status(status: str) -> str:
    """Say a dossier's status in Vietnamese (an unknown one as it is stored)."""
    return STATUS_VI.get(status, status)

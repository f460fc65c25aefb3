"""Email and SMS to the applicant on receipt, supplementation request, new date and result.

Notifications are written in the step's transaction (``queue``, called by
``portal_sync.on_step``) and sent later by ``send`` — email over SMTP (settings
``smtp_*``), SMS through the ``sms`` adapter — so a slow mail server never holds a dossier
lock, and every notification, sent or not, stays on the dossier's record.
"""

from __future__ import annotations

import smtplib
from collections import Counter
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from . import outbox
from .errors import AdapterError
from .mail import smtp_send
from .models import Notification

if TYPE_CHECKING:
    from .runtime import Engine
    from .steps import StepContext

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SMS_OPERATION = "sms.send"

#: event → (email subject, body); ``{…}`` names are filled from the outbox payload.
TEMPLATES: dict[str, tuple[str, str]] = {
    "received": (
        "Đã tiếp nhận hồ sơ {dossier_code}",
        "Hồ sơ {dossier_code} của Ông/Bà đã được tiếp nhận lúc {received}. "
        "Ngày hẹn trả kết quả: {appointment}.",
    ),
    "supplement_requested": (
        "Yêu cầu bổ sung hồ sơ {dossier_code}",
        "Hồ sơ {dossier_code} cần bổ sung: {missing}. {note}"
        "Thời hạn giải quyết tạm dừng cho đến khi Ông/Bà nộp bổ sung.",
    ),
    "new_due_date": (
        "Hẹn lại ngày trả kết quả hồ sơ {dossier_code}",
        "Ngày hẹn trả kết quả hồ sơ {dossier_code} được điều chỉnh thành {appointment}. "
        "Xin lỗi Ông/Bà vì sự chậm trễ (nếu có).",
    ),
    "settled": (
        "Đã có kết quả hồ sơ {dossier_code}",
        "Hồ sơ {dossier_code} đã có kết quả. Ông/Bà vui lòng xác nhận dự thảo kết quả điện tử "
        "và nhận kết quả trên Cổng dịch vụ công hoặc tại Bộ phận Một cửa.",
    ),
    "refused": (
        "Hồ sơ {dossier_code} không được giải quyết",
        "Hồ sơ {dossier_code} không được giải quyết. Lý do: {reasons}.",
    ),
}


def _fmt(value: str | None) -> str:
    if not value:
        return "chưa xác định"
    return datetime.fromisoformat(value).astimezone(VN).strftime("%H:%M ngày %d/%m/%Y")


def render(event: str, payload: dict[str, Any]) -> tuple[str, str] | None:
    """Return (subject, text) for an event, or None when the applicant is not told about it."""
    template = TEMPLATES.get(event)
    if template is None:
        return None
    note = (payload.get("note") or "").strip()
    values = {
        "dossier_code": payload.get("dossier_code", ""),
        "received": _fmt(payload.get("received_at")),
        "appointment": _fmt(payload.get("appointment_at") or payload.get("due_at")),
        "missing": "; ".join(payload.get("missing_documents") or []) or "giấy tờ còn thiếu",
        "note": f"{note} " if note else "",
        "reasons": "; ".join(payload.get("reasons") or []) or "không nêu",
    }
    subject, body = template
    return subject.format(**values), body.format(**values)


def contacts(applicant: dict[str, Any]) -> list[tuple[str, str]]:
    """(channel, recipient) pairs the applicant gave: an email and/or a phone number."""
    out = []
    email = str(applicant.get("email") or "").strip()
    if "@" in email:
        out.append(("email", email))
    phone = "".join(ch for ch in str(applicant.get("phone") or "") if ch.isdigit() or ch == "+")
    if len(phone.lstrip("+")) >= 9:
        out.append(("sms", phone))
    return out


def queue(ctx: StepContext, event: str, payload: dict[str, Any]) -> None:
    rendered = render(event, payload)
    if rendered is None:
        return
    subject, body = rendered
    for channel, recipient in contacts(ctx.dossier.applicant or {}):
        if channel == "sms" and not ctx.engine.settings.sms_notifications:
            continue
        ctx.insert(
            Notification.__table__,
            {
                "dossier_id": ctx.dossier.id,
                "event": event,
                "channel": channel,
                "recipient": recipient,
                "subject": subject if channel == "email" else "",
                "body": body,
                "state": "pending",
                "attempts": 0,
                "created_at": ctx.now,
            },
        )


def for_dossier(engine: Engine, dossier_id: int) -> list[Notification]:
    with engine.db.read() as s:
        return list(
            s.execute(
                select(Notification)
                .where(Notification.dossier_id == dossier_id)
                .order_by(Notification.id)
            ).scalars()
        )


def send(engine: Engine, now: datetime | None = None, *, limit: int = 200) -> Counter[str]:
    def deliver(row: Notification) -> str | None:
        if row.channel == "email":
            return send_email(engine, row.recipient, row.subject, row.body)
        result = engine.call_service(
            SMS_OPERATION,
            {"phone": row.recipient, "message": row.body},
            idempotency_key=f"notification-{row.id}",
        )
        data = result.data if hasattr(result, "data") else result
        return str((data or {}).get("message_id") or "") or None

    return outbox.drain(engine, Notification, deliver, now=now, limit=limit)


def send_email(engine: Engine, to: str, subject: str, body: str) -> str:
    """Send one email through the configured SMTP server; return its Message-ID."""
    cfg = engine.settings
    if not cfg.smtp_host:
        raise AdapterError("SMTP chưa được cấu hình (smtp_host)", retryable=False)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = cfg.smtp_sender, to, subject
    msg["Message-ID"] = make_msgid(domain="lienthong.local")
    msg.set_content(body, charset="utf-8")
    try:
        smtp_send(cfg, msg, timeout=10)
    except smtplib.SMTPRecipientsRefused as exc:
        raise AdapterError(f"máy chủ thư từ chối người nhận {to}: {exc}", retryable=False) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise AdapterError(f"không gửi được thư qua {cfg.smtp_host}: {exc}") from None
    return msg["Message-ID"]

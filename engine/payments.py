"""Dossier fees and their payment: the ``fee_payments`` table the dashboard counts.

A dossier owes at most one fee (``set_fee``). The citizen pays online through the
``payment`` adapter (``start_online``) or at the counter (``record_counter_payment``). The
gateway's callbacks are signed (HMAC-SHA256 of the raw body with ``payment_secret``) and
kept once each in ``payment_events``: a replayed callback finds its row and changes
nothing; a late "failed" after "paid" is ignored; a second successful transaction for a
fee already paid is counted in ``duplicate_payments`` (to refund), never paid twice.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import audit
from .errors import InvalidInput, LienThongError, NotFound
from .models import Dossier, FeePayment, PaymentEvent

if TYPE_CHECKING:
    from .runtime import Engine

CREATE_OPERATION = "payment.create_payment"
#: A fee's state as the errors officers and citizens read say it ("phí … đã thanh toán").
FEE_STATES = {
    "unpaid": "chưa thanh toán",
    "pending": "đang chờ thanh toán",
    "paid": "đã thanh toán",
    "failed": "thanh toán không thành công",
}


class BadSignature(LienThongError):
    """A callback whose signature does not match: not from the gateway (HTTP 401)."""

    code = "bad_signature"


@dataclass(frozen=True)
class CallbackResult:
    effect: str  # applied | ignored | duplicate | replayed | mismatch
    state: str
    dossier_code: str


def _dossier(s: Any, ref: str | int) -> Dossier:
    if isinstance(ref, int) or str(ref).isdigit():
        d = s.get(Dossier, int(ref))
    else:
        d = s.execute(select(Dossier).where(Dossier.code == ref)).scalar_one_or_none()
    if d is None:
        raise NotFound(f"không có hồ sơ {ref}")
    return d


def _fee_row(s: Any, dossier_id: int) -> FeePayment | None:
    return s.execute(
        select(FeePayment).where(FeePayment.dossier_id == dossier_id)
    ).scalar_one_or_none()


def set_fee(
    engine: Engine, dossier_ref: str | int, amount: int, description: str, *, actor: str = "system"
) -> FeePayment:
    """Say what the dossier owes (VND); changing it is allowed only before any payment."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput("phí, lệ phí phải là số nguyên dương (đồng)", {"amount": ["positive"]})
    now = engine.clock.now()
    with engine.db.write() as s:
        d = _dossier(s, dossier_ref)
        fee = _fee_row(s, d.id)
        if fee is None:
            fee = FeePayment(dossier_id=d.id, state="unpaid", created_at=now, paid_at=None)
            s.add(fee)
        elif fee.state not in ("unpaid", "failed"):
            raise InvalidInput(
                f"phí của hồ sơ {d.code} {FEE_STATES.get(fee.state, fee.state)}: không sửa được"
            )
        fee.amount, fee.description, fee.updated_at = amount, description, now
        fee.duplicate_payments = fee.duplicate_payments or 0
        audit.record(s, at=now, actor=actor, action="fee_set", dossier_id=d.id, amount=amount)
        s.flush()
        s.expunge(fee)
        return fee


def fee(engine: Engine, dossier_ref: str | int) -> FeePayment | None:
    with engine.db.read() as s:
        return _fee_row(s, _dossier(s, dossier_ref).id)


def start_online(
    engine: Engine,
    dossier_ref: str | int,
    *,
    return_url: str | None = None,
    callback_url: str | None = None,
) -> FeePayment:
    """Open (or reuse) a gateway payment for the fee and return the row with its ``pay_url``.

    A pending payment is reused, so pressing "Pay" twice never opens two; after a failure a
    new gateway payment is opened (the old one's late callbacks still find the fee).
    """
    with engine.db.write() as s:
        d = _dossier(s, dossier_ref)
        row = _fee_row(s, d.id)
        if row is None:
            raise NotFound(f"hồ sơ {d.code} không có phí, lệ phí phải nộp")
        if row.state == "paid":
            raise InvalidInput(f"phí của hồ sơ {d.code} đã thanh toán")
        if row.state == "pending" and row.pay_url:
            s.expunge(row)
            return row
        # One key per attempt, kept until the attempt fails: a retried call opens nothing new.
        row.attempt_key = row.attempt_key or uuid.uuid4().hex
        code, fee_id, amount, description = d.code, row.id, row.amount, row.description
        key = f"fee-{row.attempt_key}"
    params: dict[str, Any] = {
        "order_ref": f"{code}/{fee_id}",
        "amount": amount,
        "description": description or f"Phí, lệ phí hồ sơ {code}",
    }
    if return_url:
        params["return_url"] = return_url
    if callback_url:
        params["callback_url"] = callback_url
    result = engine.call_service(CREATE_OPERATION, params, idempotency_key=key)
    data = result.data if hasattr(result, "data") else result
    with engine.db.write() as s:
        row = s.get(FeePayment, fee_id)
        if row.state != "paid":
            row.state, row.channel = "pending", "online"
            row.gateway_ref, row.pay_url = data["payment_id"], data["pay_url"]
            row.updated_at = engine.clock.now()
        s.flush()
        s.expunge(row)
        return row


def record_counter_payment(
    engine: Engine, dossier_ref: str | int, *, actor: str, receipt_no: str
) -> FeePayment:
    now = engine.clock.now()
    with engine.db.write() as s:
        d = _dossier(s, dossier_ref)
        row = _fee_row(s, d.id)
        if row is None:
            raise NotFound(f"hồ sơ {d.code} không có phí, lệ phí phải nộp")
        if row.state == "paid":
            raise InvalidInput(f"phí của hồ sơ {d.code} đã thanh toán")
        row.state, row.channel, row.transaction_id = "paid", "counter", receipt_no
        row.paid_at = row.updated_at = now
        audit.record(s, at=now, actor=actor, action="fee_paid", dossier_id=d.id, channel="counter")
        s.flush()
        s.expunge(row)
        return row


def verify(engine: Engine, body: bytes, signature: str | None) -> dict[str, Any]:
    """Check the gateway's signature over the raw body and return the parsed callback."""
    expected = hmac.new(engine.settings.payment_secret.encode(), body, hashlib.sha256).hexdigest()
    if not signature or not hmac.compare_digest(expected, signature.strip().lower()):
        raise BadSignature("thông báo thanh toán thiếu chữ ký hoặc chữ ký không đúng")
    try:
        data = json.loads(body)
    except ValueError:
        raise InvalidInput("thông báo thanh toán không phải JSON") from None
    missing = [
        k for k in ("event_id", "payment_id", "order_ref", "status", "amount") if k not in data
    ]
    if not isinstance(data, dict) or missing:
        raise InvalidInput(f"thông báo thanh toán thiếu trường {missing}")
    if data["status"] not in ("paid", "failed"):
        raise InvalidInput(f"trạng thái thanh toán không hợp lệ: {data['status']!r}")
    return data


def handle_callback(engine: Engine, body: bytes, signature: str | None) -> CallbackResult:
    """Apply one signed gateway callback exactly once (replays and late ones are harmless)."""
    data = verify(engine, body, signature)
    try:
        fee_id = int(str(data["order_ref"]).rsplit("/", 1)[1])
    except (IndexError, ValueError):
        raise InvalidInput(f"không có mã đơn thanh toán {data['order_ref']!r}") from None
    now = engine.clock.now()
    try:
        with engine.db.write() as s:
            row = s.execute(
                select(FeePayment).where(FeePayment.id == fee_id).with_for_update()
            ).scalar_one_or_none()
            if row is None:
                raise NotFound(f"không có mã đơn thanh toán {data['order_ref']!r}")
            d = s.get(Dossier, row.dossier_id)
            seen = s.execute(
                select(PaymentEvent).where(PaymentEvent.event_id == str(data["event_id"]))
            ).scalar_one_or_none()
            if seen is not None:
                return CallbackResult("replayed", row.state, d.code)
            effect = _apply(row, data, now)
            s.add(
                PaymentEvent(
                    event_id=str(data["event_id"]),
                    payment_id=row.id,
                    outcome=data["status"],
                    effect=effect,
                    body=data,
                    received_at=now,
                )
            )
            audit.record(
                s,
                at=now,
                actor="payment_gateway",
                action=f"payment_{data['status']}",
                dossier_id=d.id,
                effect=effect,
                transaction=data.get("transaction_id"),
            )
            return CallbackResult(effect, row.state, d.code)
    except IntegrityError:  # the same callback committed by a concurrent delivery
        with engine.db.read() as s:
            row = s.get(FeePayment, fee_id)
            return CallbackResult("replayed", row.state, s.get(Dossier, row.dossier_id).code)


def _apply(row: FeePayment, data: dict[str, Any], now: Any) -> str:
    if int(data["amount"]) != row.amount:
        return "mismatch"
    if data["status"] == "paid":
        if row.state == "paid":
            if data.get("transaction_id") == row.transaction_id:
                return "ignored"
            row.duplicate_payments = (row.duplicate_payments or 0) + 1
            row.updated_at = now
            return "duplicate"
        row.state, row.channel = "paid", "online"
        row.transaction_id = data.get("transaction_id")
        row.paid_at = row.updated_at = now
        return "applied"
    if row.state == "paid" or data["payment_id"] != row.gateway_ref:
        return "ignored"  # a late failure after success, or of an abandoned attempt
    row.state, row.updated_at = "failed", now
    row.attempt_key = None  # the next attempt is a new gateway payment
    return "applied"

"""Simulate the payment gateway: create payments, let a test (or a page) pay or fail them.

``POST /payments/<id>/simulate`` with ``{"outcome": "paid" | "failed"}`` settles the payment
and answers the signed callback the gateway would send (``callback``, ``signature``), so a
test can deliver it, deliver it twice, or deliver it late. Paying an already paid payment
again is a second, distinct transaction (the "paid twice" case). ``GET /pay/<id>`` is the
page a browser sees in the HTTP mode; its buttons settle the payment, call the product back
and return the citizen to ``return_url``.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from html import escape

from flask import redirect, request

from adapters.payment import SIGNATURE_HEADER, secret, sign
from adapters.sim.app import SimError, Simulator, _answer, _error, require

SCHEMA = """
CREATE TABLE IF NOT EXISTS payments (
    id TEXT PRIMARY KEY, order_ref TEXT NOT NULL, amount INTEGER NOT NULL,
    description TEXT NOT NULL, return_url TEXT, callback_url TEXT,
    status TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS transactions (
    id TEXT PRIMARY KEY, payment_id TEXT NOT NULL, outcome TEXT NOT NULL, at TEXT NOT NULL
);
"""


def _payment(db, pid: str) -> dict:
    row = db.execute("SELECT * FROM payments WHERE id = ?", (pid,)).fetchone()
    if row is None:
        raise SimError(404, "not_found", f"không có giao dịch thanh toán {pid}")
    return dict(row)


def settle(sim: Simulator, pid: str, outcome: str) -> tuple[dict, str, bytes]:
    """Pay or fail a payment; return (payment, signature, callback body) as the gateway would."""
    if outcome not in ("paid", "failed"):
        raise SimError(400, "bad_outcome", "kết quả thanh toán phải là “paid” hoặc “failed”")
    now = datetime.now(UTC).isoformat()
    with sim.write_lock:
        db = sim.connect()
        try:
            payment = _payment(db, pid)
            txn = f"TXN-{uuid.uuid4().hex[:12].upper()}"
            db.execute(
                "INSERT INTO transactions (id, payment_id, outcome, at) VALUES (?,?,?,?)",
                (txn, pid, outcome, now),
            )
            if payment["status"] != "paid":
                db.execute("UPDATE payments SET status = ? WHERE id = ?", (outcome, pid))
        finally:
            db.close()
    callback = {
        "event_id": f"EV-{uuid.uuid4().hex}",
        "payment_id": pid,
        "order_ref": payment["order_ref"],
        "amount": payment["amount"],
        "status": outcome,
        "transaction_id": txn,
        "at": now,
    }
    body = json.dumps(callback, sort_keys=True).encode()
    return payment, sign(body, secret()), body


def install(sim: Simulator) -> None:
    sim.schema(SCHEMA, lambda db: None)

    @sim.write("/payments")
    def create_payment(db, body):
        order_ref, amount, description = require(body, "order_ref", "amount", "description")
        pid = f"PAY-{uuid.uuid4().hex[:16].upper()}"
        db.execute(
            "INSERT INTO payments VALUES (?,?,?,?,?,?,?,?)",
            (
                pid,
                order_ref,
                int(amount),
                description,
                body.get("return_url"),
                body.get("callback_url"),
                "pending",
                datetime.now(UTC).isoformat(),
            ),
        )
        return {"payment_id": pid, "status": "pending", "pay_url": f"/pay/{pid}"}

    @sim.read("/payments/<pid>")
    def get_payment(db, args, pid):
        payment = _payment(db, pid)
        txns = db.execute(
            "SELECT id, outcome, at FROM transactions WHERE payment_id = ? ORDER BY at", (pid,)
        ).fetchall()
        return {
            "payment_id": pid,
            "status": payment["status"],
            "amount": payment["amount"],
            "order_ref": payment["order_ref"],
            "transactions": [dict(t) for t in txns],
        }

    def simulate(pid: str):
        if not sim._authorised():
            return _error(401, "unauthorised", "thiếu hoặc sai mã truy cập (bearer token)")
        body = request.get_json(silent=True) or {}
        try:
            _, signature, callback = settle(sim, pid, str(body.get("outcome")))
        except SimError as exc:
            return _error(exc.status, exc.code, exc.message)
        return _answer({"callback": json.loads(callback), "signature": signature})

    def page(pid: str):
        db = sim.connect()
        try:
            payment = _payment(db, pid)
        except SimError as exc:
            return _error(exc.status, exc.code, exc.message)
        finally:
            db.close()
        return (
            "<!doctype html><html lang='vi'><meta charset='utf-8'><title>Cổng thanh toán</title>"
            f"<h1>Thanh toán {payment['amount']:,} đồng</h1><p>{escape(payment['description'])}"
            f"</p><form method='post' action='/pay/{pid}/confirm'>"
            "<button name='outcome' value='paid'>Thanh toán</button>"
            "<button name='outcome' value='failed'>Hủy giao dịch</button></form></html>"
        )

    def confirm(pid: str):
        try:
            payment, signature, callback = settle(sim, pid, request.form.get("outcome", ""))
        except SimError as exc:
            return _error(exc.status, exc.code, exc.message)
        if (payment.get("callback_url") or "").startswith("http"):
            import httpx

            try:
                httpx.post(
                    payment["callback_url"],
                    content=callback,
                    headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
                    timeout=5,
                )
            except httpx.HTTPError:
                pass  # the product reads the state later (get_payment); a gateway retries
        return redirect(payment.get("return_url") or "/", 303)

    sim.app.add_url_rule("/payments/<pid>/simulate", "simulate", simulate, methods=["POST"])
    sim.app.add_url_rule("/pay/<pid>", "pay_page", page, methods=["GET"])
    sim.app.add_url_rule("/pay/<pid>/confirm", "pay_confirm", confirm, methods=["POST"])

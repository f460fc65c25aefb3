"""Simulate the portal's status-update API: check each document, keep what it received.

``status_updates`` holds every accepted update in arrival order (what tests and the bench
read); ``dossiers`` holds the portal's current view of each dossier. A repeated
Idempotency-Key is answered from the simulator's idempotency table and stored once.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from adapters.sim.app import SimError, Simulator, require

SCHEMA = """
CREATE TABLE IF NOT EXISTS status_updates (
    id INTEGER PRIMARY KEY, ma_ho_so TEXT NOT NULL, trang_thai TEXT NOT NULL,
    loai TEXT NOT NULL, body TEXT NOT NULL, received_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dossiers (
    ma_ho_so TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at TEXT NOT NULL
);
"""
PORTAL_DATE = re.compile(r"^\d{14}$")
CODES = {"1", "2", "3", "4", "5", "6", "7"}
DATE_FIELDS = ("NgayTiepNhan", "NgayHenTra", "NgayHenTraMoi", "NgayKetThuc", "ThoiDiemCapNhat")


def _check(body: dict) -> None:
    require(body, "MaHoSo", "MaTTHC", "TrangThaiHoSo", "NgayTiepNhan", "LoaiCapNhat")
    if body["TrangThaiHoSo"] not in CODES:
        raise SimError(422, "bad_status", f"TrangThaiHoSo {body['TrangThaiHoSo']!r} không hợp lệ")
    for field in DATE_FIELDS:
        value = body.get(field)
        if value is not None:
            if not isinstance(value, str) or not PORTAL_DATE.match(value):
                raise SimError(422, "bad_date", f"{field} phải có dạng yyyyMMddHHmmss")
            try:
                datetime.strptime(value, "%Y%m%d%H%M%S")
            except ValueError:
                raise SimError(422, "bad_date", f"{field}: ngày {value} không tồn tại") from None
    if body["LoaiCapNhat"] == "HEN_LAI" and not body.get("NgayHenTraMoi"):
        raise SimError(422, "missing_new_date", "cập nhật hẹn lại cần NgayHenTraMoi")


def install(sim: Simulator) -> None:
    sim.schema(SCHEMA, lambda db: None)

    @sim.write("/dossiers/status")
    def push_status(db, body):
        _check(body)
        now = datetime.now(UTC).isoformat()
        cur = db.execute(
            "INSERT INTO status_updates (ma_ho_so, trang_thai, loai, body, received_at)"
            " VALUES (?,?,?,?,?)",
            (
                body["MaHoSo"],
                body["TrangThaiHoSo"],
                body["LoaiCapNhat"],
                json.dumps(body, ensure_ascii=False),
                now,
            ),
        )
        row = db.execute("SELECT body FROM dossiers WHERE ma_ho_so = ?", (body["MaHoSo"],))
        seen = row.fetchone()
        view = {**(json.loads(seen["body"]) if seen else {}), **body}
        db.execute(
            "INSERT INTO dossiers (ma_ho_so, body, updated_at) VALUES (?,?,?)"
            " ON CONFLICT(ma_ho_so) DO UPDATE SET body = excluded.body,"
            " updated_at = excluded.updated_at",
            (body["MaHoSo"], json.dumps(view, ensure_ascii=False), now),
        )
        return {"ack_id": f"CDVC-{cur.lastrowid:08d}", "MaHoSo": body["MaHoSo"], "accepted": True}

    @sim.read("/dossiers/<path:code>")
    def get_dossier(db, args, code):
        row = db.execute("SELECT body FROM dossiers WHERE ma_ho_so = ?", (code,)).fetchone()
        if row is None:
            raise SimError(404, "not_found", f"cổng chưa có hồ sơ {code}")
        updates = db.execute(
            "SELECT body FROM status_updates WHERE ma_ho_so = ? ORDER BY id", (code,)
        ).fetchall()
        return {**json.loads(row["body"]), "updates": [json.loads(u["body"]) for u in updates]}


def received(sim: Simulator) -> list[dict]:
    """Every status update the simulated portal accepted, oldest first (for tests)."""
    db = sim.connect()
    try:
        rows = db.execute("SELECT body, received_at FROM status_updates ORDER BY id").fetchall()
        return [{**json.loads(r["body"]), "_received_at": r["received_at"]} for r in rows]
    finally:
        db.close()

"""Simulate the business registration system over HTTP on its own SQLite file."""

from __future__ import annotations

import random
import sqlite3
from datetime import date

from adapters.identifiers import tax_check_digit
from adapters.settings import sim_people, sim_seed
from adapters.sim.app import SimError, Simulator, require
from adapters.sim.places import COMMUNES, locality
from adapters.sim.world import world

SCHEMA = """
CREATE TABLE IF NOT EXISTS enterprises (
    code TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL, kind TEXT NOT NULL,
    charter_capital INTEGER NOT NULL, representative_id TEXT NOT NULL, address TEXT NOT NULL,
    registered_on TEXT NOT NULL, status TEXT NOT NULL, parent_code TEXT,
    business_lines TEXT, amendments INTEGER NOT NULL DEFAULT 0
);
"""
ISSUER = "Phòng Đăng ký kinh doanh - Sở Kế hoạch và Đầu tư tỉnh Bình Dương"
STATUS_NAMES = {
    "active": "Đang hoạt động",
    "suspended": "Tạm ngừng kinh doanh",
    "dissolved": "Đã giải thể",
}


def seed(db: sqlite3.Connection) -> None:
    for e in world(sim_seed(), sim_people()).enterprises:
        db.execute(
            "INSERT INTO enterprises (code, name, kind, charter_capital, representative_id,"
            " address, registered_on, status) VALUES (?,?,?,?,?,?,?,?)",
            (
                e.code,
                e.name,
                e.kind,
                e.charter_capital,
                e.representative_id,
                e.address,
                e.registered_on.isoformat(),
                e.status,
            ),
        )
        for n, branch in enumerate(e.branches, start=1):
            db.execute(
                "INSERT INTO enterprises (code, name, kind, charter_capital, representative_id,"
                " address, registered_on, status, parent_code) VALUES (?,?,?,0,?,?,?,?,?)",
                (
                    branch,
                    f"Chi nhánh {n} - {e.name}",
                    "Chi nhánh",
                    e.representative_id,
                    e.address,
                    e.registered_on.isoformat(),
                    e.status,
                    e.code,
                ),
            )


def _enterprise(db, code: str) -> sqlite3.Row:
    row = db.execute("SELECT * FROM enterprises WHERE code=?", (code,)).fetchone()
    if row is None:
        raise SimError(404, "enterprise_not_found", f"không có doanh nghiệp mã số {code}")
    return row


def _new_code(db, name: str) -> str:
    rng = random.Random(name)  # deterministic per name, checked against the register
    while True:
        first9 = f"37{rng.randrange(10**7):07d}"
        check = tax_check_digit(first9)
        code = f"{first9}{check}"
        if (
            check is not None
            and not db.execute("SELECT 1 FROM enterprises WHERE code=?", (code,)).fetchone()
        ):
            return code


def install(sim: Simulator) -> None:
    sim.schema(SCHEMA, seed)

    @sim.read("/enterprises/<code>")
    def lookup_enterprise(db, args, code):
        row = _enterprise(db, code)
        branches = [
            r["code"]
            for r in db.execute("SELECT code FROM enterprises WHERE parent_code=?", (code,))
        ]
        return {
            "enterprise_code": row["code"],
            "name": row["name"],
            "kind": row["kind"],
            "charter_capital": row["charter_capital"],
            "representative_id": row["representative_id"],
            "address": row["address"],
            "registered_on": row["registered_on"],
            "status": row["status"],
            "status_name": STATUS_NAMES[row["status"]],
            "parent_code": row["parent_code"],
            "branches": branches,
        }

    @sim.write("/enterprises")
    def register_enterprise(db, body):
        name, kind, capital, rep, commune, detail = require(
            body,
            "name",
            "kind",
            "charter_capital",
            "representative_id",
            "commune_code",
            "address_detail",
        )
        if commune not in COMMUNES:
            raise SimError(422, "unknown_commune", f"mã xã, phường {commune} không thuộc tỉnh")
        if not name.lower().startswith(kind.lower()):
            name = f"{kind} {name}"
        if db.execute("SELECT 1 FROM enterprises WHERE lower(name)=lower(?)", (name,)).fetchone():
            raise SimError(409, "name_taken", f"tên “{name}” đã được doanh nghiệp khác đăng ký")
        code = _new_code(db, name)
        today = date.today().isoformat()
        db.execute(
            "INSERT INTO enterprises (code, name, kind, charter_capital, representative_id,"
            " address, registered_on, status, business_lines) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                code,
                name,
                kind,
                int(capital),
                rep,
                f"{detail}, {locality(commune)}",
                today,
                "active",
                body.get("business_lines"),
            ),
        )
        return {
            "enterprise_code": code,
            "name": name,
            "registered_on": today,
            "certificate_no": code,
        }

    @sim.read("/enterprises/<code>/certificate")
    def get_certificate(db, args, code):
        row = _enterprise(db, code)
        if row["parent_code"]:
            title = "Giấy chứng nhận đăng ký hoạt động chi nhánh"
        else:
            title = "Giấy chứng nhận đăng ký doanh nghiệp"
        return {
            "title": title,
            "enterprise_code": row["code"],
            "name": row["name"],
            "kind": row["kind"],
            "address": row["address"],
            "charter_capital": row["charter_capital"],
            "representative_id": row["representative_id"],
            "first_registered_on": row["registered_on"],
            "amendments": row["amendments"],
            "issued_by": ISSUER,
            "status": row["status"],
        }

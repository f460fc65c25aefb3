"""Simulate the population database over HTTP on its own SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import date

from adapters.settings import sim_people, sim_seed
from adapters.sim.app import SimError, Simulator, require
from adapters.sim.places import COMMUNES, PROVINCES, locality
from adapters.sim.world import world

SCHEMA = """
CREATE TABLE IF NOT EXISTS citizens (
    personal_id TEXT PRIMARY KEY, full_name TEXT NOT NULL, sex TEXT NOT NULL,
    date_of_birth TEXT NOT NULL, birth_province TEXT NOT NULL, household_id INTEGER,
    relation TEXT, father_id TEXT, mother_id TEXT, spouse_id TEXT,
    status TEXT NOT NULL DEFAULT 'alive', commune_code TEXT, address TEXT,
    residence TEXT NOT NULL DEFAULT 'permanent'
);
CREATE TABLE IF NOT EXISTS residence_events (
    id INTEGER PRIMARY KEY, number TEXT UNIQUE NOT NULL, personal_id TEXT NOT NULL,
    kind TEXT NOT NULL, commune_code TEXT, address TEXT, reason TEXT, reference TEXT,
    on_date TEXT NOT NULL
);
"""


def seed(db: sqlite3.Connection) -> None:
    rows = [
        (
            p.personal_id,
            p.full_name,
            p.sex,
            p.date_of_birth.isoformat(),
            p.birth_province,
            p.household_id,
            p.relation,
            p.father_id,
            p.mother_id,
            p.spouse_id,
            p.commune_code,
            p.address,
        )
        for p in world(sim_seed(), sim_people()).people
    ]
    db.executemany(
        "INSERT INTO citizens (personal_id, full_name, sex, date_of_birth, birth_province,"
        " household_id, relation, father_id, mother_id, spouse_id, commune_code, address)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )


def _citizen(db: sqlite3.Connection, pid: str) -> sqlite3.Row:
    row = db.execute("SELECT * FROM citizens WHERE personal_id = ?", (pid,)).fetchone()
    if row is None:
        raise SimError(404, "citizen_not_found", f"không có công dân mang số định danh {pid}")
    return row


def _event(db, pid: str, kind: str, **values) -> str:
    seq = db.execute("SELECT COUNT(*) FROM residence_events").fetchone()[0] + 1
    number = f"{'DKTT' if kind == 'register' else 'XTT'}-074-{seq:07d}"
    db.execute(
        "INSERT INTO residence_events (number, personal_id, kind, commune_code, address,"
        " reason, reference, on_date) VALUES (?,?,?,?,?,?,?,?)",
        (
            number,
            pid,
            kind,
            values.get("commune_code"),
            values.get("address"),
            values.get("reason"),
            values.get("reference"),
            date.today().isoformat(),
        ),
    )
    return number


def install(sim: Simulator) -> None:
    sim.schema(SCHEMA, seed)

    @sim.read("/citizens/<pid>")
    def lookup_citizen(db, args, pid):
        row = _citizen(db, pid)
        return {
            "personal_id": row["personal_id"],
            "full_name": row["full_name"],
            "sex": row["sex"],
            "date_of_birth": row["date_of_birth"],
            "place_of_birth_registration": PROVINCES[row["birth_province"]],
            "status": row["status"],
            "residence": row["residence"],
            "permanent_address": row["address"] if row["residence"] == "permanent" else None,
            "commune_code": row["commune_code"],
            "household_id": row["household_id"],
            "relation_to_head": row["relation"],
            "father_id": row["father_id"],
            "mother_id": row["mother_id"],
            "spouse_id": row["spouse_id"],
        }

    @sim.write("/residences")
    def register_residence(db, body):
        pid, commune, detail = require(body, "personal_id", "commune_code", "address_detail")
        if commune not in COMMUNES:
            raise SimError(422, "unknown_commune", f"mã xã, phường {commune} không thuộc tỉnh")
        row = db.execute("SELECT * FROM citizens WHERE personal_id = ?", (pid,)).fetchone()
        if row is None:
            if not body.get("birth_extract_no"):
                raise SimError(
                    404, "citizen_not_found", f"không có công dân mang số định danh {pid}"
                )
            name, sex, born = require(body, "full_name", "sex", "date_of_birth")
            db.execute(
                "INSERT INTO citizens (personal_id, full_name, sex, date_of_birth,"
                " birth_province, residence) VALUES (?,?,?,?,?, 'none')",
                (pid, name, sex, born, pid[:3]),
            )
            row = _citizen(db, pid)
        if row["status"] != "alive":
            raise SimError(422, "citizen_deceased", f"công dân {pid} đã được ghi nhận là đã mất")
        full = f"{detail}, {locality(commune)}"
        if row["residence"] == "permanent" and row["address"] == full:
            raise SimError(
                409, "already_registered", f"công dân {pid} đã đăng ký thường trú tại địa chỉ này"
            )
        db.execute(
            "UPDATE citizens SET residence='permanent', commune_code=?, address=?"
            " WHERE personal_id=?",
            (commune, full, pid),
        )
        number = _event(db, pid, "register", commune_code=commune, address=full)
        return {
            "registration_no": number,
            "personal_id": pid,
            "permanent_address": full,
            "commune_code": commune,
            "registered_on": date.today().isoformat(),
        }

    @sim.write("/residences/deregistrations")
    def deregister_residence(db, body):
        pid, reason = require(body, "personal_id", "reason")
        row = _citizen(db, pid)
        if row["residence"] != "permanent":
            raise SimError(
                409, "not_registered", f"công dân {pid} không có đăng ký thường trú để xóa"
            )
        status = "deceased" if reason == "death" else row["status"]
        db.execute(
            "UPDATE citizens SET residence='none', status=? WHERE personal_id=?", (status, pid)
        )
        number = _event(
            db,
            pid,
            "deregister",
            commune_code=row["commune_code"],
            address=row["address"],
            reason=reason,
            reference=body.get("reference"),
        )
        return {
            "deregistration_no": number,
            "personal_id": pid,
            "reason": reason,
            "former_address": row["address"],
            "on_date": date.today().isoformat(),
        }

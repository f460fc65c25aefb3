"""Simulate the civil-status registry over HTTP on its own SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import date

from adapters.identifiers import personal_id
from adapters.settings import sim_people, sim_seed
from adapters.sim.app import SimError, Simulator, require
from adapters.sim.places import COMMUNES, PROVINCE_CODE
from adapters.sim.world import world

SCHEMA = """
CREATE TABLE IF NOT EXISTS people (
    personal_id TEXT PRIMARY KEY, full_name TEXT NOT NULL, sex TEXT NOT NULL,
    date_of_birth TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS marriages (
    id INTEGER PRIMARY KEY, husband_id TEXT NOT NULL, wife_id TEXT NOT NULL,
    registered_on TEXT NOT NULL, status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS births (
    id INTEGER PRIMARY KEY, extract_no TEXT UNIQUE NOT NULL, child_id TEXT UNIQUE NOT NULL,
    child_name TEXT NOT NULL, mother_id TEXT NOT NULL, father_id TEXT, commune_code TEXT,
    registered_on TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deaths (
    id INTEGER PRIMARY KEY, extract_no TEXT UNIQUE NOT NULL, deceased_id TEXT UNIQUE NOT NULL,
    date_of_death TEXT NOT NULL, place_of_death TEXT, commune_code TEXT,
    registered_on TEXT NOT NULL
);
"""


def seed(db: sqlite3.Connection) -> None:
    people = world(sim_seed(), sim_people()).people
    db.executemany(
        "INSERT INTO people VALUES (?,?,?,?)",
        [(p.personal_id, p.full_name, p.sex, p.date_of_birth.isoformat()) for p in people],
    )
    for index, p in enumerate(x for x in people if x.sex == "M" and x.spouse_id):
        wed = date(max(p.date_of_birth.year + 22, 1975), 1 + index % 12, 1 + index % 28)
        status = "divorced" if index % 17 == 5 else "married"
        db.execute(
            "INSERT INTO marriages (husband_id, wife_id, registered_on, status) VALUES (?,?,?,?)",
            (p.personal_id, p.spouse_id, wed.isoformat(), status),
        )


#: Who a looked-up person is in the request, as the refusal names them to officers.
ROLES = {
    "mother": "Người mẹ",
    "father": "Người cha",
    "deceased": "Người mất",
    "person": "Người được tra cứu",
}


def _person(db, pid: str, role: str) -> sqlite3.Row:
    row = db.execute("SELECT * FROM people WHERE personal_id = ?", (pid,)).fetchone()
    if row is None:
        raise SimError(
            404, "person_not_found", f"{ROLES[role]}: không có người mang số định danh {pid}"
        )
    return row


def _issuer(commune_code: str) -> str:
    return f"UBND {COMMUNES[commune_code][0]}"


def install(sim: Simulator) -> None:
    sim.schema(SCHEMA, seed)

    @sim.write("/births")
    def register_birth(db, body):
        name, sex, born, place, commune, mother_id = require(
            body,
            "child_name",
            "sex",
            "date_of_birth",
            "place_of_birth",
            "commune_code",
            "mother_id",
        )
        if commune not in COMMUNES:
            raise SimError(422, "unknown_commune", f"mã xã, phường {commune} không thuộc tỉnh")
        mother = _person(db, mother_id, "mother")
        if mother["sex"] != "F":
            raise SimError(
                422,
                "mother_not_female",
                f"người mẹ (số định danh {mother_id}) không được ghi nhận là nữ",
            )
        if date.fromisoformat(born).year - int(mother["date_of_birth"][:4]) < 14:
            raise SimError(
                422,
                "implausible_mother",
                "người mẹ chưa đủ 14 tuổi khi sinh con: kiểm tra lại ngày sinh",
            )
        father = _person(db, body["father_id"], "father") if body.get("father_id") else None
        seq = db.execute("SELECT COUNT(*) FROM births").fetchone()[0] + 1
        serial = 900_000 + seq
        child_id = personal_id(date.fromisoformat(born).year, sex, PROVINCE_CODE, serial)
        while db.execute("SELECT 1 FROM people WHERE personal_id=?", (child_id,)).fetchone():
            serial += 1
            child_id = personal_id(date.fromisoformat(born).year, sex, PROVINCE_CODE, serial)
        extract_no = f"KS.{commune}.{date.today().year}.{seq:06d}"
        today = date.today().isoformat()
        db.execute("INSERT INTO people VALUES (?,?,?,?)", (child_id, name, sex, born))
        db.execute(
            "INSERT INTO births (extract_no, child_id, child_name, mother_id, father_id,"
            " commune_code, registered_on) VALUES (?,?,?,?,?,?,?)",
            (extract_no, child_id, name, mother_id, body.get("father_id"), commune, today),
        )
        return {
            "personal_id": child_id,
            "birth_extract": {
                "extract_no": extract_no,
                "result_code": f"KQ.G15.{seq:06d}",
                "book": f"Sổ đăng ký khai sinh {date.today().year}",
                "child_name": name,
                "sex": sex,
                "date_of_birth": born,
                "place_of_birth": place,
                "mother_name": mother["full_name"],
                "father_name": father["full_name"] if father else None,
                "issued_by": _issuer(commune),
                "issued_on": today,
            },
        }

    @sim.write("/deaths")
    def register_death(db, body):
        pid, died, place, commune = require(
            body, "deceased_id", "date_of_death", "place_of_death", "commune_code"
        )
        if commune not in COMMUNES:
            raise SimError(422, "unknown_commune", f"mã xã, phường {commune} không thuộc tỉnh")
        person = _person(db, pid, "deceased")
        if died < person["date_of_birth"]:
            raise SimError(422, "death_before_birth", "ngày mất trước ngày sinh của người mất")
        if db.execute("SELECT 1 FROM deaths WHERE deceased_id=?", (pid,)).fetchone():
            raise SimError(
                409,
                "death_already_registered",
                f"việc khai tử người có số định danh {pid} đã được đăng ký",
            )
        seq = db.execute("SELECT COUNT(*) FROM deaths").fetchone()[0] + 1
        extract_no = f"KT.{commune}.{date.today().year}.{seq:06d}"
        today = date.today().isoformat()
        db.execute(
            "INSERT INTO deaths (extract_no, deceased_id, date_of_death, place_of_death,"
            " commune_code, registered_on) VALUES (?,?,?,?,?,?)",
            (extract_no, pid, died, place, commune, today),
        )
        return {
            "death_extract": {
                "extract_no": extract_no,
                "book": f"Sổ đăng ký khai tử {date.today().year}",
                "deceased_id": pid,
                "deceased_name": person["full_name"],
                "date_of_death": died,
                "place_of_death": place,
                "issued_by": _issuer(commune),
                "issued_on": today,
            }
        }

    @sim.read("/marriage-status/<pid>")
    def marriage_status(db, args, pid):
        _person(db, pid, "person")
        row = db.execute(
            "SELECT * FROM marriages WHERE husband_id=? OR wife_id=? ORDER BY id DESC LIMIT 1",
            (pid, pid),
        ).fetchone()
        if row is None:
            return {"personal_id": pid, "status": "single", "spouse_id": None}
        spouse = row["wife_id"] if row["husband_id"] == pid else row["husband_id"]
        status = row["status"]
        if (
            status == "married"
            and db.execute("SELECT 1 FROM deaths WHERE deceased_id=?", (spouse,)).fetchone()
        ):
            status = "widowed"
        return {
            "personal_id": pid,
            "status": status,
            "spouse_id": spouse,
            "registered_on": row["registered_on"],
        }

"""Simulate the judicial-records system over HTTP on its own SQLite file.

Seeded from the shared generated world: about one adult in thirty has a conviction, some of
them already expunged (đã được xóa án tích). Rules the simulator keeps, from the Law on
Judicial Records 2009 and Circular 244/2016/TT-BTC:

- form 1 lists convictions not yet expunged, else says "Không có án tích"; form 2 lists every
  conviction, expunged ones marked, and any ban on holding posts or running an enterprise;
- the certificate is due 10 working days after a valid request, 15 for a person who lived
  in several provinces (the simulator's stand-in: born outside Bình Dương);
- the fee is 200,000 đồng per request (100,000 for students and people with merit,
  `reduced_fee`), plus 5,000 đồng per certificate from the third copy on.
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import date, timedelta

from adapters.settings import sim_people, sim_seed
from adapters.sim.app import SimError, Simulator, require
from adapters.sim.places import PROVINCE_CODE
from adapters.sim.world import WORLD_DATE, world

FEE, REDUCED_FEE, EXTRA_COPY_FEE, FREE_COPIES = 200_000, 100_000, 5_000, 2
ISSUER = "Sở Tư pháp tỉnh Bình Dương"
SCHEMA = """
CREATE TABLE IF NOT EXISTS persons (
    personal_id TEXT PRIMARY KEY, full_name TEXT NOT NULL, sex TEXT NOT NULL,
    date_of_birth TEXT NOT NULL, birth_province TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS convictions (
    id INTEGER PRIMARY KEY, personal_id TEXT NOT NULL, judgment_no TEXT UNIQUE NOT NULL,
    court TEXT NOT NULL, judged_on TEXT NOT NULL, offence TEXT NOT NULL, sentence TEXT NOT NULL,
    expunged INTEGER NOT NULL, ban TEXT
);
CREATE TABLE IF NOT EXISTS requests (
    request_no TEXT PRIMARY KEY, personal_id TEXT NOT NULL, form TEXT NOT NULL,
    purpose TEXT NOT NULL, copies INTEGER NOT NULL, fee INTEGER NOT NULL,
    received_on TEXT NOT NULL, due_on TEXT NOT NULL, certificate_no TEXT UNIQUE
);
CREATE TABLE IF NOT EXISTS certificates (
    certificate_no TEXT PRIMARY KEY, request_no TEXT UNIQUE NOT NULL, issued_on TEXT NOT NULL,
    content TEXT NOT NULL
);
"""
# Offences of the Criminal Code 2015 most often seen in district courts.
OFFENCES = (
    ("Trộm cắp tài sản (Điều 173 Bộ luật Hình sự)", "09 tháng tù"),
    ("Đánh bạc (Điều 321 Bộ luật Hình sự)", "phạt tiền 20.000.000 đồng"),
    ("Cố ý gây thương tích (Điều 134 Bộ luật Hình sự)", "18 tháng tù, cho hưởng án treo"),
    ("Vi phạm quy định về tham gia giao thông đường bộ (Điều 260 Bộ luật Hình sự)", "02 năm tù"),
    ("Lừa đảo chiếm đoạt tài sản (Điều 174 Bộ luật Hình sự)", "03 năm tù"),
    ("Tàng trữ trái phép chất ma túy (Điều 249 Bộ luật Hình sự)", "02 năm 06 tháng tù"),
)
COURTS = (
    "Tòa án nhân dân thành phố Thủ Dầu Một",
    "Tòa án nhân dân thành phố Dĩ An",
    "Tòa án nhân dân thành phố Thuận An",
    "Tòa án nhân dân tỉnh Bình Dương",
)
BAN = "Cấm thành lập, quản lý doanh nghiệp trong thời hạn 03 năm"


def seed(db: sqlite3.Connection) -> None:
    people = world(sim_seed(), sim_people()).people
    db.executemany(
        "INSERT INTO persons VALUES (?,?,?,?,?)",
        [
            (p.personal_id, p.full_name, p.sex, p.date_of_birth.isoformat(), p.birth_province)
            for p in people
        ],  # fmt: skip
    )
    rng = random.Random(sim_seed() * 31 + 7)
    rows = []
    for p in people:
        if WORLD_DATE.year - p.date_of_birth.year < 20 or rng.random() >= 1 / 30:
            continue
        offence, sentence = rng.choice(OFFENCES)
        judged = WORLD_DATE - timedelta(days=rng.randrange(200, 12 * 365))
        expunged = int((WORLD_DATE - judged).days > 5 * 365)
        ban = BAN if "Lừa đảo" in offence else None
        number = f"{len(rows) + 1:03d}/{judged.year}/HS-ST"
        rows.append((p.personal_id, number, rng.choice(COURTS), judged.isoformat(), offence,
                     sentence, expunged, ban))  # fmt: skip
    db.executemany(
        "INSERT INTO convictions (personal_id, judgment_no, court, judged_on, offence, sentence,"
        " expunged, ban) VALUES (?,?,?,?,?,?,?,?)",
        rows,
    )


def _person(db, pid: str) -> sqlite3.Row:
    row = db.execute("SELECT * FROM persons WHERE personal_id = ?", (pid,)).fetchone()
    if row is None:
        raise SimError(
            404,
            "person_not_found",
            f"không có hồ sơ lý lịch tư pháp của người có số định danh {pid}",
        )
    return row


def _convictions(db, pid: str, *, include_expunged: bool) -> list[dict]:
    rows = db.execute(
        "SELECT * FROM convictions WHERE personal_id = ? ORDER BY judged_on", (pid,)
    ).fetchall()
    return [
        {"judgment_no": r["judgment_no"], "court": r["court"], "judged_on": r["judged_on"],
         "offence": r["offence"], "sentence": r["sentence"], "expunged": bool(r["expunged"])}
        for r in rows if include_expunged or not r["expunged"]
    ]  # fmt: skip


def add_working_days(start: date, days: int) -> date:
    """Count Monday–Friday days (public holidays are left to the real system)."""
    day = start
    while days:
        day += timedelta(days=1)
        days -= day.weekday() < 5
    return day


def _content(db, request: sqlite3.Row) -> dict:
    pid, form = request["personal_id"], request["form"]
    person = _person(db, pid)
    convictions = _convictions(db, pid, include_expunged=form == "2")
    content: dict = {
        "form": form,
        "full_name": person["full_name"],
        "personal_id": pid,
        "date_of_birth": person["date_of_birth"],
        "criminal_record": "Có án tích"
        if any(not c["expunged"] for c in convictions)
        else "Không có án tích",
        "convictions": convictions,
    }
    if form == "2":
        bans = db.execute(
            "SELECT ban FROM convictions WHERE personal_id = ? AND ban IS NOT NULL", (pid,)
        ).fetchall()
        content["bans"] = [b["ban"] for b in bans] or [
            "Không bị cấm đảm nhiệm chức vụ, thành lập, quản lý doanh nghiệp, hợp tác xã"
        ]
    return content


def install(sim: Simulator) -> None:
    sim.schema(SCHEMA, seed)

    @sim.read("/records/<pid>")
    def lookup_record(db, args, pid):
        person = _person(db, pid)
        current = _convictions(db, pid, include_expunged=False)
        return {
            "personal_id": pid,
            "full_name": person["full_name"],
            "has_criminal_record": bool(current),
            "convictions": current,
        }

    @sim.write("/certificate-requests")
    def request_certificate(db, body):
        pid, form, purpose = require(body, "personal_id", "form", "purpose")
        if form not in ("1", "2"):
            raise SimError(
                422, "unknown_form", f"mẫu phiếu “{form}” không có: chỉ có Phiếu số 1 và Phiếu số 2"
            )
        person = _person(db, pid)
        copies = int(body.get("copies") or 1)
        fee = (REDUCED_FEE if body.get("reduced_fee") == "yes" else FEE) + EXTRA_COPY_FEE * max(
            0, copies - FREE_COPIES
        )
        days = 10 if person["birth_province"] == PROVINCE_CODE else 15
        today = date.today()
        seq = db.execute("SELECT COUNT(*) FROM requests").fetchone()[0] + 1
        number = f"LLTP-{PROVINCE_CODE}-{today.year}-{seq:06d}"
        due = add_working_days(today, days)
        db.execute(
            "INSERT INTO requests (request_no, personal_id, form, purpose, copies, fee,"
            " received_on, due_on) VALUES (?,?,?,?,?,?,?,?)",
            (number, pid, form, purpose, copies, fee, today.isoformat(), due.isoformat()),
        )
        return {
            "request_no": number,
            "form": form,
            "copies": copies,
            "fee_vnd": fee,
            "received_on": today.isoformat(),
            "due_on": due.isoformat(),
            "working_days": days,
            "issuer": ISSUER,
        }

    @sim.write("/certificate-requests/<request_no>/certificate")
    def issue_certificate(db, body, request_no):
        request = db.execute(
            "SELECT * FROM requests WHERE request_no = ?", (request_no,)
        ).fetchone()
        if request is None:
            raise SimError(404, "request_not_found", f"không có yêu cầu cấp phiếu số {request_no}")
        if request["certificate_no"]:
            raise SimError(
                409,
                "already_issued",
                f"yêu cầu {request_no} đã được cấp phiếu {request['certificate_no']}",
            )
        seq = db.execute("SELECT COUNT(*) FROM certificates").fetchone()[0] + 1
        today = date.today()
        number = f"{seq:05d}/{today.year}/LLTP"
        content = _content(db, request)
        db.execute(
            "INSERT INTO certificates VALUES (?,?,?,?)",
            (number, request_no, today.isoformat(), json.dumps(content, ensure_ascii=False)),
        )
        db.execute("UPDATE requests SET certificate_no = ? WHERE request_no = ?",
                   (number, request_no))  # fmt: skip
        return {
            "certificate_no": number,
            "request_no": request_no,
            "issued_on": today.isoformat(),
            "issuer": ISSUER,
            "copies": request["copies"],
            **content,
        }

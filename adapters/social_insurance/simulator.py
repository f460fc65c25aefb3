"""Simulate social insurance over HTTP on its own SQLite file.

Funeral allowance: 10 × the base salary (2,340,000 VND from 1/7/2024) for a person who paid
contributions for at least 12 months. Children's cards are valid until the day before the
sixth birthday.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from adapters.settings import sim_people, sim_seed
from adapters.sim.app import SimError, Simulator, require
from adapters.sim.places import COMMUNES
from adapters.sim.world import WORLD_DATE, world

BASE_SALARY = 2_340_000
SCHEMA = """
CREATE TABLE IF NOT EXISTS insured (
    personal_id TEXT PRIMARY KEY, social_insurance_code TEXT UNIQUE NOT NULL,
    full_name TEXT NOT NULL, contribution_months INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS health_cards (
    card_number TEXT PRIMARY KEY, personal_id TEXT UNIQUE NOT NULL, full_name TEXT NOT NULL,
    valid_from TEXT NOT NULL, valid_to TEXT NOT NULL, hospital TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS allowances (
    id INTEGER PRIMARY KEY, decision_no TEXT UNIQUE NOT NULL, deceased_id TEXT UNIQUE NOT NULL,
    claimant_id TEXT NOT NULL, amount INTEGER NOT NULL, decided_on TEXT NOT NULL
);
"""
HOSPITALS = (
    "Bệnh viện Đa khoa tỉnh Bình Dương",
    "Trung tâm Y tế thành phố Thủ Dầu Một",
    "Trung tâm Y tế thành phố Dĩ An",
    "Trung tâm Y tế thành phố Thuận An",
)


def seed(db: sqlite3.Connection) -> None:
    rows = []
    for p in world(sim_seed(), sim_people()).people:
        if p.social_insurance_code:
            working_years = max(0, WORLD_DATE.year - p.date_of_birth.year - 18)
            months = min(working_years * 12, 35 * 12) - int(p.personal_id[-2:]) % 14
            rows.append((p.personal_id, p.social_insurance_code, p.full_name, max(0, months)))
    db.executemany("INSERT INTO insured VALUES (?,?,?,?)", rows)


def _sixth_birthday(born: date) -> date:
    try:
        return born.replace(year=born.year + 6)
    except ValueError:  # 29 February
        return born.replace(year=born.year + 6, day=28)


def install(sim: Simulator) -> None:
    sim.schema(SCHEMA, seed)

    @sim.write("/health-cards")
    def issue_child_health_card(db, body):
        pid, name, born_text, commune = require(
            body, "personal_id", "full_name", "date_of_birth", "commune_code"
        )
        if commune not in COMMUNES:
            raise SimError(422, "unknown_commune", f"mã xã, phường {commune} không thuộc tỉnh")
        born = date.fromisoformat(born_text)
        on = date.fromisoformat(body.get("on_date") or date.today().isoformat())
        end = _sixth_birthday(born)
        if not born <= on < end:
            raise SimError(
                422,
                "not_under_six",
                f"thẻ BHYT trẻ em chỉ cấp cho trẻ dưới 6 tuổi; ngày {on:%d/%m/%Y} trẻ không ở "
                "độ tuổi này",
            )
        existing = db.execute(
            "SELECT card_number FROM health_cards WHERE personal_id=?", (pid,)
        ).fetchone()
        if existing:
            raise SimError(409, "card_exists", f"trẻ đã có thẻ BHYT số {existing[0]}")
        seq = db.execute("SELECT COUNT(*) FROM health_cards").fetchone()[0] + 1
        code = f"74{pid[-4:]}{seq:04d}"  # 10-digit social insurance code
        card = f"TE174{code}"  # TE: child under 6, benefit level 1, province 74
        hospital = HOSPITALS[sorted(COMMUNES).index(commune) % len(HOSPITALS)]
        valid_to = (end - timedelta(days=1)).isoformat()
        db.execute(
            "INSERT INTO health_cards VALUES (?,?,?,?,?,?)",
            (card, pid, name, on.isoformat(), valid_to, hospital),
        )
        db.execute("INSERT INTO insured VALUES (?,?,?,0)", (pid, code, name))
        return {
            "card_number": card,
            "social_insurance_code": code,
            "full_name": name,
            "valid_from": on.isoformat(),
            "valid_to": valid_to,
            "initial_hospital": hospital,
        }

    @sim.write("/funeral-allowances")
    def funeral_allowance(db, body):
        pid, died, claimant, extract = require(
            body, "deceased_id", "date_of_death", "claimant_id", "death_extract_no"
        )
        row = db.execute("SELECT * FROM insured WHERE personal_id=?", (pid,)).fetchone()
        if row is None:
            raise SimError(
                422, "not_insured", "người mất chưa có quá trình tham gia bảo hiểm xã hội"
            )
        if row["contribution_months"] < 12:
            raise SimError(
                422,
                "too_few_contributions",
                f"người mất mới đóng bảo hiểm xã hội {row['contribution_months']} tháng, cần đủ "
                "12 tháng trở lên",
            )
        if db.execute("SELECT 1 FROM allowances WHERE deceased_id=?", (pid,)).fetchone():
            raise SimError(
                409, "already_granted", "trợ cấp mai táng cho người mất đã được giải quyết trước đó"
            )
        seq = db.execute("SELECT COUNT(*) FROM allowances").fetchone()[0] + 1
        decision = f"QĐ-MT-74-{date.today().year}-{seq:05d}"
        amount = 10 * BASE_SALARY
        db.execute(
            "INSERT INTO allowances (decision_no, deceased_id, claimant_id, amount, decided_on)"
            " VALUES (?,?,?,?,?)",
            (decision, pid, claimant, amount, date.today().isoformat()),
        )
        return {
            "decision_no": decision,
            "deceased_id": pid,
            "claimant_id": claimant,
            "amount": amount,
            "basis": f"10 × mức lương cơ sở {BASE_SALARY:,} đồng",
            "death_extract_no": extract,
            "date_of_death": died,
            "social_insurance_code": row["social_insurance_code"],
        }

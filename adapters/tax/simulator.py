"""Simulate the tax authority's notices over HTTP on its own SQLite file.

Rates (simplified): personal income tax 2% of the transfer price (never below the state
value); gifts and inheritances 10% of the value above 10 million VND, exempt between close
family; registration fee 0.5% of the state value; licence fee 3 million VND a year above
10 billion charter capital, 2 million at or below, 1 million for a branch, and nothing in
the first calendar year of a new enterprise (Decree 22/2020/NĐ-CP).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

from adapters.sim.app import SimError, Simulator, require

SCHEMA = """
CREATE TABLE IF NOT EXISTS notices (
    id INTEGER PRIMARY KEY, notice_no TEXT UNIQUE NOT NULL, kind TEXT NOT NULL,
    subject TEXT NOT NULL, items TEXT NOT NULL, total INTEGER NOT NULL,
    issued_on TEXT NOT NULL, due_on TEXT NOT NULL
);
"""


def _seed(db: sqlite3.Connection) -> None:
    # The tax simulator starts with no notices; `schema` seeds only an empty table.
    return None


def _item(code: str, name: str, payer: str, base: int, rate: float, note: str = "") -> dict:
    return {
        "code": code,
        "name": name,
        "payer_id": payer,
        "base": base,
        "rate": rate,
        "amount": round(base * rate),
        "note": note,
    }


def _issue(db, kind: str, subject: str, items: list[dict]) -> dict:
    seq = db.execute("SELECT COUNT(*) FROM notices").fetchone()[0] + 1
    today = date.today()
    notice = {
        "notice_no": f"TB-{today.year}-{kind.upper()}-{seq:06d}",
        "kind": kind,
        "subject": subject,
        "items": items,
        "total": sum(i["amount"] for i in items),
        "issued_on": today.isoformat(),
        "due_on": (today + timedelta(days=30)).isoformat(),
        "issued_by": "Thuế tỉnh Bình Dương",
    }
    db.execute(
        "INSERT INTO notices (notice_no, kind, subject, items, total, issued_on, due_on)"
        " VALUES (?,?,?,?,?,?,?)",
        (
            notice["notice_no"],
            kind,
            subject,
            json.dumps(items),
            notice["total"],
            notice["issued_on"],
            notice["due_on"],
        ),
    )
    return notice


def install(sim: Simulator) -> None:
    sim.schema(SCHEMA, _seed)

    @sim.write("/notices/land")
    def land_obligations(db, body):
        commune, sheet, parcel, seller, buyer, price, value, kind = require(
            body,
            "commune_code",
            "map_sheet",
            "parcel_no",
            "seller_id",
            "buyer_id",
            "declared_price",
            "state_value",
            "kind",
        )
        if seller == buyer:
            raise SimError(
                422, "same_party", "bên chuyển nhượng và bên nhận chuyển nhượng là cùng một người"
            )
        base = max(int(price), int(value))
        if kind == "transfer":
            income = _item("TNCN", "Thuế thu nhập cá nhân (chuyển nhượng BĐS)", seller, base, 0.02)
        elif body.get("family") == "yes":
            income = _item(
                "TNCN",
                "Thuế thu nhập cá nhân",
                buyer,
                base,
                0.0,
                "miễn thuế: nhận thừa kế, quà tặng giữa người thân",
            )
        else:
            income = _item(
                "TNCN",
                "Thuế thu nhập cá nhân (thừa kế, quà tặng)",
                buyer,
                max(0, base - 10_000_000),
                0.10,
            )
        items = [income, _item("LPTB", "Lệ phí trước bạ nhà, đất", buyer, int(value), 0.005)]
        return _issue(db, "land", f"thửa {parcel}, tờ bản đồ {sheet}, xã {commune}", items)

    @sim.write("/notices/business")
    def business_obligations(db, body):
        code, capital = require(body, "enterprise_code", "charter_capital")
        registered = date.fromisoformat(body.get("registered_on") or date.today().isoformat())
        if "-" in code:
            fee = 1_000_000
        else:
            fee = 3_000_000 if int(capital) > 10_000_000_000 else 2_000_000
        first_year = registered.year == date.today().year
        item = _item(
            "LPMB",
            "Lệ phí môn bài",
            code,
            fee,
            0.0 if first_year else 1.0,
            "miễn năm đầu thành lập" if first_year else "",
        )
        item["amount_from_next_year"] = fee
        return _issue(db, "business", f"doanh nghiệp {code}", [item])

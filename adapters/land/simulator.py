"""Simulate the land information system over HTTP on its own SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import date

from adapters.settings import sim_people, sim_seed
from adapters.sim.app import SimError, Simulator, require
from adapters.sim.places import COMMUNES
from adapters.sim.world import world

SCHEMA = """
CREATE TABLE IF NOT EXISTS parcels (
    id INTEGER PRIMARY KEY, commune_code TEXT NOT NULL, map_sheet INTEGER NOT NULL,
    parcel_no INTEGER NOT NULL, area_m2 REAL NOT NULL, land_use TEXT NOT NULL,
    owner_id TEXT NOT NULL, certificate_no TEXT NOT NULL, address TEXT NOT NULL,
    UNIQUE (commune_code, map_sheet, parcel_no)
);
CREATE TABLE IF NOT EXISTS transfers (
    id INTEGER PRIMARY KEY, transfer_no TEXT UNIQUE NOT NULL, parcel_id INTEGER NOT NULL,
    seller_id TEXT NOT NULL, buyer_id TEXT NOT NULL, declared_price INTEGER NOT NULL,
    kind TEXT NOT NULL, certificate_no TEXT NOT NULL, registered_on TEXT NOT NULL
);
"""
# Share of the commune's urban residential price (ODT) each land use is valued at.
PRICE_SHARE = {"ODT": 1.0, "ONT": 0.6, "CLN": 0.06, "LUC": 0.05}
LAND_USE_NAMES = {
    "ODT": "Đất ở tại đô thị",
    "ONT": "Đất ở tại nông thôn",
    "CLN": "Đất trồng cây lâu năm",
    "LUC": "Đất chuyên trồng lúa nước",
}


def seed(db: sqlite3.Connection) -> None:
    db.executemany(
        "INSERT INTO parcels (commune_code, map_sheet, parcel_no, area_m2, land_use, owner_id,"
        " certificate_no, address) VALUES (?,?,?,?,?,?,?,?)",
        [
            (
                p.commune_code,
                p.map_sheet,
                p.parcel_no,
                p.area_m2,
                p.land_use,
                p.owner_id,
                p.certificate_no,
                p.address,
            )
            for p in world(sim_seed(), sim_people()).parcels
        ],
    )


def _parcel(db, commune, sheet, number) -> sqlite3.Row:
    row = db.execute(
        "SELECT * FROM parcels WHERE commune_code=? AND map_sheet=? AND parcel_no=?",
        (str(commune), int(sheet), int(number)),
    ).fetchone()
    if row is None:
        raise SimError(
            404,
            "parcel_not_found",
            f"không có thửa đất số {number}, tờ bản đồ số {sheet} tại xã, phường {commune}",
        )
    return row


def _describe(row: sqlite3.Row) -> dict:
    unit = round(COMMUNES[row["commune_code"]][3] * PRICE_SHARE[row["land_use"]])
    return {
        "parcel_id": f"{row['commune_code']}-{row['map_sheet']}-{row['parcel_no']}",
        "commune_code": row["commune_code"],
        "map_sheet": row["map_sheet"],
        "parcel_no": row["parcel_no"],
        "area_m2": row["area_m2"],
        "land_use": row["land_use"],
        "land_use_name": LAND_USE_NAMES[row["land_use"]],
        "address": row["address"],
        "owner_id": row["owner_id"],
        "certificate_no": row["certificate_no"],
        "state_unit_price": unit,
        "state_value": round(unit * row["area_m2"]),
    }


def install(sim: Simulator) -> None:
    sim.schema(SCHEMA, seed)

    @sim.read("/parcels")
    def lookup_parcel(db, args):
        commune, sheet, number = (args.get(k) for k in ("commune_code", "map_sheet", "parcel_no"))
        if not (commune and sheet and number and sheet.isdigit() and number.isdigit()):
            raise SimError(
                400,
                "bad_query",
                "cần mã xã, phường (commune_code), số tờ bản đồ (map_sheet) và số thửa (parcel_no)",
            )
        return _describe(_parcel(db, commune, sheet, number))

    @sim.write("/transfers")
    def register_transfer(db, body):
        commune, sheet, number, seller, buyer, price, kind = require(
            body,
            "commune_code",
            "map_sheet",
            "parcel_no",
            "seller_id",
            "buyer_id",
            "declared_price",
            "kind",
        )
        row = _parcel(db, commune, sheet, number)
        if row["owner_id"] != seller:
            raise SimError(
                409,
                "not_the_holder",
                "bên chuyển nhượng không phải người đứng tên trên Giấy chứng nhận",
            )
        if seller == buyer:
            raise SimError(
                422, "same_party", "bên chuyển nhượng và bên nhận chuyển nhượng là cùng một người"
            )
        seq = db.execute("SELECT COUNT(*) FROM transfers").fetchone()[0] + 1
        certificate = f"DK {700_000 + seq:06d}"
        today = date.today().isoformat()
        db.execute(
            "INSERT INTO transfers (transfer_no, parcel_id, seller_id, buyer_id, declared_price,"
            " kind, certificate_no, registered_on) VALUES (?,?,?,?,?,?,?,?)",
            (f"BD-074-{seq:06d}", row["id"], seller, buyer, int(price), kind, certificate, today),
        )
        db.execute(
            "UPDATE parcels SET owner_id=?, certificate_no=? WHERE id=?",
            (buyer, certificate, row["id"]),
        )
        parcel = _describe(_parcel(db, commune, sheet, number))
        return {
            "transfer_no": f"BD-074-{seq:06d}",
            "registered_on": today,
            "previous_owner_id": seller,
            "parcel": parcel,
        }

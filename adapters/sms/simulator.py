"""Simulate the SMS gateway: accept messages and keep them, so tests can read the outbox."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.sim.app import Simulator, require

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY, phone TEXT NOT NULL, message TEXT NOT NULL, sent_at TEXT NOT NULL
);
"""


def install(sim: Simulator) -> None:
    sim.schema(SCHEMA, lambda db: None)

    @sim.write("/messages")
    def send(db, body):
        phone, message = require(body, "phone", "message")
        cur = db.execute(
            "INSERT INTO messages (phone, message, sent_at) VALUES (?,?,?)",
            (phone, message, datetime.now(UTC).isoformat()),
        )
        parts = -(-len(message) // 67)  # Unicode SMS segments of 67 characters
        return {"message_id": f"SMS-{cur.lastrowid:08d}", "status": "queued", "segments": parts}


def sent(sim: Simulator) -> list[dict]:
    """Every SMS the simulated gateway accepted, oldest first (for tests)."""
    db = sim.connect()
    try:
        rows = db.execute("SELECT phone, message, sent_at FROM messages ORDER BY id").fetchall()
        return [dict(r) for r in rows]
    finally:
        db.close()

"""A fake external system for the fault tests, run inside the real worker processes.

It behaves like a registry that honours idempotency keys: every call is logged in
``fake_calls`` (before the slow part, so a worker killed mid-call leaves a trace), and the
write itself goes to ``fake_writes`` keyed by the idempotency key — a second call with the
same key does not write again. The tests then check that every job's calls carried one key
and that each key wrote exactly once. Configured by environment variables, since the
workers are separate processes: ``FAKE_SERVICE_DSN`` (libpq, with the test's search_path)
and ``FAKE_SERVICE_DELAY`` (seconds per call).
"""

from __future__ import annotations

import os
import time
from typing import Any

import psycopg

_conn: psycopg.Connection | None = None

TABLES = """
CREATE TABLE fake_calls (
    id bigserial PRIMARY KEY, key text NOT NULL, operation text NOT NULL, pid int NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE fake_writes (
    key text PRIMARY KEY, operation text NOT NULL, at timestamptz NOT NULL DEFAULT now()
);
"""


def _db() -> psycopg.Connection:
    global _conn
    if _conn is None or _conn.closed or _conn.broken:
        _conn = psycopg.connect(os.environ["FAKE_SERVICE_DSN"], autocommit=True, connect_timeout=3)
    return _conn


def call(operation: str, params: dict, *, idempotency_key: str) -> dict[str, Any]:
    global _conn
    try:
        db = _db()
        db.execute(
            "INSERT INTO fake_calls (key, operation, pid) VALUES (%s, %s, %s)",
            (idempotency_key, operation, os.getpid()),
        )
        time.sleep(float(os.environ.get("FAKE_SERVICE_DELAY", "0")))
        first = db.execute(
            "INSERT INTO fake_writes (key, operation) VALUES (%s, %s) "
            "ON CONFLICT (key) DO NOTHING RETURNING key",
            (idempotency_key, operation),
        ).fetchone()
    except psycopg.Error:
        _conn = None  # the system is down (a PostgreSQL restart): the engine retries
        raise
    return {"receipt": idempotency_key, "operation": operation, "first_write": first is not None}

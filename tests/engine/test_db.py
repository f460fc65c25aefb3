"""Database connections: PostgreSQL connections are checked only after sitting idle.

A ping on every checkout costs a round trip per transaction; the engine pings a pooled
connection only when it has been idle, and replaces it when the server has closed it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select, text

from engine import db as db_module
from engine.db import Database
from engine.models import Agency
from tests.conftest import _admin_connect

pytestmark = pytest.mark.postgres


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the engine's pings (SQLAlchemy's dialect ping, called by the idle check)."""
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

    seen: list[int] = []
    real = PGDialect_psycopg.do_ping

    def counted(self, dbapi_conn) -> bool:  # noqa: ANN001
        seen.append(1)
        return real(self, dbapi_conn)

    monkeypatch.setattr(PGDialect_psycopg, "do_ping", counted)
    return seen


def _database(url: str, idle_s: float, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_S", idle_s)
    database = Database(url)
    database.create_all()
    try:
        yield database
    finally:
        database.dispose()


def _backend_pid(database: Database) -> int:
    with database.read() as s:
        return s.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_in_use_is_not_pinged(
    pg_schema_url: str, pings: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    for database in _database(pg_schema_url, 3600.0, monkeypatch):
        for _ in range(5):
            with database.write() as s:
                s.add(Agency(code=f"A{len(pings)}{_}", name="x", level="commune"))
            with database.read() as s:
                s.execute(select(Agency)).all()
        assert pings == []  # fresh connections and busy ones go straight to work


def test_a_dead_idle_connection_is_replaced_before_use(
    pg_schema_url: str, pings: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    for database in _database(pg_schema_url, 0.0, monkeypatch):
        dead = _backend_pid(database)
        with _admin_connect() as admin:  # the server drops the pooled connection
            admin.execute("SELECT pg_terminate_backend(%s)", (dead,))
        with database.write() as s:  # the idle check finds it dead and reconnects
            s.add(Agency(code="A1", name="Phường Phú Lợi", level="commune"))
        assert pings
        assert _backend_pid(database) != dead
        with database.read() as s:
            assert s.execute(select(Agency.name)).scalars().all() == ["Phường Phú Lợi"]

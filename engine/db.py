"""Database connection: one place that knows SQLite's and PostgreSQL's differences.

Steps that change a dossier run in a *write* transaction: ``BEGIN IMMEDIATE`` on SQLite
(writers queue instead of failing at commit) and ``SELECT … FOR UPDATE`` on the dossier row
on PostgreSQL. Reads never block writers: a plain transaction on SQLite (WAL), autocommit
on PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        kwargs: dict = {"echo": echo, "future": True}
        if self.is_sqlite:
            if self.url.database and self.url.database != ":memory:":
                Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            kwargs.update(pool_size=10, max_overflow=20)
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        else:
            _ping_when_idle(self.engine, PING_AFTER_IDLE_S)
        # PostgreSQL reads run in autocommit: at READ COMMITTED every statement takes its
        # own snapshot anyway, so a read transaction adds only a BEGIN and a ROLLBACK round
        # trip. SQLite keeps its read transaction (one WAL snapshot for the whole read).
        reads = (
            self.engine
            if self.is_sqlite
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self._reads = sessionmaker(reads, expire_on_commit=False)
        self._writes = sessionmaker(
            self.engine.execution_options(lienthong_write=True), expire_on_commit=False
        )

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reads() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: commit on success, roll back everything on any error."""
        with self._writes() as session, session.begin():
            yield session

    def create_all(self) -> None:
        from .models import Base

        Base.metadata.create_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


#: A pooled connection unused for longer than this is checked before use (see below).
PING_AFTER_IDLE_S = 5.0


def _ping_when_idle(engine: Engine, idle_s: float) -> None:
    """Check a pooled connection before use only when it sat idle, not on every checkout.

    ``pool_pre_ping`` costs a round trip per checkout, several per dossier. A connection
    that was in use a moment ago is alive; one idle for a while may have been closed by
    a server restart or a firewall, so it is pinged and, if dead, replaced (SQLAlchemy's
    pessimistic-disconnect recipe). A server that restarts within the idle window fails
    the step that was using it, which rolls back; the pool then drops every older
    connection.
    """

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_conn, record) -> None:  # noqa: ANN001
        record.info["lienthong_used_at"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn, record) -> None:  # noqa: ANN001
        if record is not None:
            record.info["lienthong_used_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn, record, _proxy) -> None:  # noqa: ANN001
        used = record.info.get("lienthong_used_at")
        if used is not None and time.monotonic() - used < idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_conn, None):
                raise DisconnectionError(str(exc)) from exc  # the pool retries afresh
            raise


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:  # noqa: ANN001
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:  # noqa: ANN001
        immediate = conn.get_execution_options().get("lienthong_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

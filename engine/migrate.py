"""Schema migrations: bring a database to the engine's current schema with Alembic.

The Alembic configuration is built here, in code (no ``alembic.ini``); the scripts live in
``engine/migrations``. ``lienthong db upgrade`` and the tests call these functions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from .errors import InvalidInput, LienThongError
from .models import AwareDateTime

SCRIPTS = Path(__file__).parent / "migrations"


class SchemaError(LienThongError):
    """The database's schema is missing, outdated or was made without migrations."""

    code = "schema"


def config(connection: Connection | None = None) -> Config:
    """Build the Alembic configuration; a connection, when given, is used by ``env.py``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.attributes["connection"] = connection
    cfg.attributes["metadata"] = _metadata()
    return cfg


def head() -> str:
    """Return the newest revision the code knows."""
    rev = ScriptDirectory.from_config(config()).get_current_head()
    assert rev is not None
    return rev


def upgrade(database_url: str, revision: str = "head") -> str | None:
    """Migrate the database at ``database_url`` to ``revision``; return the revision reached."""
    with _connect(database_url) as conn:
        _refuse_unversioned(conn)
        command.upgrade(config(conn), revision)
        conn.commit()
        return MigrationContext.configure(conn).get_current_revision()


def current(database_url: str) -> str | None:
    """Return the database's revision, or None when it was never migrated."""
    with _connect(database_url) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def require_current(database_url: str) -> None:
    """Raise :class:`SchemaError` unless the database is at the newest revision."""
    rev, newest = current(database_url), head()
    if rev != newest:
        state = "chưa có lược đồ" if rev is None else f"đang ở phiên bản {rev}"
        raise SchemaError(
            f"cơ sở dữ liệu {state}; mã nguồn cần phiên bản {newest}: "
            "hãy chạy `lienthong db upgrade`"
        )


def differences(database_url: str) -> list[Any]:
    """List what differs between the database and the models (empty when they agree)."""
    with _connect(database_url) as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, _metadata()))


def new_revision(message: str) -> Path:
    """Write a migration for the models' changes since the newest revision; return its file.

    Autogenerate compares the models with a scratch SQLite database migrated to head, so
    review the file (and PostgreSQL specifics) before committing it.
    """
    import tempfile

    if not message.strip():
        raise InvalidInput("bản migration cần có mô tả (message)")
    before = set(SCRIPTS.joinpath("versions").glob("*.py"))
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'scratch.sqlite'}"
        upgrade(url)
        if not differences(url):
            raise SchemaError("các model đã khớp với migration mới nhất: không có gì để ghi")
        with _connect(url) as conn:
            rev_id = f"{int(head()) + 1:04d}" if head().isdigit() else None
            command.revision(config(conn), message=message, autogenerate=True, rev_id=rev_id)
    (created,) = set(SCRIPTS.joinpath("versions").glob("*.py")) - before
    return created


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write the engine's column types in migrations without importing ``engine.models``."""
    if type_ == "type" and isinstance(obj, AwareDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _metadata() -> Any:
    from .models import Base

    return Base.metadata


def _refuse_unversioned(conn: Connection) -> None:
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" not in tables and tables & set(_metadata().tables):
        raise SchemaError(
            "cơ sở dữ liệu đã có bảng của engine nhưng không có lịch sử migration "
            "(tạo bằng create_schema?); hãy dùng một cơ sở dữ liệu mới"
        )


@contextmanager
def _connect(database_url: str) -> Iterator[Connection]:
    try:
        url = make_url(database_url)
    except ArgumentError as exc:
        raise InvalidInput(f"{database_url!r} không phải URL cơ sở dữ liệu") from exc
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise InvalidInput(f"không dùng được URL cơ sở dữ liệu {url!r}: {exc}") from exc
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()

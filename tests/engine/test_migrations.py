"""Alembic migrations: they build the models' schema on SQLite and PostgreSQL, and nothing less.

``differences`` runs Alembic's autogenerate comparison: a model change without a migration
makes these tests fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, create_engine, inspect, text

from engine import migrate
from engine.db import Database
from engine.models import Base

PG_URL = os.environ.get(
    "LIENTHONG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'migrated.sqlite'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL schema of this test's own (search_path), dropped afterwards."""
    schema = f"lt_mig_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _downgrade_to_base(url: str) -> None:
    with migrate._connect(url) as conn:
        command.downgrade(migrate.config(conn), "base")
        conn.commit()


def _check_round_trip(url: str) -> None:
    assert migrate.current(url) is None
    assert migrate.upgrade(url) == migrate.head()
    assert migrate.current(url) == migrate.head()
    assert _tables(url) == set(Base.metadata.tables) | {"alembic_version"}
    assert migrate.differences(url) == []
    assert migrate.upgrade(url) == migrate.head()  # a second upgrade is a no-op
    _downgrade_to_base(url)
    assert _tables(url) == {"alembic_version"} and migrate.current(url) is None
    migrate.upgrade(url)
    assert migrate.differences(url) == []


def test_sqlite_upgrade_matches_the_models(sqlite_url: str) -> None:
    _check_round_trip(sqlite_url)


@pytest.mark.postgres
def test_postgresql_upgrade_matches_the_models(pg_url: str) -> None:
    _check_round_trip(pg_url)


@pytest.mark.postgres
def test_postgresql_circular_foreign_key_is_created(pg_url: str) -> None:
    migrate.upgrade(pg_url)
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        fks = inspect(conn).get_foreign_keys("procedures")
    engine.dispose()
    names = {fk["name"]: fk["referred_table"] for fk in fks}
    assert names["fk_procedure_current_version"] == "process_versions"


def test_a_model_change_without_a_migration_is_detected(sqlite_url: str) -> None:
    migrate.upgrade(sqlite_url)
    changed = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["dossiers"].append_column(Column("priority", String(10)))
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), changed)
    engine.dispose()
    assert [(d[0], d[2], d[3].name) for d in diffs] == [("add_column", "dossiers", "priority")]


def test_the_engine_runs_on_a_migrated_database(sqlite_url: str) -> None:
    from engine.runtime import Engine
    from engine.settings import load

    migrate.upgrade(sqlite_url)
    engine = Engine(load({"database_url": sqlite_url, "executor": "inprocess"}))
    engine.ensure_agency("000.00.00.H56", "UBND tỉnh")
    bpmn = (Path(__file__).parents[2] / "bpmn/templates/standard_one_stop.bpmn").read_bytes()
    engine.deploy("1.001193", bpmn, name="Đăng ký khai sinh", deadline=(0, "working_days"))
    d = engine.submit("1.001193", applicant={"full_name": "Nguyễn Văn A"})
    assert [t.bpmn_id for t in engine.list_tasks(dossier_code=d.code)] == ["receive"]
    engine.db.dispose()


def test_upgrade_refuses_a_database_made_without_migrations(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    db.create_all()
    db.dispose()
    with pytest.raises(migrate.SchemaError, match="không có lịch sử migration"):
        migrate.upgrade(sqlite_url)


def test_require_current_names_the_fix(sqlite_url: str) -> None:
    with pytest.raises(migrate.SchemaError, match="hãy chạy `lienthong db upgrade`"):
        migrate.require_current(sqlite_url)
    migrate.upgrade(sqlite_url)
    migrate.require_current(sqlite_url)


def test_a_bad_url_is_a_clear_error() -> None:
    from engine.errors import InvalidInput

    with pytest.raises(InvalidInput, match="không phải URL cơ sở dữ liệu"):
        migrate.current("not a url")
    with pytest.raises(InvalidInput, match="không dùng được URL cơ sở dữ liệu"):
        migrate.current("nosuchdialect://x")


def test_new_revision_writes_the_next_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.SCRIPTS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "SCRIPTS", scripts)
    with pytest.raises(migrate.SchemaError, match="không có gì để ghi"):
        migrate.new_revision("no change")
    changed = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["dossiers"].append_column(Column("priority", String(10)))
    monkeypatch.setattr(migrate, "_metadata", lambda: changed)
    previous = migrate.head()
    written = migrate.new_revision("add dossier priority")
    assert written.parent == scripts / "versions"
    assert written.name.startswith(f"{int(previous) + 1:04d}_")
    source = written.read_text(encoding="utf-8")
    assert f"down_revision = '{previous}'" in source or f'down_revision = "{previous}"' in source
    assert "add_column" in source and "priority" in source
    url = f"sqlite:///{tmp_path / 'next.sqlite'}"
    assert migrate.upgrade(url) == written.name[:4]
    assert migrate.differences(url) == []

"""Fixtures every test package shares: a fresh database on SQLite and on real PostgreSQL.

``db_url`` is parametrised over both backends, so a test that takes it runs twice. On
PostgreSQL each test gets its own schema (created here, dropped afterwards), reached through
libpq's ``options=-csearch_path=<schema>``; the URL is a plain string, so child processes
(multiprocessing, spawn) can open the very same database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pg_base_url() -> str:
    """The PostgreSQL server the integration tests use (``LIENTHONG_TEST_PG_URL``)."""
    return os.environ.get("LIENTHONG_TEST_PG_URL", DEFAULT_PG_URL)


def _admin_connect():  # noqa: ANN202 - a psycopg connection
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(pg_base_url())
    try:
        return psycopg.connect(
            host=url.host or "127.0.0.1",
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            dbname=url.database,
            autocommit=True,
            connect_timeout=5,
        )
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL at {url.render_as_string(hide_password=True)} is unreachable: {exc}\n"
            "The PostgreSQL tests must run, not skip: start the server (`./run test` does) "
            "or point LIENTHONG_TEST_PG_URL at one.",
            pytrace=False,
        )


def schema_url(schema: str) -> str:
    """The test URL with every connection's search_path set to ``schema``."""
    base = pg_base_url()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}', safe='')}"


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A URL to an empty PostgreSQL schema of this test's own; dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with _admin_connect() as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema_url(schema)
    finally:
        with _admin_connect() as conn:
            conn.execute("SET lock_timeout = '20s'")  # never hang on a leaked connection
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # noqa: ANN001
    """A database URL for an empty database: a SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lienthong.sqlite'}"
    return request.getfixturevalue("pg_schema_url")

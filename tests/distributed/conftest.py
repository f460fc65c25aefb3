"""Real processes for the fault tests: a private Redis, a private PostgreSQL, workers, beat.

Everything destructive happens on servers these fixtures start themselves, never on the
machine's shared ones: ``redis-server`` on a free port in 6390–6399 (no persistence, so a
restart really loses the queue) and, when ``initdb`` is installed, a PostgreSQL cluster
initialised in a temporary folder on a free port in 5490–5499, which ``restart()`` really
stops and starts (``pg_ctl stop -m fast``, then ``start``). Without ``initdb`` the shared
server is used and a restart is simulated with ``pg_terminate_backend`` on this test's
connections (they carry the schema's name as ``application_name``).

Each test gets a schema of its own (the models' tables, stamped at the newest migration so
``lienthong worker`` accepts it), the fake external system's tables, and a ``Cluster`` to
start ``lienthong worker`` / ``lienthong scheduler`` processes (their logs are in the test's
tmp folder and shown when a wait times out) and check the outcome.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
import redis
from sqlalchemy import func, select

from engine.models import AuditEvent, Dossier, Message, ServiceCall, ServiceJob, TaskRow
from engine.runtime import Engine
from engine.settings import load
from tests.conftest import pg_base_url
from tests.distributed import fake_service

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
#: Audit actions that are steps of a dossier: each must appear once per dossier and task.
ONCE = (
    "submit",
    "service_done",
    "message_received",
    "message_sent",
    "complete",
    "late",
    "escalated",
    "near_due",
    "incident",
)
#: Settings the fault tests give every process (short grace and intervals, quick retries).
FAST = {
    "LIENTHONG_SWEEP_GRACE_S": "5",
    "LIENTHONG_SWEEP_INTERVAL_S": "1",
    "LIENTHONG_TICK_INTERVAL_S": "2",
    "LIENTHONG_SERVICE_RETRY_BASE_S": "0.5",
    "LIENTHONG_SERVICE_MAX_ATTEMPTS": "30",
    "LIENTHONG_BROKER_VISIBILITY_TIMEOUT_S": "10",
}


def free_port(first: int, last: int) -> int:
    for port in range(first, last + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last}")


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except Exception:  # a server still starting: try again until the deadline
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


# -- Redis ------------------------------------------------------------------------------------
@dataclass
class PrivateRedis:
    port: int
    folder: Path
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=2)

    def start(self) -> None:
        with open(self.folder / "redis.log", "ab") as log:  # the child keeps its own copy
            self.proc = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.folder)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        wait_for(lambda: self.client().ping(), 10, "redis-server to answer")

    def stop(self) -> None:
        """Kill it: what was queued and not yet taken is gone, as after a crash."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None

    def queue_length(self) -> int:
        return int(self.client().llen("celery"))


@pytest.fixture(scope="session")
def private_redis() -> Iterator[PrivateRedis]:
    folder = Path(tempfile.mkdtemp(prefix="lienthong-redis-"))
    server = PrivateRedis(free_port(6390, 6399), folder)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


# -- PostgreSQL -------------------------------------------------------------------------------
@dataclass
class PrivatePostgres:
    """A cluster of our own (``initdb``), or the shared server when there is no initdb."""

    host: str
    port: int
    user: str
    dbname: str
    datadir: Path | None = None
    private: bool = True
    options: str = ""
    logfile: Path | None = None

    def _as_postgres(self, *argv: str) -> list[str]:
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            return ["runuser", "-u", "postgres", "--", *argv]
        return list(argv)

    def pg_ctl(self, *args: str) -> None:
        ctl = str(PG_BIN[-1].parent / "pg_ctl")
        subprocess.run(
            self._as_postgres(ctl, "-D", str(self.datadir), *args),
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip

    def start(self) -> None:
        # -l: the server must not inherit our pipes, or pg_ctl's output never ends
        self.pg_ctl("-o", self.options, "-l", str(self.logfile), "-w", "start")

    def connect(self, schema: str | None = None, **kw: Any) -> psycopg.Connection:
        return psycopg.connect(self.dsn(schema), autocommit=True, connect_timeout=5, **kw)

    def dsn(self, schema: str | None = None) -> str:
        dsn = f"host={self.host} port={self.port} user={self.user} dbname={self.dbname}"
        if schema:
            dsn += f" options=-csearch_path={schema} application_name={schema}"
        return dsn

    def url(self, schema: str) -> str:
        options = quote(f"-csearch_path={schema}", safe="")
        return (
            f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{self.dbname}"
            f"?options={options}&application_name={schema}"
        )

    def restart(self, schema: str) -> str:
        """Really restart the private cluster; on the shared one, cut this test's connections."""
        if self.private:
            self.pg_ctl("stop", "-m", "fast", "-w")
            self.start()
            return "pg_ctl stop -m fast, then start (private cluster)"
        with psycopg.connect(pg_base_dsn(), autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s",
                (schema,),
            )
        return "pg_terminate_backend on this test's connections (shared server)"


def pg_base_dsn() -> str:
    from sqlalchemy.engine import make_url

    url = make_url(pg_base_url())
    return f"host={url.host} port={url.port or 5432} user={url.username} dbname={url.database}"


@pytest.fixture(scope="session")
def private_pg() -> Iterator[PrivatePostgres]:
    if not PG_BIN or not (os.geteuid() != 0 or shutil.which("runuser")):
        from sqlalchemy.engine import make_url

        url = make_url(pg_base_url())
        yield PrivatePostgres(
            url.host or "127.0.0.1", url.port or 5432, url.username, url.database, private=False
        )
        return
    folder = Path(tempfile.mkdtemp(prefix="lienthong-pg-"))
    datadir = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    port = free_port(5490, 5499)
    options = (
        f"-p {port} -k {datadir} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c max_connections=300 -c full_page_writes=off"
    )
    server = PrivatePostgres(
        "127.0.0.1", port, "postgres", "test", datadir, True, options, folder / "postgres.log"
    )
    subprocess.run(
        server._as_postgres(str(PG_BIN[-1]), "-D", str(datadir), "-A", "trust", "-U", "postgres",
                            "-E", "UTF8", "--no-sync"),
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    server.start()
    with psycopg.connect(
        f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True
    ) as conn:
        conn.execute("CREATE DATABASE test")
    yield server
    server.pg_ctl("stop", "-m", "immediate", "-w")
    shutil.rmtree(folder, ignore_errors=True)


# -- processes --------------------------------------------------------------------------------
@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path

    def tail(self, lines: int = 25) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(text[-lines:])

    def kill9(self) -> None:
        """kill -9 the whole process group: the main worker process and its children."""
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(10)

    def stop(self) -> None:
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(15)
        except subprocess.TimeoutExpired:
            self.kill9()
        except ProcessLookupError:
            pass


@dataclass
class Cluster:
    """One test's world: its schema, the driver engine (the web side), worker processes."""

    schema: str
    url: str
    pg: PrivatePostgres
    redis: PrivateRedis
    folder: Path
    engine: Engine
    delay: float = 0.2
    procs: list[Proc] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
        env.update(FAST)
        env.update(
            LIENTHONG_DATABASE_URL=self.url,
            LIENTHONG_BROKER_URL=self.redis.url,
            LIENTHONG_SERVICE_CALLER="tests.distributed.fake_service:call",
            LIENTHONG_REPORT_DIR=str(self.folder / "reports"),
            FAKE_SERVICE_DSN=self.pg.dsn(self.schema),
            FAKE_SERVICE_DELAY=str(self.delay),
            PYTHONPATH=str(ROOT),
        )
        return env

    def _spawn(self, name: str, argv: list[str], ready: str) -> Proc:
        log = self.folder / f"{name}.log"
        with open(log, "wb") as out:  # the child keeps its own copy
            popen = subprocess.Popen(
                argv, env=self.env(), cwd=self.folder, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        proc = Proc(name, popen, log)
        self.procs.append(proc)
        try:
            wait_for(lambda: ready in log.read_text(errors="replace"), 60, f"{name} to start")
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}\n{proc.tail()}") from None
        return proc

    def worker(self, name: str, concurrency: int = 2) -> Proc:
        argv = [str(BIN / "lienthong"), "worker", f"--concurrency={concurrency}",
                f"--hostname={name}@%h", "--loglevel=info"]  # fmt: skip
        return self._spawn(name, argv, " ready.")

    def scheduler(self) -> Proc:
        argv = [str(BIN / "lienthong"), "scheduler", "--loglevel=info",
                f"--schedule-file={self.folder / 'beat-schedule'}"]  # fmt: skip
        return self._spawn("scheduler", argv, "beat: Starting")

    def logs(self) -> str:
        return "\n".join(p.tail() for p in self.procs)

    # -- observing ------------------------------------------------------------------------
    def finished(self, ids: list[int]) -> int:
        with self.engine.db.read() as s:
            return s.execute(
                select(func.count())
                .select_from(Dossier)
                .where(Dossier.id.in_(ids), Dossier.finished_at.is_not(None))
            ).scalar_one()

    def wait_finished(self, ids: list[int], timeout: float = 90) -> None:
        try:
            wait_for(lambda: self.finished(ids) == len(ids), timeout, "every dossier to finish")
        except TimeoutError as exc:
            with self.engine.db.read() as s:
                jobs = Counter(s.execute(select(ServiceJob.state)).scalars())
                status = Counter(
                    s.execute(select(Dossier.status).where(Dossier.id.in_(ids))).scalars()
                )
            raise AssertionError(
                f"{exc}: {self.finished(ids)}/{len(ids)} finished; dossiers {dict(status)}, "
                f"jobs {dict(jobs)}\n{self.logs()}"
            ) from None

    def fake(self) -> tuple[list[tuple[str, str]], set[str]]:
        """(key, operation) of every call the fake system got, and the keys it wrote."""
        with self.pg.connect(self.schema) as conn:
            calls = conn.execute("SELECT key, operation FROM fake_calls ORDER BY id").fetchall()
            writes = {k for (k,) in conn.execute("SELECT key FROM fake_writes").fetchall()}
        return [(k, op) for k, op in calls], writes

    def check(
        self,
        ids: list[int],
        *,
        jobs_per_dossier: int,
        label: str,
        status: str = "result_returned",
        steps_per_dossier: int | None = None,
    ) -> dict[str, int]:
        """Every dossier consistent and at its result; every step in the audit log once."""
        with self.engine.db.read() as s:
            dossiers = list(s.execute(select(Dossier).where(Dossier.id.in_(ids))).scalars())
            jobs = list(
                s.execute(select(ServiceJob).where(ServiceJob.dossier_id.in_(ids))).scalars()
            )
            open_rows = s.execute(
                select(func.count())
                .select_from(TaskRow)
                .where(TaskRow.dossier_id.in_(ids), TaskRow.state == "open")
            ).scalar_one()
            steps = s.execute(
                select(AuditEvent.dossier_id, AuditEvent.action, AuditEvent.task_id, func.count())
                .where(AuditEvent.dossier_id.in_(ids), AuditEvent.action.in_(ONCE))
                .group_by(AuditEvent.dossier_id, AuditEvent.action, AuditEvent.task_id)
            ).all()
            ok_calls = Counter(
                s.execute(
                    select(ServiceCall.job_id).where(
                        ServiceCall.dossier_id.in_(ids), ServiceCall.outcome == "ok"
                    )
                ).scalars()
            )
            pending_messages = s.execute(
                select(func.count()).select_from(Message).where(Message.state == "pending")
            ).scalar_one()
            # A call that failed because the external system was down (it shares the
            # restarted PostgreSQL) is a step of its own: recorded, then retried.
            retries = Counter(
                s.execute(
                    select(AuditEvent.dossier_id).where(
                        AuditEvent.dossier_id.in_(ids), AuditEvent.action == "service_retry"
                    )
                ).scalars()
            )
        assert len(dossiers) == len(ids)
        if steps_per_dossier is not None:  # a duplicate that got as far as a step would show
            extra = [
                (d.code, d.step_count, retries[d.id])
                for d in dossiers
                if d.step_count != steps_per_dossier + retries[d.id]
            ]
            assert not extra, f"steps beyond {steps_per_dossier} + recorded retries: {extra}"
        wrong = [(d.code, d.status) for d in dossiers if d.status != status or not d.finished_at]
        assert not wrong, f"dossiers not at {status}: {wrong}"
        assert open_rows == 0
        per_dossier = Counter(j.dossier_id for j in jobs)
        assert all(per_dossier[i] == jobs_per_dossier for i in ids), per_dossier
        assert {j.state for j in jobs} <= {"done"}, Counter(j.state for j in jobs)
        repeated = [row for row in steps if row[3] != 1]
        assert not repeated, f"steps in the audit log more than once: {repeated[:10]}"
        done_steps = Counter(a for _, a, _, _ in steps)
        assert done_steps["service_done"] == len(jobs)
        assert all(ok_calls[j.id] == 1 for j in jobs), "a job recorded its outcome twice"
        assert pending_messages == 0
        calls, writes = self.fake()
        keys = {j.idempotency_key for j in jobs}
        assert writes == keys, "the external system was written once per job, by its key"
        assert {k for k, _ in calls} == keys, "every call carried its job's key"
        report = {
            "dossiers": len(dossiers),
            "at_result": len(dossiers) - len(wrong),
            "jobs_done": len(jobs),
            "audit_steps_checked": sum(n for *_, n in steps),
            "service_done": done_steps["service_done"],
            "external_calls": len(calls),
            "external_writes": len(writes),
            "repeated_calls_same_key": len(calls) - len(writes),
            "retried_calls": sum(retries.values()),
        }
        print(f"\n[{label}] checked: {report}")
        return report

    def close(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        self.engine.db.dispose()


def _stamp(url: str) -> None:
    """Mark the schema as migrated, so ``lienthong worker`` accepts it (it checks)."""
    from sqlalchemy import create_engine, text

    from engine.migrate import head

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": head()})
    engine.dispose()


@pytest.fixture
def cluster(
    private_pg: PrivatePostgres, private_redis: PrivateRedis, tmp_path: Path
) -> Iterator[Cluster]:
    schema = f"d_{uuid.uuid4().hex[:12]}"
    if private_redis.proc is None:
        private_redis.start()
    private_redis.client().flushdb()
    with private_pg.connect() as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = private_pg.url(schema)
    settings = load(
        {"database_url": url, "executor": "celery", "celery_eager": False,
         "broker_url": private_redis.url}
    )  # fmt: skip
    from engine.celery_app import configure

    configure(settings)  # this process's publishes (the tests' duplicates) go to our Redis
    engine = Engine(settings)
    engine.create_schema()
    _stamp(url)
    with private_pg.connect(schema) as conn:
        conn.execute(fake_service.TABLES)
    world = Cluster(schema, url, private_pg, private_redis, tmp_path, engine)
    try:
        yield world
    finally:
        world.close()
        from engine.celery_app import bind_engine

        bind_engine(None)
        with private_pg.connect() as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s",
                (schema,),
            )
            conn.execute("SET lock_timeout = '20s'")
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

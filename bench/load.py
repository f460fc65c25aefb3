"""Sustained load on the distributed mode: real ``lienthong worker`` processes, Redis, PostgreSQL.

Usage: ``python bench/load.py [--dossiers 20000] [--workers 1,2,4] [--pg-url URL]
[--redis-url URL] [--service-ms 20]``. For each worker count the run gets a fresh PostgreSQL
schema (dropped after it), starts one ``lienthong worker --concurrency W`` and submits its
share of ``--dossiers`` (split evenly across the worker counts), alternating two models:

* the standard one-stop template (``1.000894``), whose four officers' steps are done by
  simulated officers running *on the workers* (the Celery task ``bench.officer``, loaded with
  ``--include bench.load``): open the task list, complete the task with valid form data;
* a liên thông service flow (two external calls in a row — a lookup, then a registry write —
  handled by the engine's own ``lienthong.run_service_job``), answered by a fake registry
  that takes ``--service-ms`` per call (``bench.load:fake_service``).

This process plays the web side, in two runs per worker count. The *paced* run submits
``--paced`` dossiers at ``--rate`` per second (default 1/s, about 2.4 times a province's peak)
and gives the step latency a citizen or officer sees: p50/p95 of a task row's opening to its
completion (queueing included), with the queue depth sampled every 0.5 s. The *saturating*
run submits its dossiers as fast as it can (the submit and its outbox publish, as a web
request would) while the workers drain the queue, and gives the throughput. It prints one
JSON object: throughput, latency, queue depth, database size, errors (must be 0), the scaling
from 1 to 2 and 4 worker processes, and an estimate of the machines a province needs. Nothing
is asserted about speed. The Redis database given is used for the run's queue; only the
queue's own keys are deleted, before each phase.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script, this file's folder would come first on sys.path and its name would
    # shadow the real ``engine`` package: put the repository root there instead.
    _HERE = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
    sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from bpmn.service_models import Call, service_model  # noqa: E402
from engine.celery_app import app, current_engine  # noqa: E402
from engine.errors import TaskNotReady  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SERVICE_PROC = "B.000001"
#: A province: dossiers a year, working days and hours, and the peak over the average hour.
PROVINCE = {"dossiers_per_year": 300_000, "working_days": 250, "hours_per_day": 8, "peak": 10}

SERVICE_BPMN = service_model(
    "bench_lienthong",
    [Call("lookup", "Tra cứu công dân", "bench.lookup"),
     Call("record", "Ghi vào cơ sở dữ liệu chuyên ngành", "bench.write")],
)  # fmt: skip


# -- what runs inside the workers ---------------------------------------------------------
def fake_service(operation: str, params: dict, *, idempotency_key: str) -> dict[str, Any]:
    """A registry that answers after ``LIENTHONG_BENCH_SERVICE_MS`` (a network round trip)."""
    time.sleep(float(os.environ.get("LIENTHONG_BENCH_SERVICE_MS", "20")) / 1000)
    return {"operation": operation, "receipt": idempotency_key, "found": True}


@app.task(name="bench.officer", acks_late=True, time_limit=120)
def officer(code: str) -> str:
    """The officer whose turn it is opens the task list, completes the task, passes it on."""
    from bench.world import HAPPY_PATH

    people = {step: (user, data) for step, user, data in HAPPY_PATH}
    e = current_engine()
    rows = e.list_tasks(dossier_code=code)
    if not rows:
        return "finished"
    row = rows[0]
    user, data = people[row.bpmn_id]
    try:
        e.complete(row.id, user=user, data=data)
    except TaskNotReady:
        pass  # a duplicate delivery: someone completed it already
    if e.list_tasks(dossier_code=code):
        app.send_task("bench.officer", (code,))
    return row.bpmn_id


# -- the driver (the web side) ---------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    workers = [int(w) for w in args.workers.split(",")]
    per_phase = max(2, args.dossiers // len(workers))
    phases = [_phase(args, w, per_phase) for w in workers]
    print(json.dumps(_report(args, phases), indent=2, ensure_ascii=False))
    return 0 if all(p["errors"] == 0 for p in phases) else 1


def _parser() -> argparse.ArgumentParser:
    from bench.world import DEFAULT_PG_URL

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dossiers", type=int, default=20_000, help="in all, split over the phases")
    p.add_argument("--workers", default="1,2,4", help="worker process counts, one phase each")
    p.add_argument("--pg-url", default=os.environ.get("LIENTHONG_TEST_PG_URL", DEFAULT_PG_URL))
    p.add_argument(
        "--redis-url",
        default=os.environ.get("LIENTHONG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
    )
    p.add_argument("--service-ms", type=float, default=20.0, help="fake registry answer time")
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds per run at most")
    p.add_argument(
        "--paced", type=int, default=60, help="dossiers of the paced run (latency), per phase"
    )
    p.add_argument("--rate", type=float, default=1.0, help="arrivals per second of the paced run")
    return p


def _phase(args: argparse.Namespace, workers: int, dossiers: int) -> dict[str, Any]:
    """One worker count: a paced run for step latency, then a saturating run for throughput."""
    import redis

    from bench.world import postgres_url, schema_of

    queue = redis.Redis.from_url(args.redis_url)
    queue.delete("celery", "unacked", "unacked_index", "unacked_mutex")
    with postgres_url(args.pg_url) as url, tempfile.TemporaryDirectory() as tmp:
        e = _setup(url, args.redis_url)
        log = Path(tmp) / "worker.log"
        proc = _start_worker(url, args, workers, log)
        try:
            paced = _run(e, queue, args.paced, args.rate, args.timeout) if args.paced else None
            saturated = _run(e, queue, dossiers, None, args.timeout)
            size = _database_bytes(e, schema_of(url))
            errors = _errors(e)
        finally:
            _stop(proc)
            errors_in_log = _log_errors(log)
            e.db.dispose()
    total = dossiers + (args.paced or 0)
    figures = {
        "workers": workers,
        "dossiers": dossiers,
        "finished": saturated["finished"],
        "elapsed_s": saturated["elapsed_s"],
        "submit_s": saturated["submit_s"],
        "dossiers_per_s": round(saturated["finished"] / saturated["elapsed_s"], 2),
        "steps": saturated["steps"],
        "steps_per_s": round(saturated["steps"] / saturated["elapsed_s"], 1),
        "step_latency_ms": paced["step_latency_ms"] if paced else None,
        "queue_depth": paced["queue_depth"] if paced else None,
        "paced": paced,
        "saturated": {
            "step_latency_ms": saturated["step_latency_ms"],
            "queue_depth": saturated["queue_depth"],
        },
        "database_bytes": size,
        "database_bytes_per_dossier": int(size / max(total, 1)),
        "errors": errors + errors_in_log,
        "error_lines_in_worker_log": errors_in_log,
    }
    return figures


def _run(e: Any, queue: Any, dossiers: int, rate: float | None, timeout: float) -> dict[str, Any]:
    """Submit ``dossiers`` (alternating the two models), at ``rate`` per second or flat out;
    wait until every one is finished; return what happened to them."""
    samples: list[int] = []
    done = threading.Event()
    sampler = threading.Thread(target=_sample, args=(queue, samples, done), daemon=True)
    sampler.start()
    started = time.monotonic()
    ids = []
    for i in range(dossiers):
        if rate:
            time.sleep(max(0.0, started + i / rate - time.monotonic()))
        if i % 2 == 0:
            d = e.submit("1.000894", applicant=_APPLICANT, actor="mc")
            app.send_task("bench.officer", (d.code,))
        else:
            d = e.submit(SERVICE_PROC, applicant=_APPLICANT, actor="mc")
        ids.append(d.id)
    submitted = time.monotonic() - started
    finished = _wait(e, ids, started + timeout)
    elapsed = time.monotonic() - started
    done.set()
    sampler.join()
    out = _latency(e, ids)
    out.update(
        dossiers=dossiers,
        rate_per_s=rate,
        finished=finished,
        elapsed_s=round(elapsed, 1),
        submit_s=round(submitted, 1),
        queue_depth={
            "max": max(samples, default=0),
            "mean": round(statistics.fmean(samples), 1) if samples else 0,
        },
    )
    return out


_APPLICANT = {"full_name": "Nguyễn Văn A", "id_number": "001090012345"}


def _setup(url: str, redis_url: str) -> Any:
    from sqlalchemy import create_engine, text

    from bench.world import AGENCY, PROCEDURE, USERS, template_bytes
    from engine.migrate import head
    from engine.runtime import Engine
    from engine.settings import load

    settings = load(
        {"database_url": url, "executor": "celery", "celery_eager": False,
         "broker_url": redis_url}
    )  # fmt: skip
    e = Engine(settings)
    e.create_schema()
    # The schema comes from the models (create_all); mark it migrated for `lienthong worker`.
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": head()})
    admin.dispose()
    e.ensure_agency(AGENCY, "UBND tỉnh")
    for username, role in USERS:
        e.ensure_user(username, username, AGENCY, [role])
    deadline = (5, "working_days")
    e.deploy(PROCEDURE, template_bytes(), name="Đăng ký kết hôn", deadline=deadline,
             agency_code=AGENCY)  # fmt: skip
    e.deploy(SERVICE_PROC, SERVICE_BPMN, name="Liên thông (thử tải)", deadline=deadline,
             agency_code=AGENCY)  # fmt: skip
    from engine.celery_app import configure

    configure(settings)
    return e


def _start_worker(url: str, args: argparse.Namespace, workers: int, log: Path) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
    env.update(
        LIENTHONG_DATABASE_URL=url,
        LIENTHONG_BROKER_URL=args.redis_url,
        LIENTHONG_SERVICE_CALLER="bench.load:fake_service",
        LIENTHONG_BENCH_SERVICE_MS=str(args.service_ms),
        PYTHONPATH=str(ROOT),
    )
    argv = [str(Path(sys.executable).parent / "lienthong"), "worker", f"--concurrency={workers}",
            "--include=bench.load", "--loglevel=info", "--hostname=bench@%h"]  # fmt: skip
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 120
    while " ready." not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)
    return proc


def _stop(proc: Any) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    except ProcessLookupError:
        pass


def _log_errors(log: Path) -> int:
    text = log.read_text(errors="replace") if log.exists() else ""
    return sum(1 for line in text.splitlines() if "ERROR/" in line or "CRITICAL/" in line)


def _sample(queue: Any, samples: list[int], done: threading.Event) -> None:
    while not done.wait(0.5):
        try:
            samples.append(int(queue.llen("celery")))
        except Exception:  # a sample lost is not a figure lost
            pass


def _wait(e: Any, ids: list[int], deadline: float) -> int:
    from sqlalchemy import func, select

    from engine.models import Dossier

    finished = 0
    while time.monotonic() < deadline:
        with e.db.read() as s:
            finished = s.execute(
                select(func.count())
                .select_from(Dossier)
                .where(Dossier.id.in_(ids), Dossier.finished_at.is_not(None))
            ).scalar_one()
        if finished >= len(ids):
            break
        time.sleep(1)
    return finished


def _latency(e: Any, ids: list[int]) -> dict[str, Any]:
    """Steps and step latency (a task row's opening to its completion) of these dossiers."""
    from sqlalchemy import func, select

    from engine.models import Dossier, TaskRow

    with e.db.read() as s:
        rows = s.execute(
            select(TaskRow.kind, TaskRow.created_at, TaskRow.completed_at).where(
                TaskRow.dossier_id.in_(ids), TaskRow.state == "completed"
            )
        ).all()
        steps = s.execute(
            select(func.sum(Dossier.step_count)).where(Dossier.id.in_(ids))
        ).scalar_one()
    latency = {
        kind: sorted(
            (done - opened).total_seconds() * 1000 for k, opened, done in rows if k == kind
        )
        for kind in ("user", "service")
    }
    every = sorted(v for values in latency.values() for v in values)
    return {
        "steps": int(steps or 0) + len(ids),  # step_count leaves out the submit
        "step_latency_ms": {
            "p50": _pct(every, 50),
            "p95": _pct(every, 95),
            "officer_steps": {"p50": _pct(latency["user"], 50), "p95": _pct(latency["user"], 95)},
            "service_steps": {
                "p50": _pct(latency["service"], 50),
                "p95": _pct(latency["service"], 95),
            },
        },
    }


def _database_bytes(e: Any, schema: str | None) -> int:
    from sqlalchemy import text

    with e.db.read() as s:
        return int(
            s.execute(
                text(
                    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = :schema AND c.relkind = 'r'"
                ),
                {"schema": schema},
            ).scalar_one()
        )


def _errors(e: Any) -> int:
    """Dossiers not at their result and service jobs not done: both must be 0."""
    from sqlalchemy import func, select

    from engine.models import Dossier, ServiceJob

    with e.db.read() as s:
        bad_jobs = s.execute(
            select(func.count()).select_from(ServiceJob).where(ServiceJob.state != "done")
        ).scalar_one()
        wrong = s.execute(
            select(func.count())
            .select_from(Dossier)
            .where((Dossier.status != "result_returned") | Dossier.finished_at.is_(None))
        ).scalar_one()
    return int(bad_jobs + wrong)


def _pct(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    index = min(len(values) - 1, max(0, math.ceil(pct / 100 * len(values)) - 1))
    return round(values[index], 1)


def _report(args: argparse.Namespace, phases: list[dict[str, Any]]) -> dict[str, Any]:
    base = phases[0]["dossiers_per_s"] or 1e-9
    best = max(phases, key=lambda p: p["dossiers_per_s"])
    year = PROVINCE["dossiers_per_year"]
    hourly = year / PROVINCE["working_days"] / PROVINCE["hours_per_day"]
    peak_per_s = hourly * PROVINCE["peak"] / 3600
    per_process = min(p["dossiers_per_s"] / p["workers"] for p in phases)
    processes = max(1, math.ceil(peak_per_s / per_process)) if per_process else None
    bytes_per = max(p["database_bytes_per_dossier"] for p in phases)
    return {
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "settings": {
            "dossiers": args.dossiers,
            "paced": args.paced,
            "rate_per_s": args.rate,
            "workers": args.workers,
            "service_ms": args.service_ms,
            "models": [
                "standard one-stop template 1.000894 (4 officer steps)",
                "liên thông service flow (2 external calls)",
            ],  # fmt: skip
        },
        "phases": phases,
        "scaling": {str(p["workers"]): round(p["dossiers_per_s"] / base, 2) for p in phases},
        "errors": sum(p["errors"] for p in phases),
        "province_estimate": {
            **PROVINCE,
            "average_dossiers_per_hour": round(hourly, 1),
            "peak_dossiers_per_s": round(peak_per_s, 3),
            "best_measured_dossiers_per_s": best["dossiers_per_s"],
            "headroom_at_peak": round(best["dossiers_per_s"] / peak_per_s, 1),
            "worker_processes_needed_at_peak": processes,
            "database_growth_gb_per_year": round(bytes_per * year / 1e9, 2),
            "machines": {
                "postgresql": 1,
                "app (web + workers + redis + scheduler)": 2,
                "why": "one app machine carries the peak with room to spare; the second is "
                "for failover and maintenance (workers and web processes on both)",
            },
        },
    }


if __name__ == "__main__":
    sys.exit(main())

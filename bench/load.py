"""Sustained load on the distributed mode: real ``lienthong worker`` processes, Redis, PostgreSQL.

Usage: ``python bench/load.py [--dossiers 20000] [--workers 1,2,4] [--pg-url URL]
[--redis-url URL] [--service-ms 0] [--timeout 10800] [--stall 300]``. For each worker count
the run gets a fresh PostgreSQL schema and fresh registry simulators (both dropped after it),
starts one ``lienthong worker --concurrency W`` and submits its share of ``--dossiers``
(split evenly across the worker counts) in a fixed mix, one dossier in two on the standard
template and the other half spread over the four liên thông flows of `bpmn.flows`:

* the standard one-stop template (``1.000894``, four officer steps at the commune);
* birth + residence + health card (``2.000986``), death + deregistration + funeral
  allowance (``L.000201``), enterprise + tax + social insurance (``2.001583``) and land
  transfer + tax (``1.013831``): five or six officer steps at two agencies and three
  registry calls each, made by the real adapters against the registries' in-process
  simulators inside each worker (the embedded mode's simulators, on files every worker
  shares; ``--service-ms`` adds that much latency to each answer, as a network would).

The province (agencies, one officer per lane) is `bpmn.flows.province`; the declarations
come from the simulators' own world (`bpmn.flows.cases`), each deceased person and parcel
used once. The officers run on the workers (`bench.officers`): the counter sends each new
dossier to them, and each registry answer wakes them again; every completion is its own step.

This process plays the web side, in two runs per worker count. The *paced* run submits
``--paced`` dossiers at ``--rate`` per second (default 1/s, about 2.4 times a province's peak)
and gives the step latency a citizen or officer sees: p50/p95 of a task row's opening to its
completion (queueing included), with the queue depth sampled every 0.5 s. The *saturating*
run submits its dossiers as fast as it can (the submit and its outbox publish, as a web
request would) while the workers drain the queue, and gives the throughput. It prints one
JSON object: throughput, latency, queue depth, database size, CPU per dossier (workers,
this driver, PostgreSQL: the figure the sizing rests on), errors (must be 0: a dossier
not at its result, a registry job not done, a result a flow should have given missing or
refused, an error line in the worker log), the scaling from 1 to 2 and 4 worker processes,
and an estimate of the machines a province needs. Nothing is asserted about speed. The Redis
database given is used for the run's queue; only the queue's own keys are deleted, before
each phase.
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
from collections import Counter  # noqa: E402
from datetime import date  # noqa: E402
from typing import Any  # noqa: E402

from bench import load_figures as figures  # noqa: E402
from bpmn.flows import birth, cases, death, enterprise, land, province  # noqa: E402
from engine.celery_app import app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
#: A province: dossiers a year, working days and hours, and the peak over the average hour.
PROVINCE = {"dossiers_per_year": 300_000, "working_days": 250, "hours_per_day": 8, "peak": 10}
TEMPLATE = "1.000894"
#: The mix, repeated: every other dossier on the template, the rest spread over the flows.
MIX = (TEMPLATE, birth.CODE, TEMPLATE, death.CODE, TEMPLATE, enterprise.CODE, TEMPLATE, land.CODE)
MODELS = {
    TEMPLATE: "standard one-stop template (4 officer steps)",
    birth.CODE: "birth + residence + health card (5 officer steps at 2 agencies, 3 registries)",
    death.CODE: "death + deregistration + funeral allowance (5 officer steps, 3 registries)",
    enterprise.CODE: "enterprise + tax + social insurance (5 officer steps, 3 registries)",
    land.CODE: "land transfer + tax (6 officer steps at 2 agencies, 3 registries)",
}


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
    p.add_argument("--service-ms", type=float, default=0.0, help="latency added to each answer")
    p.add_argument("--timeout", type=float, default=10800.0, help="seconds per run at most")
    p.add_argument(
        "--stall", type=float, default=300.0, help="give up after this long with no progress"
    )
    p.add_argument(
        "--paced", type=int, default=60, help="dossiers of the paced run (latency), per phase"
    )
    p.add_argument("--rate", type=float, default=1.0, help="arrivals per second of the paced run")
    return p


def _phase(args: argparse.Namespace, workers: int, dossiers: int) -> dict[str, Any]:
    """One worker count: a paced run for step latency, then a saturating run for throughput."""
    import redis
    from sqlalchemy.engine import make_url

    from bench.world import postgres_url, schema_of

    queue = redis.Redis.from_url(args.redis_url)
    queue.delete("celery", "unacked", "unacked_index", "unacked_mutex")
    with postgres_url(args.pg_url) as base, tempfile.TemporaryDirectory() as tmp:
        schema = schema_of(base) or "lienthong-load"
        # Every connection of the run carries the schema's name: the CPU meter finds its
        # PostgreSQL backends by it.
        url = make_url(base).update_query_dict({"application_name": schema})
        url = url.render_as_string(hide_password=False)
        per_flow = math.ceil((dossiers + args.paced) / len(MIX))
        sims = _simulators(Path(tmp) / "sims", per_flow, args.service_ms)
        e = _setup(url, args.redis_url)
        log = Path(tmp) / "worker.log"
        proc = _start_worker(url, args, workers, sims["env"], log)
        try:
            counts: Counter[str] = Counter()
            paced = (
                _run(e, queue, sims["dossiers"], counts, args.paced, args.rate, args)
                if args.paced
                else None
            )
            cpu = figures.CpuMeter(e, proc.pid, schema)
            cpu.start()
            saturated = _run(e, queue, sims["dossiers"], counts, dossiers, None, args)
            cpu_ms = cpu.stop(dossiers)
            size = figures.database_bytes(e, schema)
            errors = figures.errors(e)
        finally:
            _stop(proc)
            errors_in_log = _log_errors(log)
            e.db.dispose()
    total = dossiers + (args.paced or 0)
    return {
        "workers": workers,
        "dossiers": dossiers,
        "by_model": dict(counts),
        "finished": saturated["finished"],
        "elapsed_s": saturated["elapsed_s"],
        "submit_s": saturated["submit_s"],
        "dossiers_per_s": round(saturated["finished"] / saturated["elapsed_s"], 2),
        "steps": saturated["steps"],
        "steps_per_s": round(saturated["steps"] / saturated["elapsed_s"], 1),
        "registry_calls": saturated["registry_calls"],
        "cpu_ms_per_dossier": cpu_ms,
        "step_latency_ms": paced["step_latency_ms"] if paced else None,
        "queue_depth": paced["queue_depth"] if paced else None,
        "paced": paced,
        "saturated": {
            "step_latency_ms": saturated["step_latency_ms"],
            "queue_depth": saturated["queue_depth"],
        },
        "simulated_people": sims["people"],
        "database_bytes": size,
        "database_bytes_per_dossier": int(size / max(total, 1)),
        "errors": sum(errors.values()) + errors_in_log,
        "error_kinds": {**errors, "error_lines_in_worker_log": errors_in_log},
    }


def _run(
    e: Any,
    queue: Any,
    dossiers: cases.Dossiers,
    counts: Counter[str],
    total: int,
    rate: float | None,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Submit ``total`` dossiers of the mix, at ``rate`` per second or flat out; wait until
    every one is finished; return what happened to them."""
    samples: list[int] = []
    done = threading.Event()
    sampler = threading.Thread(target=_sample, args=(queue, samples, done), daemon=True)
    sampler.start()
    started = time.monotonic()
    ids = []
    for i in range(total):
        if rate:
            time.sleep(max(0.0, started + i / rate - time.monotonic()))
        code = MIX[sum(counts.values()) % len(MIX)]
        if code == TEMPLATE:
            d = e.submit(TEMPLATE, applicant=_APPLICANT, agency_code=province.COMMUNE,
                         actor=province.counter(province.COMMUNE))  # fmt: skip
        else:
            d = dossiers.submission(code, counts[code]).submit(e)
        counts[code] += 1
        app.send_task("bench.officer", (d.code,))
        ids.append(d.id)
    submitted = time.monotonic() - started
    finished = _wait(e, ids, started + args.timeout, args.stall)
    elapsed = time.monotonic() - started
    done.set()
    sampler.join()
    out = figures.latency(e, ids)
    out.update(
        dossiers=total,
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


def _simulators(folder: Path, per_flow: int, service_ms: float) -> dict[str, Any]:
    """Seed the registries' simulators with a world big enough for ``per_flow`` dossiers of
    each flow; return the workers' environment for them and the dossiers they can take."""
    from adapters.settings import sim_seed
    from adapters.sim.world import world

    people = int(province.SIMULATOR_ENV["LIENTHONG_SIM_PEOPLE"])
    while True:
        env = province.simulator_env(str(folder), people)
        with province.environment(env):
            found = cases.Dossiers(world(sim_seed(), people), date.today())
        if found.capacity() >= per_flow:
            break
        people = math.ceil(people * max(1.25, 1.1 * per_flow / max(found.capacity(), 1)))
    if service_ms:
        env.update({f"LIENTHONG_SIM_{name.upper()}_FAULTS": f"latency_ms={service_ms:g}"
                    for name in province.SYSTEMS})  # fmt: skip
    province.seed_simulators(env)
    return {"env": env, "dossiers": found, "people": people}


def _setup(url: str, redis_url: str) -> Any:
    from sqlalchemy import create_engine, text

    from bench.world import template_bytes
    from engine.celery_app import configure
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
    province.deploy(e)
    e.deploy(TEMPLATE, template_bytes(), name="Đăng ký kết hôn", deadline=(5, "working_days"),
             agency_code=province.COMMUNE)  # fmt: skip
    configure(settings)
    return e


def _start_worker(
    url: str, args: argparse.Namespace, workers: int, sims: dict[str, str], log: Path
) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
    env.update(sims, LIENTHONG_DATABASE_URL=url, LIENTHONG_BROKER_URL=args.redis_url,
               PYTHONPATH=str(ROOT))  # fmt: skip
    argv = [str(Path(sys.executable).parent / "lienthong"), "worker", f"--concurrency={workers}",
            "--include=bench.officers", "--loglevel=info", "--hostname=bench@%h"]  # fmt: skip
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


def _wait(e: Any, ids: list[int], deadline: float, stall: float) -> int:
    """Wait until the dossiers are finished, or the deadline, or ``stall`` seconds pass with
    none finishing (a flushed queue, a stuck worker: the run fails in minutes, not hours)."""
    done, progress = 0, time.monotonic()
    while time.monotonic() < min(deadline, progress + stall):
        now = figures.finished(e, ids)
        if now > done:
            done, progress = now, time.monotonic()
        if done >= len(ids):
            break
        time.sleep(0.5)
    return done


def _report(args: argparse.Namespace, phases: list[dict[str, Any]]) -> dict[str, Any]:
    base = phases[0]["dossiers_per_s"] or 1e-9
    best = max(phases, key=lambda p: p["dossiers_per_s"])
    year = PROVINCE["dossiers_per_year"]
    hourly = year / PROVINCE["working_days"] / PROVINCE["hours_per_day"]
    peak_per_s = hourly * PROVINCE["peak"] / 3600
    per_process = min(p["dossiers_per_s"] / p["workers"] for p in phases)
    processes = max(1, math.ceil(peak_per_s / per_process)) if per_process else None
    bytes_per = max(p["database_bytes_per_dossier"] for p in phases)
    cpu_ms = [p["cpu_ms_per_dossier"]["total"] for p in phases]
    cpu_ms_per_dossier = max(cpu_ms) if None not in cpu_ms else None
    return {
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "settings": {
            "dossiers": args.dossiers,
            "paced": args.paced,
            "rate_per_s": args.rate,
            "workers": args.workers,
            "service_ms": args.service_ms,
            "mix": list(MIX),
            "models": MODELS,
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
            "cpu_ms_per_dossier": cpu_ms_per_dossier,
            "cpu_cores_busy_at_peak": (
                round(peak_per_s * cpu_ms_per_dossier / 1000, 2) if cpu_ms_per_dossier else None
            ),
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

"""Measure the engine against its targets and print one JSON object (issue 3's figures).

Usage: ``python bench/engine.py [--dossiers N] [--pg-url URL] [--quick]``. Nothing here
asserts a speed: the ``targets`` block says pass/fail so a person (or CI report) can judge.
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
import os  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from importlib.metadata import version  # noqa: E402
from typing import Any  # noqa: E402

from bench import measure  # noqa: E402
from bench.world import DEFAULT_PG_URL, postgres_url, schema_of, sqlite_url  # noqa: E402

DEFAULT_DOSSIERS = 200
QUICK_DOSSIERS = 5
HISTORY = (5, 500)
#: Persisted throughput must reach this share of the in-memory ceiling...
CEILING_SHARE_TARGET = 1 / 3
#: ...and this many dossiers per second on PostgreSQL.
PG_RATE_TARGET = 50.0
#: Loading after 500 steps may take at most this multiple of loading after 5.
LOAD_FLATNESS_TARGET = 1.5
#: Processes for the parallel figures: one per core, as the product's several processes.
DEFAULT_PROCESSES = os.cpu_count() or 2


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    pg_url = args.pg_url or os.environ.get("LIENTHONG_TEST_PG_URL") or DEFAULT_PG_URL
    n = args.dossiers
    if n is None:
        n = QUICK_DOSSIERS if args.quick else DEFAULT_DOSSIERS
    if n < 1:
        raise SystemExit("--dossiers must be at least 1")
    if args.processes < 0:
        raise SystemExit("--processes must be 0 (no parallel run) or more")
    report = run(
        n, pg_url, quick=args.quick, history=_history(args.history), processes=args.processes
    )
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--dossiers", type=int, help=f"dossiers per throughput run (default {DEFAULT_DOSSIERS})"
    )
    p.add_argument(
        "--pg-url", help=f"PostgreSQL URL (default $LIENTHONG_TEST_PG_URL or {DEFAULT_PG_URL})"
    )
    p.add_argument("--quick", action="store_true", help="tiny sizes: proves it runs, not speed")
    p.add_argument(
        "--processes",
        type=int,
        default=DEFAULT_PROCESSES,
        help="processes for the parallel figures, the same total dossiers split between them "
        "(default: the CPU count, %(default)s; 0 or 1 skips them)",
    )
    p.add_argument(
        "--history",
        default=",".join(map(str, HISTORY)),
        help="short,long finished-step counts for the load comparison (default %(default)s)",
    )
    return p


def _history(raw: str) -> tuple[int, int]:
    try:
        short, long_ = (int(part) for part in raw.split(","))
    except ValueError:
        raise SystemExit(f"--history wants two step counts like 5,500, not {raw!r}") from None
    if not 1 <= short < long_:
        raise SystemExit(f"--history wants 1 <= short < long, got {short},{long_}")
    return short, long_


def run(
    dossiers: int,
    pg_url: str,
    *,
    quick: bool = False,
    history: tuple[int, int] = HISTORY,
    processes: int = 0,
) -> dict[str, Any]:
    """Take every measurement and return the report as a JSON-ready dict."""
    if dossiers < 1:
        raise SystemExit("--dossiers must be at least 1")
    started, load_before = time.perf_counter(), _loadavg()
    repeat = 5 if quick else 50
    in_memory = dossiers * (1 if quick else 5)
    memory = measure.memory_throughput(in_memory)
    stock = measure.memory_throughput(in_memory, stock_script_engine=True)
    with sqlite_url() as url:
        sqlite = measure.persisted_throughput(url, dossiers)
    with postgres_url(pg_url) as url:
        pg = measure.persisted_throughput(url, dossiers)
        pg_schema = schema_of(url)
        commit_floor = measure.commit_floor_ms(url, repeat * 4)
    parallel = _parallel(dossiers, in_memory, pg_url, processes) if processes > 1 else {}
    with sqlite_url() as url:
        loads = measure.load_by_history(url, list(history), repeat)
    with sqlite_url() as url:
        parse = measure.parse_and_state(url, repeat)
    ceiling = memory["dossiers_per_s"]
    persisted = {"sqlite": sqlite["dossiers_per_s"], "postgresql": pg["dossiers_per_s"]}
    share = {k: v / ceiling for k, v in persisted.items()}
    load_ms = {str(h): loads[str(h)]["ms"] for h in history}
    report: dict[str, Any] = {
        "persisted_dossiers_per_s": persisted,
        "memory_dossiers_per_s": ceiling,
        "memory_dossiers_per_s_stock_script_engine": stock["dossiers_per_s"],
        "persisted_share_of_ceiling": share,
        "ms_per_dossier": {
            "sqlite": sqlite["ms_per_dossier"],
            "postgresql": pg["ms_per_dossier"],
            "memory": memory["ms_per_dossier"],
        },
        "client_cpu_ms_per_dossier": {
            "sqlite": sqlite["client_cpu_ms_per_dossier"],
            "postgresql": pg["client_cpu_ms_per_dossier"],
            "memory": memory["client_cpu_ms_per_dossier"],
        },
        "sql_statements_per_dossier": {
            "sqlite": sqlite["sql_statements_per_dossier"],
            "postgresql": pg["sql_statements_per_dossier"],
        },
        "connection_checkouts_per_dossier": {
            "sqlite": sqlite["connection_checkouts_per_dossier"],
            "postgresql": pg["connection_checkouts_per_dossier"],
        },
        **parallel,
        "postgresql_commit_floor_ms": commit_floor,
        "load_ms_by_history": load_ms,
        "load_by_history": loads,
        **parse,
        "targets": _targets(persisted, share, loads, history, parallel),
        "machine": {
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "spiffworkflow": version("SpiffWorkflow"),
            "sqlalchemy": version("SQLAlchemy"),
            "sqlite": sqlite["server_version"],
            "postgresql": pg["server_version"],
            "load_average_before_after": [load_before, _loadavg()],
            "postgresql_schema_dropped": pg_schema,
        },
        "n": {
            "dossiers": dossiers,
            "memory_dossiers": in_memory,
            "history_steps": list(history),
            "load_repeats": repeat,
            "steps_per_dossier": 5,
            "quick": quick,
        },
        "elapsed_s": time.perf_counter() - started,
    }
    return report


def _parallel(dossiers: int, in_memory: int, pg_url: str, processes: int) -> dict[str, Any]:
    """The same runs split over ``processes`` processes, ceiling included (like for like)."""
    per_process = max(1, dossiers // processes)
    memory = measure.memory_throughput_parallel(max(1, in_memory // processes), processes)
    with sqlite_url() as url:
        sqlite = measure.persisted_throughput_parallel(url, per_process, processes)
    with postgres_url(pg_url) as url:
        pg = measure.persisted_throughput_parallel(url, per_process, processes)
    ceiling = memory["dossiers_per_s"]
    persisted = {"sqlite": sqlite["dossiers_per_s"], "postgresql": pg["dossiers_per_s"]}
    return {
        "persisted_dossiers_per_s_parallel": persisted,
        "memory_dossiers_per_s_parallel": ceiling,
        "persisted_share_of_ceiling_parallel": {k: v / ceiling for k, v in persisted.items()},
        "client_cpu_ms_per_dossier_parallel": {
            "sqlite": sqlite["client_cpu_ms_per_dossier"],
            "postgresql": pg["client_cpu_ms_per_dossier"],
            "memory": memory["client_cpu_ms_per_dossier"],
        },
        "parallel": {"processes": processes, "dossiers_per_process": per_process},
    }


def _loadavg() -> float | None:
    """The 1-minute load average: other work on a 2-core machine skews every figure here."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _targets(
    persisted: dict[str, float],
    share: dict[str, float],
    loads: dict[str, Any],
    history: tuple[int, int],
    parallel: dict[str, Any],
) -> dict[str, Any]:
    short, long_ = history
    # Compare loads waiting at the same task: n steps against the long run's n or n+1 step.
    ratios = []
    for a in (short, short + 1):
        for b in (long_, long_ + 1):
            if loads[str(a)]["waiting_at"] == loads[str(b)]["waiting_at"]:
                ratios.append(loads[str(b)]["ms"] / loads[str(a)]["ms"])
    worst = max(ratios)
    out = {
        "postgresql_share_of_ceiling_at_least_one_third": {
            "value": share["postgresql"],
            "target": CEILING_SHARE_TARGET,
            "pass": share["postgresql"] >= CEILING_SHARE_TARGET,
        },
        "sqlite_share_of_ceiling_at_least_one_third": {
            "value": share["sqlite"],
            "target": CEILING_SHARE_TARGET,
            "pass": share["sqlite"] >= CEILING_SHARE_TARGET,
        },
        "postgresql_at_least_50_dossiers_per_s": {
            "value": persisted["postgresql"],
            "target": PG_RATE_TARGET,
            "pass": persisted["postgresql"] >= PG_RATE_TARGET,
        },
        "load_flat_in_history": {
            "value": worst,
            "target": LOAD_FLATNESS_TARGET,
            "pass": worst <= LOAD_FLATNESS_TARGET,
            "note": f"worst ratio of load time at {long_}(+1) to {short}(+1) steps, same task",
        },
    }
    if parallel:
        rate = parallel["persisted_dossiers_per_s_parallel"]["postgresql"]
        share_parallel = parallel["persisted_share_of_ceiling_parallel"]["postgresql"]
        n = parallel["parallel"]["processes"]
        out["postgresql_at_least_50_dossiers_per_s_parallel"] = {
            "value": rate,
            "target": PG_RATE_TARGET,
            "pass": rate >= PG_RATE_TARGET,
            "note": f"{n} processes on one database",
        }
        out["postgresql_share_of_ceiling_parallel_at_least_one_third"] = {
            "value": share_parallel,
            "target": CEILING_SHARE_TARGET,
            "pass": share_parallel >= CEILING_SHARE_TARGET,
            "note": f"against the in-memory ceiling run in {n} processes too",
        }
    return out


if __name__ == "__main__":
    raise SystemExit(main())

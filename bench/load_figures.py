"""What ``bench/load.py`` measures after each run: latency, errors, database size, CPU.

The figures are read from the run's own PostgreSQL schema (a task row's opening and
completion times, the dossiers' states, the registry jobs and their results) and, for the
CPU, from ``/proc``: the worker's process group, the driver itself and the PostgreSQL
backends whose connections carry the run's ``application_name``. CPU seconds per dossier do
not depend on what else the shared machine runs, so they are what the sizing rests on.
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

from sqlalchemy import func, select, text

from bpmn.flows import cases
from engine.models import Dossier, ServiceJob, TaskRow

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def latency(e: Any, ids: list[int]) -> dict[str, Any]:
    """Steps and step latency (a task row's opening to its completion) of these dossiers."""
    window = TaskRow.dossier_id.between(min(ids), max(ids))
    with e.db.read() as s:
        rows = s.execute(
            select(TaskRow.kind, TaskRow.created_at, TaskRow.completed_at).where(
                window, TaskRow.state == "completed"
            )
        ).all()
        steps = s.execute(
            select(func.sum(Dossier.step_count)).where(Dossier.id.between(min(ids), max(ids)))
        ).scalar_one()
    by_kind = {
        kind: sorted(
            (done - opened).total_seconds() * 1000 for k, opened, done in rows if k == kind
        )
        for kind in ("user", "service")
    }
    every = sorted(v for values in by_kind.values() for v in values)
    return {
        "steps": int(steps or 0) + len(ids),  # step_count leaves out the submit
        "registry_calls": len(by_kind["service"]),
        "step_latency_ms": {
            "p50": pct(every, 50),
            "p95": pct(every, 95),
            "officer_steps": {"p50": pct(by_kind["user"], 50), "p95": pct(by_kind["user"], 95)},
            "service_steps": {
                "p50": pct(by_kind["service"], 50),
                "p95": pct(by_kind["service"], 95),
            },
        },
    }


def finished(e: Any, ids: list[int]) -> int:
    """How many of the dossiers ``ids`` (one run's, numbered in a row) have finished."""
    with e.db.read() as s:
        return s.execute(
            select(func.count())
            .select_from(Dossier)
            .where(Dossier.id.between(min(ids), max(ids)), Dossier.finished_at.is_not(None))
        ).scalar_one()


def errors(e: Any) -> dict[str, int]:
    """What went wrong, by kind; every count must be 0.

    A dossier not at its result; a registry job not done; a flow dossier missing one of the
    results its flow gives (`cases.RESULTS`) or holding a refused one (the declarations are
    valid, so every registry must say yes).
    """
    with e.db.read() as s:
        bad_jobs = s.execute(
            select(func.count()).select_from(ServiceJob).where(ServiceJob.state != "done")
        ).scalar_one()
        wrong = s.execute(
            select(func.count())
            .select_from(Dossier)
            .where((Dossier.status != "result_returned") | Dossier.finished_at.is_(None))
        ).scalar_one()
        flows = s.execute(
            select(Dossier.id, Dossier.procedure_code).where(
                Dossier.procedure_code.in_(list(cases.RESULTS))
            )
        ).all()
        jobs = s.execute(
            select(ServiceJob.dossier_id, ServiceJob.operation, ServiceJob.result).where(
                ServiceJob.state == "done"
            )
        ).all()
    given: dict[int, set[str]] = {}
    for dossier_id, operation, result in jobs:
        if not (isinstance(result, dict) and result.get("refused")):
            given.setdefault(dossier_id, set()).add(operation)
    missing = sum(
        1 for dossier_id, code in flows
        if not set(cases.RESULTS[code]) <= given.get(dossier_id, set())
    )  # fmt: skip
    return {"dossiers_not_at_result": int(wrong), "registry_jobs_not_done": int(bad_jobs),
            "flow_results_missing_or_refused": missing}  # fmt: skip


def database_bytes(e: Any, schema: str | None) -> int:
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


class CpuMeter:
    """CPU seconds used between `start` and `stop` by the workers, this driver and PostgreSQL.

    The workers are the processes of ``worker_group`` (their session leader's pid); the
    database's share is that of the backends serving connections named ``application``.
    On a system without ``/proc`` every figure is None.
    """

    def __init__(self, e: Any, worker_group: int, application: str) -> None:
        self.e, self.group, self.application = e, worker_group, application
        self.begin: dict[str, Any] = {}

    def start(self) -> None:
        self.begin = self._read()

    def stop(self, dossiers: int) -> dict[str, float | None]:
        """CPU milliseconds per dossier of each part, and their total."""
        end = self._read()
        if not os.path.isdir("/proc"):
            return {"workers": None, "driver": None, "database": None, "total": None}
        workers = end["workers"] - self.begin["workers"]
        driver = end["driver"] - self.begin["driver"]
        database = sum(v - self.begin["database"].get(pid, 0.0)
                       for pid, v in end["database"].items())  # fmt: skip
        per = {"workers": workers, "driver": driver, "database": database}
        out: dict[str, float | None] = {k: round(v * 1000 / dossiers, 1) for k, v in per.items()}
        out["total"] = round(sum(per.values()) * 1000 / dossiers, 1)
        return out

    def _read(self) -> dict[str, Any]:
        with self.e.db.read() as s:
            pids = s.execute(
                text("SELECT pid FROM pg_stat_activity WHERE application_name = :a"),
                {"a": self.application},
            ).scalars()
            database = {pid: _cpu(pid) for pid in pids}
        return {"workers": _group_cpu(self.group), "driver": time.process_time(),
                "database": database}  # fmt: skip


def _cpu(pid: int) -> float:
    """CPU seconds of process ``pid`` and its waited-for children (0 when it is gone)."""
    fields = _stat(pid)
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / _TICKS if fields else 0.0


def _group_cpu(group: int) -> float:
    if not os.path.isdir("/proc"):
        return 0.0
    pids = (int(d) for d in os.listdir("/proc") if d.isdigit())
    return sum(_cpu(pid) for pid in pids if (f := _stat(pid)) and int(f[2]) == group)


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state is field 0)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def pct(values: list[float], percent: float) -> float | None:
    if not values:
        return None
    index = min(len(values) - 1, max(0, math.ceil(percent / 100 * len(values)) - 1))
    return round(values[index], 1)

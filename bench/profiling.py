"""Profile the persisted path and say where a step's time goes.

``python -m bench.profiling [--dossiers 300] [--backend sqlite|postgresql|both]`` runs the
benchmark's happy path under cProfile and prints JSON with: self time grouped by who owns
the code (SQL layer, SpiffWorkflow, serialisation, form validation, calendar, ...), the
inclusive time of the engine's own stages per step, SQL statements per public call, and
the hottest functions. Findings are written up in ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import time
from collections import Counter
from typing import Any

from sqlalchemy import event

from bench.world import DEFAULT_PG_URL, make_engine, postgres_url, run_happy_dossier, sqlite_url

#: Path fragments → category, first match wins (self time is charged to the category).
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("/SpiffWorkflow/bpmn/serializer/", "serialisation (Spiff converters)"),
    ("/SpiffWorkflow/", "SpiffWorkflow engine"),
    ("/engine/state.py", "serialisation (engine.state)"),
    ("{built-in method zlib", "serialisation (zlib)"),
    ("/json/", "serialisation (json)"),
    ("{method 'execute' of 'sqlite3", "SQL driver round trips"),
    ("{method 'commit' of 'sqlite3", "SQL driver round trips"),
    ("/psycopg/", "SQL driver round trips"),
    ("{method 'execute' of 'psycopg", "SQL driver round trips"),
    ("select.poll", "SQL driver round trips"),
    ("{method 'poll'", "SQL driver round trips"),
    ("/sqlalchemy/", "SQLAlchemy (ORM + Core)"),
    ("/jsonschema/", "form validation (jsonschema)"),
    ("/referencing/", "form validation (jsonschema)"),
    ("/forms/", "form validation (jsonschema)"),
    ("/engine/calendar", "legal calendar"),
    ("/holidays/", "legal calendar"),
    ("/dateutil/", "legal calendar"),
    ("/engine/expressions.py", "restricted expressions"),
    ("/engine/", "engine (own code)"),
)

#: Engine stages whose inclusive time is reported per step: (label, file suffix, function).
STAGES: tuple[tuple[str, str, str], ...] = (
    ("run_step (a whole completion)", "engine/steps.py", "run_step"),
    ("lock + load dossier, state, open rows", "engine/steps.py", "_locked_context"),
    ("open task rows (with the lock; read again after a wait)", "engine/steps.py", "open_rows"),
    ("one walk of the task tree", "engine/live_tasks.py", "walk"),
    ("load_state (deserialise)", "engine/state.py", "load_state"),
    ("save_state (prune + serialise)", "engine/state.py", "save_state"),
    ("advance (Spiff engine steps)", "engine/steps.py", "advance"),
    ("task_sync.sync (task rows, timers)", "engine/task_sync.py", "sync"),
    ("  _sync_bpmn_timers", "engine/task_sync.py", "_sync_bpmn_timers"),
    ("step_deadline (calendar)", "engine/steps.py", "step_deadline"),
    ("lifecycle.update_status", "engine/lifecycle.py", "update_status"),
    ("_validate_form", "engine/task_actions.py", "_validate_form"),
    ("  forms.registry.load_form", "forms/registry.py", "load_form"),
    ("step writes (one statement on PostgreSQL)", "engine/step_writes.py", "write"),
    ("  take the ORM's pending changes", "engine/step_writes.py", "take_orm_changes"),
    ("submit (whole)", "engine/runtime.py", "submit"),
    ("  next_dossier_code", "engine/codes.py", "next_dossier_code"),
    ("list_tasks (whole)", "engine/queries.py", "list_tasks"),
    ("Session commit", "sqlalchemy/orm/session.py", "commit"),
)


#: Functions timed without a profiler (inclusive wall ms): (label, module or class, attribute).
TIMED: tuple[tuple[str, str, str], ...] = (
    ("submit", "engine.runtime:Engine", "submit"),
    ("list_tasks", "engine.queries:Queries", "list_tasks"),
    ("run_step (whole completion)", "engine.steps", "run_step"),
    ("lock + load dossier, model, state (_locked_context)", "engine.steps", "_locked_context"),
    ("one walk of the task tree", "engine.steps", "walk"),
    ("load_state", "engine.steps", "load_state"),
    ("form validation", "engine.task_actions:TaskActions", "_validate_form"),
    ("advance (Spiff engine steps)", "engine.steps:StepContext", "advance"),
    ("step writes (one statement on PostgreSQL)", "engine.step_writes:StepWrites", "write"),
    ("finish_step", "engine.steps", "finish_step"),
    ("task_sync.sync", "engine.steps", "sync"),
    ("_sync_bpmn_timers", "engine.task_sync", "_sync_bpmn_timers"),
    ("step_deadline (calendar)", "engine.steps:StepContext", "step_deadline"),
    ("lifecycle.update_status", "engine.lifecycle:Lifecycle", "update_status"),
    ("save_state", "engine.steps", "save_state"),
    ("sync_messages", "engine.steps", "sync_messages"),
    ("transaction commit", "sqlalchemy.orm.session:SessionTransaction", "commit"),
)


def time_stages(url: str, dossiers: int) -> dict[str, Any]:
    """Inclusive wall time of the engine's stages per dossier, measured without a profiler.

    Also sums the time spent inside the database driver (statement sent to rows back), the
    nearest thing to "SQL round trips" a client can measure.
    """
    import importlib

    totals: Counter[str] = Counter()
    patched: list[tuple[Any, str, Any]] = []

    def wrap(label: str, original: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                totals[label] += time.perf_counter() - start

        return timed

    for label, where, attr in TIMED:
        module_name, _, class_name = where.partition(":")
        owner: Any = importlib.import_module(module_name)
        if class_name:
            owner = getattr(owner, class_name)
        original = owner.__dict__[attr] if class_name else getattr(owner, attr)
        patched.append((owner, attr, original))
        setattr(owner, attr, wrap(label, original))
    eng, clock = make_engine(url)
    sent: list[float] = []

    def before(*_args: Any) -> None:
        sent.append(time.perf_counter())

    def after(*_args: Any) -> None:
        totals["SQL statements in the driver"] += time.perf_counter() - sent.pop()

    try:
        for _ in range(3):
            run_happy_dossier(eng, clock)
        totals.clear()
        event.listen(eng.db.engine, "before_cursor_execute", before)
        event.listen(eng.db.engine, "after_cursor_execute", after)
        start = time.perf_counter()
        for _ in range(dossiers):
            run_happy_dossier(eng, clock)
        elapsed = time.perf_counter() - start
    finally:
        for owner, attr, original in reversed(patched):
            setattr(owner, attr, original)
        eng.db.dispose()
    out = {"whole dossier": round(elapsed * 1000 / dossiers, 3)}
    out.update({k: round(v * 1000 / dossiers, 3) for k, v in totals.items()})
    return {"dossiers": dossiers, "ms_per_dossier_inclusive": out}


def profile_backend(url: str, dossiers: int) -> dict[str, Any]:
    """Profile ``dossiers`` happy-path dossiers on ``url`` and summarise the profile."""
    eng, clock = make_engine(url)
    try:
        for _ in range(3):
            run_happy_dossier(eng, clock)
        calls = _count_statements(eng)
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        for _ in range(dossiers):
            run_happy_dossier(eng, clock)
        profiler.disable()
        elapsed = time.perf_counter() - start
        calls.stop()
    finally:
        eng.db.dispose()
    stats = pstats.Stats(profiler)
    steps = dossiers * 5
    return {
        "dossiers": dossiers,
        "wall_ms_per_dossier_under_profiler": elapsed * 1000 / dossiers,
        "self_time_share": _categories(stats),
        "stage_ms_per_step": _stages(stats, steps),
        "sql_statements_per_call": calls.per_call(),
        "hottest_self_time": _hottest(stats, 15),
    }


class _StatementCounter:
    """Count SQL statements per public engine call (submit, complete, list_tasks)."""

    def __init__(self, eng: Any) -> None:
        self.eng, self.current = eng, "other"
        self.statements: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.originals = {}
        for name in ("submit", "complete", "list_tasks"):
            original = getattr(eng, name)
            self.originals[name] = original
            setattr(eng, name, self._wrap(name, original))
        event.listen(eng.db.engine, "before_cursor_execute", self._count)

    def _wrap(self, name: str, original: Any) -> Any:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            self.current = name
            self.calls[name] += 1
            try:
                return original(*args, **kwargs)
            finally:
                self.current = "other"

        return wrapped

    def _count(self, *_args: Any) -> None:
        self.statements[self.current] += 1

    def stop(self) -> None:
        event.remove(self.eng.db.engine, "before_cursor_execute", self._count)
        for name, original in self.originals.items():
            setattr(self.eng, name, original)

    def per_call(self) -> dict[str, float]:
        return {k: self.statements[k] / n for k, n in self.calls.items() if n}


def _count_statements(eng: Any) -> _StatementCounter:
    return _StatementCounter(eng)


def _label(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    return f"{filename}:{line}({name})" if line else name


def _categories(stats: pstats.Stats) -> dict[str, float]:
    totals: Counter[str] = Counter()
    for func, (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        label = _label(func)
        category = next((c for frag, c in CATEGORIES if frag in label), "other (stdlib, glue)")
        totals[category] += tottime
    grand = sum(totals.values()) or 1.0
    return {k: round(v / grand, 4) for k, v in totals.most_common()}


def _stages(stats: pstats.Stats, steps: int) -> dict[str, dict[str, float]]:
    out = {}
    for label, suffix, name in STAGES:
        cum, calls = 0.0, 0
        for (filename, _line, fname), (_cc, nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            if fname == name and filename.endswith(suffix):
                cum, calls = cum + ct, calls + nc
        out[label] = {"ms_per_step": round(cum * 1000 / steps, 3), "calls_per_step": calls / steps}
    return out


def _hottest(stats: pstats.Stats, limit: int) -> list[dict[str, Any]]:
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)  # type: ignore[attr-defined]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return [
        {
            "function": _label(func).replace(root + "/", "").split("site-packages/")[-1],
            "self_s": round(tt, 3),
            "calls": nc,
        }
        for func, (_cc, nc, tt, _ct, _callers) in rows[:limit]
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dossiers", type=int, default=300)
    p.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--pg-url", default=os.environ.get("LIENTHONG_TEST_PG_URL") or DEFAULT_PG_URL)
    p.add_argument(
        "--timed", action="store_true", help="time the engine's stages instead of cProfile"
    )
    args = p.parse_args(argv)
    measure = time_stages if args.timed else profile_backend
    report = {}
    if args.backend in ("sqlite", "both"):
        with sqlite_url() as url:
            report["sqlite"] = measure(url, args.dossiers)
    if args.backend in ("postgresql", "both"):
        with postgres_url(args.pg_url) as url:
            report["postgresql"] = measure(url, args.dossiers)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

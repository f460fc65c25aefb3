"""The measurements: persisted and in-memory throughput, load by history length, parse times.

Each function takes sizes and returns plain numbers so ``bench/engine.py`` can put them in
its JSON; none of them asserts anything about speed.
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, event, insert, select

from bench.world import (
    APPLICANT,
    FORM_DATA,
    HAPPY_PATH,
    START,
    make_engine,
    open_engine,
    open_task,
    run_happy_dossier,
    template_bytes,
)
from engine.model_parser import parse_model
from engine.models import Dossier, ProcessVersion, WorkflowState
from engine.runtime import Engine
from engine.script_engine import LienThongScriptEngine
from engine.state import StoredState, load_specs, load_state

WARMUP_DOSSIERS = 3
#: How long the parent waits for a benchmark process before giving up.
PARALLEL_TIMEOUT_S = 900


def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    """Median wall time of ``fn`` in milliseconds over ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def persisted_throughput(url: str, dossiers: int) -> dict[str, Any]:
    """Push ``dossiers`` through the engine on ``url``; rate plus SQL statements per dossier."""
    eng, clock = make_engine(url)
    try:
        for _ in range(WARMUP_DOSSIERS):
            run_happy_dossier(eng, clock)
        counts = {"statements": 0, "checkouts": 0}

        def statement(*_args: Any) -> None:
            counts["statements"] += 1

        def checkout(*_args: Any) -> None:
            counts["checkouts"] += 1

        event.listen(eng.db.engine, "before_cursor_execute", statement)
        event.listen(eng.db.engine.pool, "checkout", checkout)
        start, cpu = time.perf_counter(), time.process_time()
        codes = [run_happy_dossier(eng, clock) for _ in range(dossiers)]
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        event.remove(eng.db.engine, "before_cursor_execute", statement)
        event.remove(eng.db.engine.pool, "checkout", checkout)
        _check_all_returned(eng, codes)
        return {
            "dossiers_per_s": dossiers / elapsed,
            "ms_per_dossier": elapsed * 1000 / dossiers,
            "client_cpu_ms_per_dossier": cpu * 1000 / dossiers,
            "sql_statements_per_dossier": counts["statements"] / dossiers,
            "connection_checkouts_per_dossier": counts["checkouts"] / dossiers,
            "server_version": _server_version(eng),
        }
    finally:
        eng.db.dispose()


def _check_all_returned(eng: Engine, codes: list[str]) -> None:
    with eng.db.read() as s:
        statuses = set(
            s.execute(select(Dossier.status).where(Dossier.code.in_(codes))).scalars().all()
        )
    if statuses != {"result_returned"}:
        raise RuntimeError(f"benchmark dossiers did not all finish: statuses {statuses}")


def _server_version(eng: Engine) -> str:
    with eng.db.engine.connect() as conn:
        info = conn.dialect.server_version_info
    return ".".join(str(part) for part in info or ())


def memory_throughput(dossiers: int, *, stock_script_engine: bool = False) -> dict[str, Any]:
    """The same path purely in SpiffWorkflow, nothing persisted: the ceiling.

    By default the engine's own script engine evaluates the model's conditions and timer
    (what a persisted step runs too); ``stock_script_engine`` uses Spiff's plain one instead.
    """
    one = _memory_dossier(stock_script_engine)
    for _ in range(WARMUP_DOSSIERS):
        one()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(dossiers):
        one()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "dossiers_per_s": dossiers / elapsed,
        "ms_per_dossier": elapsed * 1000 / dossiers,
        "client_cpu_ms_per_dossier": cpu * 1000 / dossiers,
    }


def _memory_dossier(stock_script_engine: bool = False) -> Callable[[], None]:
    """A function that runs one dossier's happy path in memory (spec parsed once, here)."""
    parsed = parse_model(template_bytes())
    if stock_script_engine:
        script_engine: Any = PythonScriptEngine()
    else:
        script_engine = LienThongScriptEngine()
    due = (START + timedelta(days=7)).isoformat()
    base = {"dossier_code": "000.00.00.H56-261125-0001", "dossier_due": due}

    def one() -> None:
        wf = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=script_engine)
        wf.task_tree.data.update(base, applicant=APPLICANT, form=FORM_DATA)
        wf.do_engine_steps()
        for bpmn_id, _user, data in HAPPY_PATH:
            task = _ready(wf, bpmn_id)
            task.set_data(**data, decision="complete", **base)
            task.run()
            wf.do_engine_steps()
        if not wf.is_completed():
            raise RuntimeError("in-memory dossier did not complete")

    return one


def persisted_throughput_parallel(url: str, dossiers: int, processes: int) -> dict[str, Any]:
    """``processes`` processes push ``dossiers`` each through one database at the same time.

    The product runs several web and worker processes; one Python process cannot use both
    cores of the machine, nor overlap its own CPU with the database's round trips and
    commit flushes. The rate is all dossiers over the span from the first process's start
    to the last one's end, measured after every process has warmed up.
    """
    eng, _clock = make_engine(url)
    try:
        results = _in_processes(_persisted_worker, processes, url, dossiers)
        _check_all_returned(eng, [code for r in results for code in r["codes"]])
    finally:
        eng.db.dispose()
    return _parallel_summary(results, dossiers, processes)


def memory_throughput_parallel(dossiers: int, processes: int) -> dict[str, Any]:
    """The in-memory ceiling with the same number of processes: the like-for-like ceiling."""
    results = _in_processes(_memory_worker, processes, dossiers)
    return _parallel_summary(results, dossiers, processes)


def _parallel_summary(results: list[dict], dossiers: int, processes: int) -> dict[str, Any]:
    span = max(r["end"] for r in results) - min(r["start"] for r in results)
    total = dossiers * processes
    return {
        "dossiers_per_s": total / span,
        "processes": processes,
        "dossiers": total,
        "client_cpu_ms_per_dossier": sum(r["cpu"] for r in results) * 1000 / total,
    }


def _in_processes(target: Callable[..., None], processes: int, *args: Any) -> list[dict]:
    """Run ``target(*args, barrier, results)`` in fresh processes; gather what each reports."""
    mp = multiprocessing.get_context("spawn")  # no inherited connections or engine state
    barrier, results = mp.Barrier(processes), mp.Queue()
    workers = [mp.Process(target=target, args=(*args, barrier, results)) for _ in range(processes)]
    for w in workers:
        w.start()
    try:
        out = [results.get(timeout=PARALLEL_TIMEOUT_S) for _ in workers]
    finally:
        for w in workers:
            w.join(timeout=PARALLEL_TIMEOUT_S)
    failed = [r["error"] for r in out if "error" in r]
    if failed:
        raise RuntimeError(f"a benchmark process failed: {failed[0]}")
    return out


def _persisted_worker(url: str, dossiers: int, barrier: Any, results: Any) -> None:
    try:
        eng, clock = open_engine(url)
        for _ in range(WARMUP_DOSSIERS):
            run_happy_dossier(eng, clock)
        barrier.wait()
        start, cpu = time.monotonic(), time.process_time()
        codes = [run_happy_dossier(eng, clock) for _ in range(dossiers)]
        end, cpu = time.monotonic(), time.process_time() - cpu
        eng.db.dispose()
        results.put({"start": start, "end": end, "cpu": cpu, "codes": codes})
    except Exception as exc:  # reported to the parent, which raises it
        barrier.abort()
        results.put({"error": repr(exc)})


def _memory_worker(dossiers: int, barrier: Any, results: Any) -> None:
    try:
        one = _memory_dossier()
        for _ in range(WARMUP_DOSSIERS):
            one()
        barrier.wait()
        start, cpu = time.monotonic(), time.process_time()
        for _ in range(dossiers):
            one()
        end, cpu = time.monotonic(), time.process_time() - cpu
        results.put({"start": start, "end": end, "cpu": cpu})
    except Exception as exc:
        barrier.abort()
        results.put({"error": repr(exc)})


def _ready(wf: BpmnWorkflow, bpmn_id: str) -> Any:
    for task in wf.get_tasks(state=TaskState.READY, manual=True):
        if task.task_spec.bpmn_id == bpmn_id:
            return task
    raise RuntimeError(f"no ready {bpmn_id} task in the in-memory workflow")


def load_by_history(url: str, lengths: list[int], repeat: int) -> dict[str, Any]:
    """Time ``load_state`` of one dossier's stored state after each of ``lengths`` steps.

    History comes from supplementation rounds (two finished steps each). Each length is also
    measured one step later, so both sides of a comparison can wait at the same task.
    """
    eng, clock = make_engine(url)
    try:
        dossier = eng.submit("1.000894", applicant=APPLICANT, data=FORM_DATA)
        code = dossier.code
        receive = open_task(eng, code, "receive")
        eng.complete(receive.id, user="mc", data=HAPPY_PATH[0][2])
        wanted = sorted({n for length in lengths for n in (length, length + 1)})
        snapshots: dict[int, tuple[StoredState, str]] = {}
        steps = 1
        while steps <= wanted[-1]:
            if steps in wanted:
                snapshots[steps] = _snapshot(eng, dossier.id, steps)
            _one_history_step(eng, clock, code, steps)
            steps += 1
        with eng.db.read() as s:
            model = eng.models.get(s, s.get(ProcessVersion, dossier.version_id))
        out: dict[str, Any] = {}
        for n, (stored, waiting) in snapshots.items():

            def load(stored: StoredState = stored) -> Any:
                return load_state(stored, model.spec, model.subprocess_specs, eng.script_engine)

            load()
            out[str(n)] = {
                "ms": median_ms(load, repeat),
                "state_bytes": len(stored.blob),
                "waiting_at": waiting,
                "live_tasks": len(load().tasks),
            }
        return out
    finally:
        eng.db.dispose()


def _one_history_step(eng: Engine, clock: Any, code: str, steps: int) -> None:
    clock.advance(minutes=2)
    if steps % 2 == 1:
        task = open_task(eng, code, "appraise")
        eng.request_supplementation(task.id, user="cv", missing=["Bản sao CCCD"])
    else:
        task = open_task(eng, code, "supplement")
        eng.supplement(task.id, user="mc", data={"supplemented_documents": ["Bản sao CCCD"]})


def _snapshot(eng: Engine, dossier_id: int, steps: int) -> tuple[StoredState, str]:
    with eng.db.read() as s:
        row = s.get(WorkflowState, dossier_id)
        dossier = s.get(Dossier, dossier_id)
        stored = StoredState(row.format_version, bytes(row.state))
    if dossier.step_count != steps:
        raise RuntimeError(f"dossier has {dossier.step_count} finished steps, expected {steps}")
    tasks = eng.list_tasks(dossier_code=dossier.code)
    return stored, ",".join(sorted(t.bpmn_id for t in tasks))


def parse_and_state(url: str, repeat: int) -> dict[str, Any]:
    """Cold parse, warm restores (spec blob, memory hit) and the state of a waiting dossier."""
    xml = template_bytes()
    eng, clock = make_engine(url)
    try:
        code = eng.submit("1.000894", applicant=APPLICANT, data=FORM_DATA).code
        receive = open_task(eng, code, "receive")
        eng.complete(receive.id, user="mc", data=HAPPY_PATH[0][2])
        open_task(eng, code, "appraise")
        with eng.db.read() as s:
            dossier = s.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
            version = s.get(ProcessVersion, dossier.version_id)
            blob = bytes(version.spec_blob)
            state = bytes(s.get(WorkflowState, dossier.id).state)
            eng.models.get(s, version)
            hit_ms = median_ms(lambda: eng.models.get(s, version), repeat * 20)
        return {
            "parse_ms_cold": median_ms(lambda: parse_model(xml), repeat),
            "parse_ms_warm": median_ms(lambda: load_specs(blob), repeat),
            "parse_ms_memory_hit": hit_ms,
            "spec_blob_bytes": len(blob),
            "bpmn_bytes": len(xml),
            "state_bytes": len(state),
        }
    finally:
        eng.db.dispose()


def commit_floor_ms(url: str, repeat: int) -> float:
    """Median time of the smallest durable transaction (one-row INSERT, COMMIT) on ``url``.

    Every step of a dossier is one such commit at least, and the database waits for its
    log to reach the disk before answering: this is the floor a step cannot go under.
    """
    table = Table("bench_commit_floor", MetaData(), Column("id", Integer, primary_key=True))
    eng = create_engine(url)
    try:
        table.create(eng)
        with eng.connect() as conn:

            def one() -> None:
                conn.execute(insert(table).values())
                conn.commit()

            one()
            return median_ms(one, repeat)
    finally:
        table.drop(eng, checkfirst=True)
        eng.dispose()

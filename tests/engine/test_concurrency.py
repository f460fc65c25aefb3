"""One writer per dossier: racing completions, racing submissions, stale versions."""

from __future__ import annotations

import multiprocessing
import re
import threading
from datetime import datetime
from typing import Any

import pytest

from engine.errors import Conflict, LienThongError
from engine.models import AuditEvent, Dossier, ProcessVersion
from tests.engine.conftest import AGENCY, APPLICANT, KET_HON, TEST_PROC, Officers, count

SPAWN = multiprocessing.get_context("spawn")
LOSERS = {"Conflict", "TaskNotReady"}


def _engine(url: str, start: str) -> Any:
    from engine.clock import ManualClock
    from engine.runtime import Engine
    from engine.settings import load

    return Engine(load({"database_url": url}), clock=ManualClock(datetime.fromisoformat(start)))


def _outcome(call: Any) -> tuple[str, str]:
    try:
        call()
        return "ok", ""
    except LienThongError as exc:
        return type(exc).__name__, str(exc)
    except Exception as exc:  # noqa: BLE001 - a crash is a result the test must see
        return "crash", repr(exc)


def complete_worker(url: str, start: str, user: str, task_ids: list[str], barrier, out) -> None:
    """Child process: complete each task at the same moment as the other child."""
    e = _engine(url, start)
    try:
        with e.db.read() as s:  # warm the model cache so the race is on the step itself
            for version in s.query(ProcessVersion).all():
                e.models.get(s, version)
        for task_id in task_ids:
            e.task(task_id)
            barrier.wait(timeout=60)
            data = {"opinion": f"ý kiến của {user}"}
            result = _outcome(lambda t=task_id, d=data: e.complete(t, user=user, data=d))
            out.put((task_id, user, *result))
    finally:
        e.db.dispose()


def submit_worker(url: str, start: str, n: int, barrier, out) -> None:
    """Child process: submit ``n`` dossiers as fast as it can, alongside the other child."""
    e = _engine(url, start)
    try:
        barrier.wait(timeout=60)
        for _ in range(n):
            d = e.submit(KET_HON, applicant=dict(APPLICANT), actor="mc")
            out.put(d.code)
    finally:
        e.db.dispose()


def _run(procs: list[Any]) -> None:
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=180)
    codes = [p.exitcode for p in procs]
    assert codes == [0] * len(procs), f"child processes failed: exit codes {codes}"


def _drain(queue: Any, n: int) -> list[Any]:
    return [queue.get(timeout=30) for _ in range(n)]


def test_two_processes_complete_the_same_task(db_url, engine, officers: Officers, clock) -> None:
    races = 4
    dossiers = [officers.submit(TEST_PROC) for _ in range(races)]
    for d in dossiers:
        officers.walk(d, ["receive"])
    tasks = [officers.task(d, "appraise") for d in dossiers]
    versions = {d.id: engine.dossier(d.code).lock_version for d in dossiers}
    barrier, out = SPAWN.Barrier(2), SPAWN.Queue()
    start, ids = clock.now().isoformat(), [t.id for t in tasks]
    _run(
        [
            SPAWN.Process(target=complete_worker, args=(db_url, start, user, ids, barrier, out))
            for user in ("cv", "cv2")
        ]
    )
    results = _drain(out, 2 * races)
    for d, task in zip(dossiers, tasks, strict=True):
        mine = [r for r in results if r[0] == task.id]
        outcomes = sorted(r[2] for r in mine)
        assert "crash" not in outcomes, mine
        assert outcomes.count("ok") == 1, mine
        assert set(outcomes) - {"ok"} <= LOSERS, mine
        winner = next(r[1] for r in mine if r[2] == "ok")
        assert engine.task(task.id).completed_by == winner
        completions = [
            ev for ev in engine.history(d.id) if ev.action == "complete" and ev.task_id == task.id
        ]
        assert len(completions) == 1 and completions[0].actor == winner
        assert engine.dossier(d.code).lock_version == versions[d.id] + 1
        assert officers.open_steps(d) == ["approve"]


def test_two_threads_complete_the_same_task(engine, officers: Officers) -> None:
    d = officers.submit(TEST_PROC)
    officers.walk(d, ["receive"])
    task = officers.task(d, "appraise")
    barrier, results = threading.Barrier(2), []

    def work(user: str) -> None:
        barrier.wait(timeout=30)
        results.append(_outcome(lambda: engine.complete(task.id, user=user, data={"opinion": "x"})))

    threads = [threading.Thread(target=work, args=(u,)) for u in ("cv", "cv2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    kinds = sorted(r[0] for r in results)
    assert kinds[0] in LOSERS and kinds[1] == "ok", results
    assert officers.open_steps(d) == ["approve"]


def _assert_codes(codes: list[str], n: int) -> None:
    assert len(codes) == n
    assert len(set(codes)) == n, "duplicate dossier codes"
    seqs = sorted(int(re.fullmatch(rf"{re.escape(AGENCY)}-261125-(\d{{4}})", c)[1]) for c in codes)
    assert seqs == list(range(1, n + 1))


def test_concurrent_submissions_from_processes_get_unique_codes(db_url, engine, clock) -> None:
    per_child, children = 10, 2
    barrier, out = SPAWN.Barrier(children), SPAWN.Queue()
    start = clock.now().isoformat()
    _run(
        [
            SPAWN.Process(target=submit_worker, args=(db_url, start, per_child, barrier, out))
            for _ in range(children)
        ]
    )
    codes = _drain(out, per_child * children)
    _assert_codes(codes, per_child * children)
    assert count(engine, Dossier) == per_child * children


def test_concurrent_submissions_from_threads_get_unique_codes(engine) -> None:
    per_thread, n_threads = 5, 6
    barrier, codes, errors = threading.Barrier(n_threads), [], []

    def work() -> None:
        barrier.wait(timeout=30)
        for _ in range(per_thread):
            try:
                codes.append(engine.submit(KET_HON, applicant=dict(APPLICANT)).code)
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc))

    threads = [threading.Thread(target=work) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    _assert_codes(codes, per_thread * n_threads)


def test_a_stale_expected_version_is_a_conflict(engine, officers: Officers) -> None:
    d = officers.submit(TEST_PROC)
    seen = engine.dossier(d.code).lock_version
    receive = officers.task(d, "receive")
    engine.complete(receive.id, user="mc", data={}, expected_version=seen)
    appraise = officers.task(d, "appraise")
    before = (engine.dossier(d.code).lock_version, count(engine, AuditEvent))
    with pytest.raises(Conflict, match="hãy tải lại"):
        engine.complete(appraise.id, user="cv", data={"opinion": "x"}, expected_version=seen)
    assert (engine.dossier(d.code).lock_version, count(engine, AuditEvent)) == before
    assert engine.task(appraise.id).state == "open"
    fresh = engine.dossier(d.code).lock_version
    engine.complete(appraise.id, user="cv", data={"opinion": "x"}, expected_version=fresh)
    assert officers.open_steps(d) == ["approve"]

"""The step's lock statement: one read for the dossier, its state and its open task rows."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select

from engine import steps
from engine.models import TaskRow
from tests.engine.conftest import FORM_DATA, TEST_PROC, Officers


def test_a_step_that_waited_for_the_lock_reads_the_task_rows_the_other_step_left(
    engine, officers: Officers, monkeypatch
) -> None:
    """The open rows come with the lock; after a wait they are read again, not used stale.

    One step (completing appraise) holds the dossier's lock; a withdrawal waits for it.
    The withdrawal must see approve open and appraise done: cancelling the task rows it
    read before the wait would cancel the finished appraise and leave approve open forever.
    """
    d = officers.submit(TEST_PROC)
    officers.walk(d, ["receive"])
    appraise = officers.task(d, "appraise")
    holding, release = threading.Event(), threading.Event()
    real_save = steps.save_state

    def slow_save(workflow: Any, **kw: Any) -> Any:  # the first step waits here, its lock held
        if not holding.is_set():
            holding.set()
            assert release.wait(30)
        return real_save(workflow, **kw)

    monkeypatch.setattr(steps, "save_state", slow_save)
    errors: list[BaseException] = []

    def complete() -> None:
        try:
            engine.complete(appraise.id, user="cv", data=FORM_DATA["appraise"])
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    first = threading.Thread(target=complete)
    first.start()
    assert holding.wait(30)
    waiting = threading.Thread(target=lambda: engine.withdraw(d.code, actor="mc", reason="rút"))
    waiting.start()
    waiting.join(1.0)
    assert waiting.is_alive()  # blocked on the dossier's lock
    release.set()
    first.join(30)
    waiting.join(30)
    assert not errors and not first.is_alive() and not waiting.is_alive()
    with engine.db.read() as s:
        rows = s.execute(select(TaskRow.bpmn_id, TaskRow.state).where(TaskRow.dossier_id == d.id))
        states = {bpmn_id: state for bpmn_id, state in rows}
    assert states == {"receive": "completed", "appraise": "completed", "approve": "cancelled"}
    assert engine.dossier(d.code).status == "withdrawn"

"""One walk of the task tree gives each stage of a step what its own ``get_tasks`` call gave."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from SpiffWorkflow.util.task import TaskState

from engine import steps
from engine.live_tasks import walk
from tests.engine.conftest import KET_HON, Officers, restore
from tests.engine.test_timers import KET_HON_DUE, MINUTE

READY, WAITING, STARTED, COMPLETED = (
    TaskState.READY,
    TaskState.WAITING,
    TaskState.STARTED,
    TaskState.COMPLETED,
)


def assert_walk_matches_get_tasks(workflow: Any) -> None:
    live = walk(workflow)
    assert live.ready == workflow.get_tasks(state=READY)
    assert live.waiting == workflow.get_tasks(state=WAITING)
    assert live.seen == workflow.get_tasks(state=COMPLETED | READY | WAITING | STARTED)
    assert live.finished_or_ready() == workflow.get_tasks(state=COMPLETED | READY)


def test_the_walk_matches_get_tasks_along_a_dossier(
    engine, officers: Officers, monkeypatch
) -> None:
    checked: list[Any] = []

    def checking_walk(workflow: Any) -> Any:  # every walk a step takes, on the live tree
        assert_walk_matches_get_tasks(workflow)
        checked.append(workflow)
        return walk(workflow)

    monkeypatch.setattr(steps, "walk", checking_walk)
    d = officers.submit(KET_HON)
    path = [
        "receive",  # into the subprocess, with the lateness timer waiting beside it
        ("appraise", "supplement"),
        "supplement",
        "appraise",
    ]
    workflows = [restore(engine, d.id)]
    for item in path:
        step, action = (item, "complete") if isinstance(item, str) else item
        officers.do(d, step, action)
        workflows.append(restore(engine, d.id))
    engine.tick(KET_HON_DUE + MINUTE)  # late: the apology letter opens beside approve
    workflows.append(restore(engine, d.id))
    engine.clock.set(KET_HON_DUE + timedelta(hours=2))
    for step in ("apology_letter", "approve", "return_result"):
        officers.do(d, step)
        workflows.append(restore(engine, d.id))
    assert any(wf.get_tasks(state=WAITING) for wf in workflows)
    assert any(wf.subprocesses for wf in workflows)
    assert workflows[-1].is_completed()
    assert len(checked) >= len(workflows) - 1  # every step walked its live tree
    for wf in workflows:
        assert_walk_matches_get_tasks(wf)

"""One walk over a workflow's task tree, shared by the stages of a step that read it.

The end of a step asks the tree several questions — is an engine task still ready, which
user tasks are ready, which timers wait, which tasks carry a citizen notice or a decision's
data — and each ``get_tasks`` call walks the whole tree. Once the workflow has advanced
nothing in the step changes a task's state, so one walk answers them all.

The walk is SpiffWorkflow's own iterator with a filter whose state mask makes it descend
exactly as those calls did: every task that is not merely predicted, and no finished
subprocess (``get_tasks(state=…)`` with READY, WAITING, COMPLETED|READY or
COMPLETED|READY|WAITING|STARTED all traverse that way). So each list below holds the tasks,
in the order, that the matching ``get_tasks`` call returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.util.task import BpmnTaskFilter, BpmnTaskIterator
from SpiffWorkflow.util.task import TaskState

_READY, _WAITING, _STARTED, _COMPLETED = (
    TaskState.READY,
    TaskState.WAITING,
    TaskState.STARTED,
    TaskState.COMPLETED,
)
#: States some stage of a step reads; the walk returns tasks in these states only.
_READ = _READY | _WAITING | _STARTED | _COMPLETED


class _Walk(BpmnTaskFilter):
    """Descend like a filter on a definite state; return every task a stage reads."""

    def __init__(self) -> None:
        super().__init__(state=TaskState.DEFINITE_MASK)

    def matches(self, task: Any) -> bool:
        return bool(task.state & _READ)


@dataclass
class LiveTasks:
    """The tasks of one walk, by the state the stages ask for, in the walk's order."""

    ready: list[Any] = field(default_factory=list)
    waiting: list[Any] = field(default_factory=list)
    #: COMPLETED, READY, WAITING or STARTED: where task data (notices, decisions) is read.
    seen: list[Any] = field(default_factory=list)

    def finished_or_ready(self) -> list[Any]:
        """``get_tasks(state=COMPLETED | READY)``."""
        return [t for t in self.seen if t.state & (_COMPLETED | _READY)]


def walk(workflow: Any) -> LiveTasks:
    out = LiveTasks()
    for task in BpmnTaskIterator(workflow.task_tree, task_filter=_Walk()):
        state = task.state
        if state & _READY:
            out.ready.append(task)
        elif state & _WAITING:
            out.waiting.append(task)
        out.seen.append(task)
    return out

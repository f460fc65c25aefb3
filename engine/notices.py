"""Notices to the citizen: what happened to their dossier and what to do next, kept on record.

A model writes a notice as task data, ``citizen_notice = {"id", "title", "what_happened",
"what_to_do", ...}`` (typically from a script task after a partner refused). At the end of
every step the engine records each notice it has not recorded yet as a ``citizen_notice``
audit event of the dossier — append-only, so what the citizen was told cannot be rewritten —
and remembers its id in the workflow's own data. `Engine.notices(dossier)` lists them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .jsonutil import jsonable

if TYPE_CHECKING:
    from .steps import StepContext

DATA_KEY = "citizen_notice"
RECORDED_KEY = "lt_recorded_notices"
REQUIRED = ("id", "title", "what_happened", "what_to_do")
_NOT_DETAIL = frozenset({"id", "at", "actor", "action", "dossier_id", "task_id", "from_state",
                         "to_state", "notice", "step"})  # fmt: skip


def record_notices(ctx: StepContext) -> list[str]:
    """Audit every notice the workflow's data holds that is not recorded yet; return their ids."""
    wf = ctx.workflow
    recorded = list(wf.data.get(RECORDED_KEY) or [])
    new: list[str] = []
    for task in ctx.live_tasks().seen:  # COMPLETED, READY, WAITING or STARTED
        notice = task.data.get(DATA_KEY)
        if not _valid(notice) or str(notice["id"]) in recorded:
            continue
        nid = str(notice["id"])
        recorded.append(nid)
        new.append(nid)
        detail = {k: jsonable(v) for k, v in notice.items() if k not in _NOT_DETAIL}
        ctx.audit("citizen_notice", notice=nid, step=task.task_spec.bpmn_id, **detail)
    if new:
        wf.data[RECORDED_KEY] = recorded
    return new


def _valid(notice: Any) -> bool:
    return isinstance(notice, dict) and all(str(notice.get(k) or "").strip() for k in REQUIRED)

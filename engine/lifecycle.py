"""Dossier status and the legal clock: what a step means for the citizen's deadline.

Statuses follow the ones real provincial systems report: received, in_process,
supplement_requested, settled (result ready), result_returned, refused, withdrawn.
Supplementation pauses the clock; the due date moves by the working time spent waiting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select, update

from .models import TaskRow, Timer

if TYPE_CHECKING:
    from .steps import StepContext

#: The user task whose appearance means the result is ready to hand back (the template's id).
SETTLING_TASK = "return_result"
#: Forms/ids of the task at which the citizen's supplement is received.
SUPPLEMENT_TASKS = frozenset({"supplement"})

FINAL = frozenset({"result_returned", "refused", "withdrawn"})


class Lifecycle:
    def update_status(self, ctx: StepContext) -> None:
        d, wf = ctx.dossier, ctx.workflow
        before = d.status
        if d.status in FINAL:
            return
        if wf.is_completed():
            d.status = "refused" if d.outcome == "refused" else "result_returned"
            d.outcome = d.outcome or "settled"
            d.finished_at = ctx.now
            if d.settled_at is None and d.outcome != "refused":
                d.settled_at = ctx.now
            self._clear_timers(ctx)
        elif d.paused_at is not None:
            d.status = "supplement_requested"
        elif any(r.bpmn_id == SETTLING_TASK for r in self._open(ctx)):
            d.status = "settled"
            if d.settled_at is None:
                d.settled_at = ctx.now
                ctx.fire_timers("dossier_late")  # a settled dossier can no longer be late
        elif d.step_count > 0:
            d.status = "in_process"
        if d.status != before:
            ctx.audit("status", from_state=before, to_state=d.status)

    def pause(self, ctx: StepContext) -> None:
        d = ctx.dossier
        if d.paused_at is None:
            d.paused_at = ctx.now
            ctx.audit("clock_paused", detail_due=_iso(d.due_at))

    def resume(self, ctx: StepContext) -> None:
        d, cal = ctx.dossier, ctx.engine.calendar
        if d.paused_at is None:
            return
        waited = cal.working_seconds_between(d.paused_at, ctx.now)
        old_due = d.due_at
        if d.due_at is not None:
            d.due_at = cal.add_working_seconds(d.due_at, waited)
            moved = (
                _timers_sql(ctx)
                .execute(_MOVE_DOSSIER_LATE, {"dossier_of": d.id, "new_due": d.due_at})
                .rowcount
            )
            if not moved:
                ctx.add_timer("dossier_late", d.due_at)
        d.paused_seconds += waited
        d.paused_at = None
        ctx.audit(
            "clock_resumed",
            paused_working_seconds=waited,
            old_due=_iso(old_due),
            new_due=_iso(d.due_at),
        )

    def _open(self, ctx: StepContext) -> list[TaskRow]:
        """The rows open after this step: the sync already knows them, else ask the database."""
        if ctx.synced is not None:
            return ctx.synced.open_rows
        ctx.session.flush()
        return list(
            ctx.session.execute(
                select(TaskRow).where(TaskRow.dossier_id == ctx.dossier.id, TaskRow.state == "open")
            ).scalars()
        )

    def _clear_timers(self, ctx: StepContext) -> None:
        ctx.fire_timers()


_TIMERS = Timer.__table__
_MOVE_DOSSIER_LATE = (
    update(_TIMERS)
    .where(
        _TIMERS.c.dossier_id == bindparam("dossier_of"),
        _TIMERS.c.kind == "dossier_late",
        _TIMERS.c.fired_at.is_(None),
    )
    .values(due_at=bindparam("new_due"))
)


def _timers_sql(ctx: StepContext) -> Any:
    """The connection for Core timer statements, with the step's queued timers written first.

    Timers this step created must be in the table before a statement that moves them.
    """
    ctx.write_timers()
    if any(isinstance(obj, Timer) for obj in ctx.session.new):
        ctx.session.flush()
    return ctx.session.connection()


def _iso(value) -> str | None:  # noqa: ANN001
    return value.isoformat() if value is not None else None

"""Dossier status and the legal clock: what a step means for the citizen's deadline.

Statuses follow the ones real provincial systems report: received, in_process,
supplement_requested, settled (result ready), result_returned, refused, withdrawn.
Supplementation pauses the clock; the due date moves by the working time spent waiting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select, update

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
                ctx.session.execute(
                    update(Timer)
                    .where(
                        Timer.dossier_id == d.id,
                        Timer.kind == "dossier_late",
                        Timer.fired_at.is_(None),
                    )
                    .values(fired_at=ctx.now)
                )
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
            ctx.session.execute(
                update(Timer)
                .where(
                    Timer.dossier_id == d.id, Timer.kind == "dossier_late", Timer.fired_at.is_(None)
                )
                .values(due_at=d.due_at)
            )
            if not ctx.session.execute(
                select(Timer.id).where(
                    Timer.dossier_id == d.id, Timer.kind == "dossier_late", Timer.fired_at.is_(None)
                )
            ).first():
                ctx.session.add(Timer(dossier_id=d.id, kind="dossier_late", due_at=d.due_at))
        d.paused_seconds += waited
        d.paused_at = None
        ctx.audit(
            "clock_resumed",
            paused_working_seconds=waited,
            old_due=_iso(old_due),
            new_due=_iso(d.due_at),
        )

    def _open(self, ctx: StepContext) -> list[TaskRow]:
        ctx.session.flush()
        return list(
            ctx.session.execute(
                select(TaskRow).where(TaskRow.dossier_id == ctx.dossier.id, TaskRow.state == "open")
            ).scalars()
        )

    def _clear_timers(self, ctx: StepContext) -> None:
        ctx.session.execute(
            update(Timer)
            .where(Timer.dossier_id == ctx.dossier.id, Timer.fired_at.is_(None))
            .values(fired_at=ctx.now)
        )


def _iso(value) -> str | None:  # noqa: ANN001
    return value.isoformat() if value is not None else None

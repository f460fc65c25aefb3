"""The scheduler's entry point: fire what is due — BPMN timers, step warnings, escalations,
late dossiers, service retries and the outbox sweep (``engine.sweeper``) — by the engine's
clock, never the wall clock directly; and move the dashboard summary's watermark to the last
midnight (``engine.metrics_summary``), so that no dashboard read has to."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from . import metrics_summary
from .models import TaskRow, Timer
from .service_jobs import AlreadyDone

if TYPE_CHECKING:
    from .runtime import Engine
    from .steps import StepContext


class Ticks:
    def tick(self: Engine, now: datetime | None = None, *, limit: int = 1000) -> dict[str, int]:
        now = now or self.clock.now()
        report: Counter[str] = Counter()
        with self.db.read() as s:
            due = s.execute(
                select(Timer.id, Timer.dossier_id)
                .where(Timer.fired_at.is_(None), Timer.due_at <= now)
                .order_by(Timer.due_at)
                .limit(limit)
            ).all()
        by_dossier: dict[int, list[int]] = defaultdict(list)
        for timer_id, dossier_id in due:
            by_dossier[dossier_id].append(timer_id)
        for dossier_id, timer_ids in by_dossier.items():
            try:
                fired = self._step(
                    dossier_id, "system", lambda ctx, ids=timer_ids: _fire(ctx, ids), now=now
                )
            except AlreadyDone:
                continue  # another scheduler fired them meanwhile: no step, no trace
            report.update(fired)
        # Retries that came due, and jobs or messages committed but never picked up.
        report.update(self.sweep(now, limit=limit))
        from .portal_sync import push_all

        report.update(push_all(self, now))  # portal outbox and notifications
        _advance_summary(self, now)
        return dict(report)


#: The most local days one tick adds to the dashboard summary: a day after each midnight,
#: a month per tick to catch up after the scheduler was down or to rebuild a new layout
#: (at a million dossiers over two years, a month is a few seconds of one tick).
SUMMARY_DAYS_PER_TICK = 31


def _advance_summary(engine: Engine, now: datetime) -> None:
    """Summarise the days ended since the watermark, a bounded number of them per tick.

    Nothing to do (the mark is at the last midnight) costs one primary-key read, and no
    write transaction (SQLite's lock is not taken every minute). The mark never passes
    the engine's clock: a tick ``--now`` in the future must not summarise days whose events
    are still to be written. What it does is not in the tick's report, which says what fired.
    """
    upto = min(now, engine.clock.now())
    if metrics_summary.is_stale(engine, upto):
        metrics_summary.advance(engine, upto, days=SUMMARY_DAYS_PER_TICK)


def _fire(ctx: StepContext, timer_ids: list[int]) -> Counter[str]:
    fired: Counter[str] = Counter()
    d = ctx.dossier
    acted = False
    for timer_id in timer_ids:
        timer = ctx.session.get(Timer, timer_id)
        if timer is None or timer.fired_at is not None:
            continue  # fired by another scheduler, or replaced by a newer timer
        timer.fired_at, acted = ctx.now, True
        if timer.kind == "bpmn":
            ctx.workflow.refresh_timers()
            ctx.bpmn_timers_before = None  # its row is fired now: rewrite the BPMN rows
        elif timer.kind == "step_warning":
            ctx.audit("near_due", task_id=timer.task_id)
        elif timer.kind == "step_late":
            row = ctx.session.get(TaskRow, timer.task_id)
            if row is not None and row.state == "open":
                row.escalated_at = ctx.now
                ctx.audit(
                    "escalated",
                    task_id=row.id,
                    step=row.bpmn_id,
                    to_role=ctx.engine.settings.escalation_role,
                    agency=row.agency_code,
                )
        elif timer.kind == "dossier_late":
            if d.paused_at is not None or d.settled_at is not None or d.finished_at is not None:
                continue
            if not d.late:
                d.late = True
                ctx.audit("late", due=d.due_at.isoformat() if d.due_at else None)
        fired[timer.kind] += 1
    if not acted:  # all fired by another scheduler meanwhile
        raise AlreadyDone("fired")
    return fired

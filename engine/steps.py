"""One step of one dossier: lock, load, act, advance, sync, save — in a single transaction.

Everything a step changes (workflow state, task rows, timers, jobs, audit) commits
together or not at all. The dossier row is locked for the whole step (``FOR UPDATE`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) and its ``lock_version`` checked and bumped, so
two writers on one dossier are serialised and a stale caller gets a clear conflict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from . import audit
from .errors import Conflict, NotFound
from .models import Dossier, Procedure, ProcessVersion, TaskRow, Timer, WorkflowState
from .specs import LoadedModel
from .state import StoredState, load_state, save_state
from .task_sync import SyncResult, sync

if TYPE_CHECKING:
    from .runtime import Engine

T = TypeVar("T")
MAX_ADVANCE_ROUNDS = 50
_READY = TaskState.READY


@dataclass
class StepContext:
    engine: Engine
    session: Session
    dossier: Dossier
    procedure: Procedure
    model: LoadedModel
    workflow: Any
    actor: str
    now: datetime
    synced: SyncResult | None = None
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    # -- where a lane's tasks go -------------------------------------------------
    def resolve_agency(self, lane_agency: str | None) -> str | None:
        if lane_agency in (None, "", "receiving"):
            return self.dossier.agency_code
        if lane_agency == "competent":
            return self.procedure.agency_code or self.dossier.agency_code
        return lane_agency

    # -- legal clock --------------------------------------------------------------
    def step_deadline(self, share: float | None) -> tuple[datetime | None, datetime | None]:
        """Return (due, warn) for a step given its share of the legal deadline."""
        d, cal = self.dossier, self.engine.calendar
        if d.due_at is None:
            return None, None
        if share is None and d.due_at <= self.now:
            # A step born after the legal deadline (the apology letter) gets one working day.
            due = cal.due_date(self.now, 1, "working_days")
        elif share is None:
            due = d.due_at
        elif share <= 0:
            due = min(cal.due_date(self.now, 0, "working_days"), max(d.due_at, self.now))
        else:
            total = cal.working_seconds_between(d.received_at, d.due_at) + d.paused_seconds
            due = min(cal.add_working_seconds(self.now, share * total), d.due_at)
        if due <= self.now:
            return due, due
        span = cal.working_seconds_between(self.now, due)
        warn = cal.add_working_seconds(self.now, span * (1 - self.engine.settings.warn_share))
        return due, warn

    def add_task_timers(self, row: TaskRow) -> None:
        if row.warn_at is not None and row.due_at is not None and row.warn_at < row.due_at:
            self.session.add(
                Timer(
                    dossier_id=self.dossier.id,
                    kind="step_warning",
                    task_id=row.id,
                    due_at=row.warn_at,
                )
            )
        if row.due_at is not None:
            self.session.add(
                Timer(
                    dossier_id=self.dossier.id, kind="step_late", task_id=row.id, due_at=row.due_at
                )
            )

    def drop_task_timers(self, task_id: str) -> None:
        self.session.execute(
            delete(Timer).where(Timer.task_id == task_id, Timer.fired_at.is_(None))
        )

    def audit(self, action: str, **kwargs: Any) -> None:
        audit.record(
            self.session,
            at=self.now,
            actor=self.actor,
            action=action,
            dossier_id=self.dossier.id,
            **kwargs,
        )

    def advance(self) -> None:
        """Run engine steps until only people, service jobs or timers can move the dossier."""
        wf = self.workflow
        for _ in range(MAX_ADVANCE_ROUNDS):
            wf.do_engine_steps()
            if not any(not t.task_spec.manual for t in wf.get_tasks(state=_READY)):
                return
        raise RuntimeError("workflow did not settle (engine-step loop without a wait state)")


def run_step(
    engine: Engine,
    dossier_id: int,
    actor: str,
    action: Callable[[StepContext], T],
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> T:
    from .clock import ManualClock, using

    when = now or engine.clock.now()
    with engine.db.write() as session:
        dossier = session.execute(
            select(Dossier).where(Dossier.id == dossier_id).with_for_update()
        ).scalar_one_or_none()
        if dossier is None:
            raise NotFound(f"dossier {dossier_id} does not exist")
        if expected_version is not None and dossier.lock_version != expected_version:
            raise Conflict(
                f"dossier {dossier.code} was changed by someone else "
                f"(version {dossier.lock_version}, you had {expected_version}); reload it"
            )
        ctx = _context(engine, session, dossier, actor, when)
        with using(ManualClock(when)):
            result = action(ctx)
            ctx.advance()
        finish_step(ctx)
    for callback in ctx.after_commit:
        callback()
    return result


def _context(
    engine: Engine, session: Session, dossier: Dossier, actor: str, now: datetime
) -> StepContext:
    version = session.get(ProcessVersion, dossier.version_id)
    model = engine.models.get(session, version)
    procedure = session.get(Procedure, dossier.procedure_code)
    wstate = session.get(WorkflowState, dossier.id)
    workflow = load_state(
        StoredState(wstate.format_version, wstate.state),
        model.spec,
        model.subprocess_specs,
        engine.script_engine,
    )
    return StepContext(engine, session, dossier, procedure, model, workflow, actor, now)


def finish_step(ctx: StepContext, *, new: bool = False) -> None:
    """Sync rows, save state and bump the dossier's version (same transaction)."""
    ctx.synced = sync(ctx)
    if not new:
        ctx.dossier.step_count += 1
    ctx.engine.lifecycle.update_status(ctx)
    stored = save_state(ctx.workflow)
    if new:
        ctx.session.add(
            WorkflowState(
                dossier_id=ctx.dossier.id,
                format_version=stored.format_version,
                state=stored.blob,
                updated_at=ctx.now,
            )
        )
    else:
        ctx.session.execute(
            update(WorkflowState)
            .where(WorkflowState.dossier_id == ctx.dossier.id)
            .values(format_version=stored.format_version, state=stored.blob, updated_at=ctx.now)
        )
    ctx.dossier.lock_version += 1
    from .messages import sync_messages

    messages = sync_messages(ctx)
    jobs = list(ctx.synced.new_jobs)
    if jobs:
        ctx.session.flush()
        ids = [j.id for j in jobs]
        ctx.after_commit.append(lambda: ctx.engine.executor.dispatch(ctx.engine, ids))
    if messages:
        ctx.after_commit.append(lambda: ctx.engine.deliver_messages(messages))

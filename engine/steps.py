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
from sqlalchemy import Select, Table, and_, bindparam, select
from sqlalchemy.orm import Session, aliased

from .errors import Conflict, NotFound
from .live_tasks import LiveTasks, walk
from .messages import sync_messages, waiting_messages
from .models import Dossier, Procedure, ProcessVersion, TaskRow, Timer, User, WorkflowState
from .specs import LoadedModel
from .state import StoredState, load_state, save_state
from .step_writes import AUDIT, StepWrites
from .task_sync import SyncResult, sync, waiting_timers
from .workflow_cache import Kept

if TYPE_CHECKING:
    from .runtime import Engine

T = TypeVar("T")
MAX_ADVANCE_ROUNDS = 50
_READY = TaskState.READY
OPEN = "open"


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
    #: The acting user's row, read with the dossier's lock (None for the system or unknown).
    user: User | None = None
    #: BPMN timers the stored state waited on when the step began (task id → due);
    #: None means unknown, and the step rewrites every BPMN timer row of the dossier.
    bpmn_timers_before: dict[str, datetime] | None = None
    #: Message waits of the stored state when the step began ((name, correlation) pairs);
    #: None means unknown, and the step rewrites the dossier's wait rows.
    message_waits_before: list[tuple[str, Any]] | None = None
    #: Everything the step writes besides ORM objects of other modules, written as it ends.
    writes: StepWrites = field(init=False)
    _open_rows: dict[str, TaskRow] | None = None
    #: The task tree's last walk (``advance`` takes it once the workflow has settled).
    live: LiveTasks | None = None
    #: The state the step wrote (set as it finishes).
    stored: StoredState | None = None

    def __post_init__(self) -> None:
        self.writes = StepWrites(self.dossier.id, self.now)

    def open_rows(self) -> dict[str, TaskRow]:
        """The dossier's open task rows as the step began: read once, shared by every stage.

        Rows the step completes or cancels stay in the mapping with their new state.
        """
        if self._open_rows is None:
            found = self.session.execute(_OPEN_ROWS, {"dossier_id": self.dossier.id}).scalars()
            self._open_rows = {r.id: r for r in found}
        return self._open_rows

    # -- where a lane's tasks go -------------------------------------------------
    def resolve_agency(self, lane_agency: str | None) -> str | None:
        if lane_agency in (None, "", "receiving"):
            return self.dossier.agency_code
        if lane_agency == "competent":
            return self.procedure.agency_code or self.dossier.agency_code
        from .lane_agencies import lane_agency as mapped

        return mapped(self.procedure, lane_agency)

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
            self.add_timer("step_warning", row.warn_at, row.id)
        if row.due_at is not None:
            self.add_timer("step_late", row.due_at, row.id)

    def add_timer(self, kind: str, due_at: datetime, task_id: str | None = None) -> None:
        """Queue a timer row; the step's timers are inserted together as it finishes."""
        self.writes.add_timer(kind, due_at, task_id)

    def drop_task_timers(self, task_id: str) -> None:
        """Queue the removal of a task's unfired timers (step warnings, lateness, BPMN)."""
        self.writes.dropped_timer_tasks.add(task_id)

    def fire_timers(self, kind: str | None = None) -> None:
        """Mark the dossier's unfired timers (of ``kind``, or all) fired as the step ends."""
        self.writes.fire_timers(kind)

    def write_timers(self) -> None:
        """Write the queued timer changes now, for a statement that needs them in the table."""
        self.writes.write_timers(self.session.connection())

    def insert(self, table: Table, row: dict[str, Any]) -> None:
        """Queue a new row of ``table`` (task, outbox, notification); written as the step ends."""
        self.writes.insert(table, row)

    def audit(
        self,
        action: str,
        *,
        task_id: str | None = None,
        from_state: str | None = None,
        to_state: str | None = None,
        **detail: Any,
    ) -> None:
        """Queue an audit event of this step; they are inserted together when it finishes."""
        self.writes.insert(
            AUDIT,
            {
                "dossier_id": self.dossier.id,
                "at": self.now,
                "actor": self.actor,
                "action": action,
                "task_id": task_id,
                "from_state": from_state,
                "to_state": to_state,
                "detail": detail,
            },
        )

    def advance(self) -> None:
        """Run engine steps until only people, service jobs or timers can move the dossier.

        The walk that finds the workflow settled is kept for the rest of the step
        (``live_tasks``): nothing after this changes a task's state.
        """
        wf = self.workflow
        for _ in range(MAX_ADVANCE_ROUNDS):
            wf.do_engine_steps()
            self.live = walk(wf)
            if not any(not t.task_spec.manual for t in self.live.ready):
                return
        raise RuntimeError("quy trình không dừng lại ở bước chờ nào (các bước tự động lặp vô tận)")

    def live_tasks(self) -> LiveTasks:
        """The settled workflow's tasks by state, from one walk of its tree."""
        if self.live is None:
            self.live = walk(self.workflow)
        return self.live


def run_step(
    engine: Engine,
    dossier_id: int | None,
    actor: str,
    action: Callable[[StepContext], T],
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
    task_id: str | None = None,
) -> T:
    """Run ``action`` as one step of a dossier, given by id or by one of its tasks' id.

    Locking by task saves the caller a read of the task row before the step: the dossier
    that owns the task is found and locked by the same statement.
    """
    from .clock import ManualClock, using

    when = now or engine.clock.now()
    if (dossier_id is None) == (task_id is None):
        raise ValueError("run_step cần mã hồ sơ hoặc mã công việc, chỉ một trong hai")
    with engine.db.write() as session:
        ctx = _locked_context(engine, session, dossier_id, task_id, actor, when)
        if expected_version is not None and ctx.dossier.lock_version != expected_version:
            raise Conflict(
                f"hồ sơ {ctx.dossier.code} vừa được người khác thay đổi (phiên bản "
                f"{ctx.dossier.lock_version}, bạn đang xem {expected_version}); hãy tải lại"
            )
        with using(ManualClock(when)):
            result = action(ctx)
            ctx.advance()
        finish_step(ctx)
    remember(ctx)
    for callback in ctx.after_commit:
        callback()
    return result


def remember(ctx: StepContext) -> None:
    """Keep the committed step's workflow for this process's next step of the dossier."""
    stored, timers, waits = ctx.stored, ctx.bpmn_timers_before, ctx.message_waits_before
    if stored is None or not stored.faithful or timers is None or waits is None:
        return
    d = ctx.dossier
    kept = Kept(d.version_id, stored.format_version, stored.blob, ctx.workflow, timers, waits)
    ctx.engine.workflows.put(d.id, kept)


def _lock_statement(by_task: bool) -> Select:
    """Lock the dossier and read all a step needs, its open task rows too, in one statement.

    The dossier and state rows are locked (``FOR UPDATE OF dossiers, workflow_states`` on
    PostgreSQL; SQLite's writer lock is already held by ``BEGIN IMMEDIATE``); the procedure,
    the model version's key, the acting user and the open task rows (one result row each)
    come along in the same round trip. The state row must be locked too, not just joined:
    after waiting for another writer, PostgreSQL re-reads the rows it locks but hands back
    joined rows as they were when the statement began. The task rows cannot be locked (they
    are outer-joined), so the statement also reads the dossier's ``lock_version`` as of its
    start (``seen_version``, a subquery: not re-read): when it differs from the locked row's,
    another step committed meanwhile and the task rows are read again (``_locked_context``).
    """
    seen = aliased(Dossier, name="seen")
    seen_version = select(seen.lock_version).where(seen.id == Dossier.id).scalar_subquery()
    stmt = (
        select(
            Dossier,
            Procedure,
            User,
            WorkflowState.format_version,
            WorkflowState.state,
            ProcessVersion.content_hash,
            ProcessVersion.process_id,
            seen_version.label("seen_version"),
            _OPEN_TASK,
        )
        .join(WorkflowState, WorkflowState.dossier_id == Dossier.id)
        .join(Procedure, Procedure.code == Dossier.procedure_code)
        .join(ProcessVersion, ProcessVersion.id == Dossier.version_id)
        .outerjoin(User, User.username == bindparam("actor"))
        .outerjoin(_OPEN_TASK, and_(_OPEN_TASK.dossier_id == Dossier.id, _OPEN_TASK.state == OPEN))
        .with_for_update(of=[Dossier, WorkflowState])
    )
    if by_task:
        owner = select(TaskRow.dossier_id).where(TaskRow.id == bindparam("task_id"))
        return stmt.where(Dossier.id == owner.scalar_subquery())
    return stmt.where(Dossier.id == bindparam("dossier_id"))


# The per-step statements are built once: building a statement costs more than running it
# on SQLite, and a reused statement keeps its cache key.
_OPEN_TASK = aliased(TaskRow, name="open_task")
_LOCK_BY_TASK = _lock_statement(by_task=True)
_LOCK_BY_DOSSIER = _lock_statement(by_task=False)
_OPEN_ROWS = (
    select(TaskRow)
    .where(TaskRow.dossier_id == bindparam("dossier_id"), TaskRow.state == "open")
    .execution_options(populate_existing=True)
)


def _locked_context(
    engine: Engine,
    session: Session,
    dossier_id: int | None,
    task_id: str | None,
    actor: str,
    now: datetime,
) -> StepContext:
    if task_id is not None:
        rows = session.execute(_LOCK_BY_TASK, {"task_id": task_id, "actor": actor}).all()
    else:
        rows = session.execute(_LOCK_BY_DOSSIER, {"dossier_id": dossier_id, "actor": actor})
        rows = rows.all()
    if not rows:
        if task_id is not None:
            raise NotFound(f"không có công việc {task_id}")
        raise NotFound(f"không có hồ sơ {dossier_id}")
    dossier, procedure, user, format_version, blob, content_hash, process_id, seen, _ = rows[0]
    open_rows: dict[str, TaskRow] | None = {r[-1].id: r[-1] for r in rows if r[-1] is not None}
    if seen != dossier.lock_version:  # another step committed while we waited for the lock
        for row in open_rows.values():
            session.expunge(row)  # as they were before it: read them again
        open_rows = None
    model = engine.models.get_by_key(session, dossier.version_id, content_hash, process_id)
    kept = engine.workflows.take(dossier.id, dossier.version_id, format_version, blob)
    if kept is not None:
        workflow, timers, waits = kept.workflow, dict(kept.timers), list(kept.waits)
    else:
        workflow = load_state(
            StoredState(format_version, blob),
            model.spec,
            model.subprocess_specs,
            engine.script_engine,
        )
        timers, waits = waiting_timers(workflow), waiting_messages(workflow)
    ctx = StepContext(engine, session, dossier, procedure, model, workflow, actor, now, user=user)
    ctx._open_rows = open_rows
    ctx.bpmn_timers_before, ctx.message_waits_before = timers, waits
    return ctx


def finish_step(ctx: StepContext, *, new: bool = False) -> None:
    """Sync rows, save state and bump the dossier's version (same transaction)."""
    if new:
        ctx.bpmn_timers_before, ctx.message_waits_before, ctx._open_rows = {}, [], {}
    session = ctx.session
    if any(isinstance(obj, Timer) for obj in (*session.dirty, *session.new)):
        # A timer a tick fired through the ORM goes out before the step's own statements
        # delete or fire timer rows: the flush at commit would find its row gone.
        session.flush()
    ctx.synced = sync(ctx)
    from .notices import record_notices

    record_notices(ctx)
    if not new:
        ctx.dossier.step_count += 1
    ctx.engine.lifecycle.update_status(ctx)
    from .portal_sync import on_step

    on_step(ctx)  # the portal outbox and the applicant's notifications
    stored = ctx.stored = save_state(ctx.workflow, check_faithful=ctx.engine.workflows.size > 0)
    if not new:  # a new dossier is inserted with its first version already
        ctx.dossier.lock_version += 1
    messages = sync_messages(ctx)
    jobs = list(ctx.synced.new_jobs)
    if jobs:
        ctx.session.flush()
        ids = [j.id for j in jobs]
        ctx.after_commit.append(lambda: ctx.engine.executor.dispatch(ctx.engine, ids))
    if messages:
        ctx.after_commit.append(lambda: ctx.engine.deliver_messages(messages))
    writes = ctx.writes
    writes.state = {
        "format_version": stored.format_version,
        "state": stored.blob,
        "updated_at": ctx.now,
    }
    writes.new_state = new
    writes.take_orm_changes(ctx.session, ctx.dossier)
    writes.write(ctx.session.connection(), postgresql=not ctx.engine.db.is_sqlite)

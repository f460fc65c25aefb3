"""Keep the normalised task rows, timers and service jobs in step with the live workflow.

Called inside every step's transaction, after SpiffWorkflow has advanced, so that the task
list, the scheduler and the executor see exactly what the committed state contains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask as ServiceTaskMixin
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete

from .models import ServiceJob, TaskRow, Timer
from .step_writes import TASKS, row_values
from .working_timers import start_working_timers

if TYPE_CHECKING:
    from .steps import StepContext


@dataclass
class SyncResult:
    new_tasks: list[TaskRow] = field(default_factory=list)
    new_jobs: list[ServiceJob] = field(default_factory=list)
    #: Every task row open after the step (kept ones and new ones): the lifecycle reads these.
    open_rows: list[TaskRow] = field(default_factory=list)


def sync(ctx: StepContext) -> SyncResult:
    result = SyncResult()
    dossier, model = ctx.dossier, ctx.model
    open_rows = {k: r for k, r in ctx.open_rows().items() if r.state == "open"}
    ready = {str(t.id): t for t in ctx.live_tasks().ready if t.task_spec.manual}
    for task_id, row in open_rows.items():
        if task_id not in ready:
            row.state = "cancelled"
            row.completed_at = ctx.now
            if row.due_at is not None:
                ctx.drop_task_timers(task_id)
        else:
            result.open_rows.append(row)
    for task_id, task in ready.items():
        if task_id in open_rows:
            continue
        spec = task.task_spec
        element = model.elements.get(spec.bpmn_id)
        lane = model.lanes.get(spec.lane) if spec.lane else None
        is_service = isinstance(spec, ServiceTaskMixin)
        row = TaskRow(
            id=task_id,
            dossier_id=dossier.id,
            procedure_code=dossier.procedure_code,
            agency_code=ctx.resolve_agency(lane.agency if lane else None),
            bpmn_id=spec.bpmn_id,
            name=(element.name if element and element.name else spec.bpmn_name or spec.bpmn_id),
            kind="service" if is_service else "user",
            lane=spec.lane,
            role=("system" if is_service else (lane.role if lane else None)),
            form=element.form if element else None,
            actions=list(element.actions) if element else [],
            state="open",
            created_at=ctx.now,
        )
        if not is_service:
            share = element.deadline_share if element else None
            row.due_at, row.warn_at = ctx.step_deadline(share)
            ctx.add_task_timers(row)
        ctx.insert(TASKS, row_values(row))  # written with the step's other rows
        result.new_tasks.append(row)
        result.open_rows.append(row)
        if is_service:
            result.new_jobs.append(_job_for(ctx, task, element))
    start_working_timers(ctx)  # working-day timers get their due moment before the rows
    _sync_bpmn_timers(ctx)  # the timer rows are written as the step finishes
    return result


def _job_for(ctx: StepContext, task: Any, element: Any) -> ServiceJob:
    spec = task.task_spec
    params = {name: p["value"] for name, p in spec.evaluate_params(task).items()}
    job = ServiceJob(
        dossier_id=ctx.dossier.id,
        task_id=str(task.id),
        operation=spec.operation_name,
        params=params,
        idempotency_key=f"{ctx.dossier.code}:{task.id}",
        state="pending",
        attempts=0,
        next_attempt_at=ctx.now,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(job)
    return job


def waiting_timers(workflow: Any, waiting: list[Any] | None = None) -> dict[str, datetime]:
    """The BPMN timers a workflow waits on: task id → due moment.

    ``waiting`` is the workflow's WAITING tasks when a walk already found them.
    """
    out: dict[str, datetime] = {}
    if waiting is None:
        waiting = workflow.get_tasks(state=TaskState.WAITING)
    for task in waiting:
        definition = getattr(task.task_spec, "event_definition", None)
        if not isinstance(definition, TimerEventDefinition):
            continue
        due = _timer_due(task._get_internal_data("event_value"))
        if due is not None:
            out[str(task.id)] = due
    return out


def _sync_bpmn_timers(ctx: StepContext) -> None:
    """Write only the BPMN timer rows that changed since the step began.

    The rows always mirror the committed state, so the timers the state waited on at load
    are the rows there are; an unchanged boundary timer (the usual case) costs nothing.
    When that is unknown (``bpmn_timers_before`` is None: a timer was fired in this step),
    every unfired BPMN row of the dossier is rewritten.
    """
    after = waiting_timers(ctx.workflow, ctx.live_tasks().waiting)
    before = ctx.bpmn_timers_before
    if before is None:
        ctx.session.connection().execute(
            delete(Timer.__table__).where(
                Timer.dossier_id == ctx.dossier.id, Timer.kind == "bpmn", Timer.fired_at.is_(None)
            )
        )
        changed = set(after)
    else:
        changed = {tid for tid in before.keys() | after.keys() if before.get(tid) != after.get(tid)}
        for tid in changed & before.keys():
            ctx.drop_task_timers(tid)
    for tid in sorted(changed & after.keys()):
        ctx.add_timer("bpmn", after[tid], tid)
    ctx.bpmn_timers_before = after


def _timer_due(value: Any) -> datetime | None:
    if isinstance(value, dict):  # cycle timers keep {'next': iso, ...}
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        return TimerEventDefinition.get_datetime(value)
    except ValueError:
        return None

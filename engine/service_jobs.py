"""Running service tasks: the network call happens outside any transaction or lock.

A job is read, the adapter is called, and only then is the dossier locked to record the
outcome and move the workflow on. A job that is no longer pending when the outcome is
recorded (a duplicate delivery, a second worker) changes nothing: each job completes its
task at most once, and the adapter sees the same idempotency key on every attempt.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState

from .errors import AdapterError, InvalidInput, LienThongError, NotFound
from .incidents import Incidents, job_state
from .jsonutil import jsonable
from .late_report import LateReports
from .models import ServiceCall, ServiceJob, TaskRow
from .partner_refusals import accepts_refusal, is_refusal, mark_accepted, refusal_result
from .sweeper import Sweeper

if TYPE_CHECKING:
    from .runtime import Engine
    from .steps import StepContext


class AlreadyDone(Exception):  # noqa: N818 - a signal, not an error
    """Raised inside a step that finds its work already done by another worker or delivery.

    It rolls the step's transaction back, so a redelivered task leaves no trace: no new
    ``lock_version``, no ``step_count``, no audit row. Callers catch it and report ``state``.
    """

    def __init__(self, state: str = "done") -> None:
        super().__init__(state)
        self.state = state


class ServiceJobs(Incidents, Sweeper, LateReports):
    """Service jobs, and the worker-side API around them: incidents, the outbox sweeper and
    the daily late report (kept in their own modules; mixed in here so ``Engine`` has them)."""

    def run_service_job(self: Engine, job_id: int) -> str:
        """Run one pending job; return its state afterwards (done, pending, failed…).

        Safe to call any number of times, concurrently too: a job that is no longer
        pending returns at once, and the outcome is recorded only by the first caller that
        finds it still pending under the dossier's lock. Picking the job up stamps
        ``dispatched_at`` so the sweeper does not hand out a job that is being worked on.
        """
        with self.db.write() as s:
            job = s.get(ServiceJob, job_id)
            if job is None:
                raise NotFound(f"không có lượt gọi hệ thống số {job_id}")
            if job.state != "pending":
                return job.state
            job.dispatched_at = self.clock.now()
            dossier_id = job.dossier_id
            operation, params, key = job.operation, dict(job.params), job.idempotency_key
        started = time.perf_counter()
        data, error, record = None, None, None
        try:
            data, record = _unwrap(self.call_service(operation, params, idempotency_key=key))
            if not isinstance(data, dict):
                raise AdapterError(
                    f"{operation} trả lời một {type(data).__name__}, không phải một đối tượng",
                    retryable=False,
                )
        except AdapterError as exc:
            error, record = exc, getattr(exc, "record", record)
        except LienThongError as exc:
            error = AdapterError(str(exc), retryable=False)
        except Exception as exc:  # an adapter bug must become an incident, not a lost dossier
            error = AdapterError(f"{type(exc).__name__}: {exc}", retryable=True)
        elapsed_ms = (time.perf_counter() - started) * 1000

        def act(ctx: StepContext) -> str:
            job = ctx.session.get(ServiceJob, job_id)
            if job.state != "pending":  # another worker recorded it meanwhile
                raise AlreadyDone(job.state)
            ctx.session.add(
                ServiceCall(
                    dossier_id=dossier_id,
                    job_id=job_id,
                    operation=operation,
                    outcome="ok" if error is None else "error",
                    duration_ms=elapsed_ms,
                    detail=_record_dict(record, error),
                    at=ctx.now,
                )
            )
            job.attempts += 1
            job.updated_at = ctx.now
            if error is None:
                return self._finish_job(ctx, job, data)
            return self._fail_job(ctx, job, error)

        try:
            return self._step(dossier_id, "system", act)
        except AlreadyDone as done:
            return done.state

    def retry_job(self: Engine, job_id: int, *, user: str) -> str:
        """Put a failed job (an incident) back in the queue, by a person's decision."""
        with self.db.write() as s:
            job = s.get(ServiceJob, job_id)
            if job is None:
                raise NotFound(f"không có lượt gọi hệ thống số {job_id}")
            if job.state != "failed":
                raise InvalidInput(
                    f"lượt gọi hệ thống số {job_id} {job_state(job.state)}, không phải đang lỗi"
                )
            job.state, job.next_attempt_at = "pending", self.clock.now()
            from . import audit

            audit.record(
                s,
                at=self.clock.now(),
                actor=user,
                action="service_retry_requested",
                dossier_id=job.dossier_id,
                task_id=job.task_id,
                job=job_id,
            )
        self.executor.dispatch(self, [job_id])
        return "pending"

    def _finish_job(self: Engine, ctx: StepContext, job: ServiceJob, data: dict) -> str:
        task = ctx.workflow.get_task_from_id(UUID(job.task_id))
        if task is None or not task.state & TaskState.READY:
            job.state = "cancelled"
            ctx.audit("service_orphaned", task_id=job.task_id, operation=job.operation)
            return job.state
        data = mark_accepted(ctx, job, data)
        self.prepare_result(task.id, data)
        try:
            task.run()
        finally:
            self._prepared.pop(task.id, None)
        job.state, job.result, job.last_error = "done", data, None
        row = ctx.session.get(TaskRow, job.task_id)
        if row is not None:
            row.state, row.completed_at, row.completed_by, row.action = (
                "completed",
                ctx.now,
                "system",
                "complete",
            )
        ctx.audit(
            "service_done", task_id=job.task_id, operation=job.operation, attempts=job.attempts
        )
        return job.state

    def _fail_job(self: Engine, ctx: StepContext, job: ServiceJob, error: AdapterError) -> str:
        job.last_error = str(error)
        if is_refusal(error) and accepts_refusal(ctx, job):
            ctx.audit("partner_refused", task_id=job.task_id, operation=job.operation,
                      reason=str(error))  # fmt: skip
            return self._finish_job(ctx, job, refusal_result(job, error))
        if error.retryable and job.attempts < self.settings.service_max_attempts:
            delay = self.settings.service_retry_base_s * 2 ** (job.attempts - 1)
            job.next_attempt_at = ctx.now + timedelta(seconds=delay)
            ctx.audit(
                "service_retry",
                task_id=job.task_id,
                operation=job.operation,
                attempts=job.attempts,
                error=str(error),
                next_attempt=job.next_attempt_at.isoformat(),
            )
        else:
            job.state, job.next_attempt_at = "failed", None
            ctx.audit(
                "incident",
                task_id=job.task_id,
                operation=job.operation,
                attempts=job.attempts,
                error=str(error),
            )
        return job.state


def _unwrap(result: Any) -> tuple[Any, Any]:
    if hasattr(result, "data") and hasattr(result, "record"):
        return result.data, result.record
    return result, None


def _record_dict(record: Any, error: Exception | None) -> dict:
    out: dict[str, Any] = {}
    if dataclasses.is_dataclass(record):
        out = dataclasses.asdict(record)
    elif isinstance(record, dict):
        out = dict(record)
    if error is not None:
        out["error"] = str(error)
    return jsonable(out)

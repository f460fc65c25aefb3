"""Incidents: service calls that failed, what officers see and decide about them.

A service job whose call failed is an incident: while it still has attempts left it is
*retrying* (``pending``, with the error and the next attempt), once the attempts are
exhausted or the error cannot be retried it is *failed* and waits for a person. Nothing is
dropped silently. A person may:

* **retry** it — one more attempt now (a failed job gets exactly one; if that fails too it is
  failed again);
* **cancel** it — the external system will not be called again, and the dossier does not
  stop: the service task becomes an *incident task* (``kind="incident"``) for the agency's
  ``escalation_role`` (head of unit), who either enters by hand what the system would have
  answered (:meth:`Incidents.resolve_incident`, e.g. after checking the paper register) so
  the dossier moves on, or ends the dossier with the existing actions (withdraw, refuse at a
  later step). The incident task shows in task lists like any other open task.

Only admins and holders of ``escalation_role`` (in the dossier's agency) may decide; every
decision is in the audit log (``incident_retry``, ``incident_cancelled``,
``incident_resolved``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import and_, func, or_, select

from . import audit
from .errors import InvalidInput, NotAllowed, NotFound, TaskNotReady
from .models import Dossier, ServiceJob, TaskRow

if TYPE_CHECKING:
    from .runtime import Engine
    from .steps import StepContext

INCIDENT_KIND = "incident"
_READY = TaskState.READY


@dataclass(frozen=True)
class Incident:
    """One failed or retrying service call, as an officer's list shows it."""

    job_id: int
    state: str  # retrying | failed | cancelled
    dossier_id: int
    dossier_code: str
    procedure_code: str
    agency_code: str
    task_id: str
    step: str
    operation: str
    error: str
    attempts: int
    next_attempt_at: datetime | None
    updated_at: datetime


class Incidents:
    def list_incidents(
        self: Engine,
        *,
        states: tuple[str, ...] = ("retrying", "failed"),
        agency_code: str | None = None,
        dossier: str | int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Incident]:
        """Failed and retrying service calls, newest first (``cancelled`` on request)."""
        unknown = set(states) - {"retrying", "failed", "cancelled"}
        if unknown:
            raise InvalidInput(f"unknown incident state(s) {sorted(unknown)}")
        j = ServiceJob
        wanted = []
        if "retrying" in states:
            wanted.append(and_(j.state == "pending", j.attempts > 0, j.last_error.is_not(None)))
        if "failed" in states:
            wanted.append(j.state == "failed")
        if "cancelled" in states:
            wanted.append(and_(j.state == "cancelled", j.last_error.is_not(None)))
        if not wanted:
            return []
        q = (
            select(j, Dossier, TaskRow)
            .join(Dossier, Dossier.id == j.dossier_id)
            .outerjoin(TaskRow, TaskRow.id == j.task_id)
            .where(or_(*wanted))
            .order_by(j.updated_at.desc(), j.id.desc())
            .limit(limit)
            .offset(offset)
        )
        if agency_code is not None:
            q = q.where(Dossier.agency_code == agency_code)
        with self.db.read() as s:
            if dossier is not None:
                q = q.where(Dossier.id == self._find_dossier(s, dossier).id)
            return [_incident(job, d, row) for job, d, row in s.execute(q).all()]

    def count_incidents(self: Engine, *, agency_code: str | None = None, cap: int = 99) -> int:
        """Count retrying and failed calls (at most ``cap + 1``): the top bar's badge.

        One count over ``ix_service_jobs_state`` per page; "99+" is all a badge needs.
        """
        j = ServiceJob
        q = select(j.id).where(
            or_(j.state == "failed",
                and_(j.state == "pending", j.attempts > 0, j.last_error.is_not(None)))
        )  # fmt: skip
        if agency_code is not None:
            q = q.join(Dossier, Dossier.id == j.dossier_id)
            q = q.where(Dossier.agency_code == agency_code)
        with self.db.read() as s:
            return s.execute(
                select(func.count()).select_from(q.limit(cap + 1).subquery())
            ).scalar_one()

    def incident(self: Engine, job_id: int) -> Incident:
        with self.db.read() as s:
            found = s.execute(
                select(ServiceJob, Dossier, TaskRow)
                .join(Dossier, Dossier.id == ServiceJob.dossier_id)
                .outerjoin(TaskRow, TaskRow.id == ServiceJob.task_id)
                .where(ServiceJob.id == job_id)
            ).first()
        if found is None:
            raise NotFound(f"service job {job_id} does not exist")
        return _incident(*found)

    def retry_incident(self: Engine, job_id: int, *, user: str) -> str:
        """Try the call once more, now; return the incident's state after the hand-out
        (``done`` when an in-process executor ran it successfully, ``retrying`` while queued)."""
        with self.db.write() as s:
            job = s.get(ServiceJob, job_id)
            if job is None:
                raise NotFound(f"service job {job_id} does not exist")
            self._check_incident_user(s, job, user)
            if job.state == "pending" and job.attempts > 0:
                job.next_attempt_at = self.clock.now()
                audit.record(
                    s,
                    at=self.clock.now(),
                    actor=user,
                    action="incident_retry",
                    dossier_id=job.dossier_id,
                    task_id=job.task_id,
                    job=job_id,
                )
            elif job.state != "failed":
                raise InvalidInput(f"service job {job_id} is {job.state}: nothing to retry")
        if job.state == "failed":
            self.retry_job(job_id, user=user)
        else:
            self.executor.dispatch(self, [job_id])
        return self.incident(job_id).state

    def cancel_incident(self: Engine, job_id: int, *, user: str, reason: str) -> TaskRow:
        """Stop calling the system; hand the step to a person as an incident task."""
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput("say why the call is cancelled", {"reason": ["required"]})
        with self.db.read() as s:
            job = s.get(ServiceJob, job_id)
            if job is None:
                raise NotFound(f"service job {job_id} does not exist")
            self._check_incident_user(s, job, user)
            dossier_id = job.dossier_id

        def act(ctx: StepContext) -> TaskRow:
            job = ctx.session.get(ServiceJob, job_id)
            if job.state not in ("pending", "failed"):
                raise InvalidInput(f"service job {job_id} is {job.state}: nothing to cancel")
            if job.state == "pending" and not job.attempts:
                raise InvalidInput(f"service job {job_id} has not failed: nothing to cancel")
            row = ctx.session.get(TaskRow, job.task_id)
            if row is None or row.state != "open":
                raise TaskNotReady(f"the step of service job {job_id} is no longer open")
            job.state, job.next_attempt_at, job.updated_at = "cancelled", None, ctx.now
            row.kind, row.role, row.assignee = (
                INCIDENT_KIND,
                self.settings.escalation_role,
                None,
            )
            row.actions = ["resolve"]
            ctx.audit(
                "incident_cancelled",
                task_id=row.id,
                operation=job.operation,
                attempts=job.attempts,
                error=job.last_error,
                reason=reason,
                to_role=row.role,
            )
            return row

        return self._step(dossier_id, user, act)

    def resolve_incident(self: Engine, task_id: str, *, user: str, data: dict[str, Any]) -> TaskRow:
        """Complete an incident task with what the system would have answered."""
        if not isinstance(data, dict) or not data:
            raise InvalidInput(
                "enter what the system would have answered", {"data": ["a non-empty object"]}
            )
        with self.db.read() as s:
            row = s.get(TaskRow, task_id)
            if row is None:
                raise NotFound(f"task {task_id} does not exist")
            dossier_id = row.dossier_id

        def act(ctx: StepContext) -> TaskRow:
            row = ctx.session.get(TaskRow, task_id)
            if row.kind != INCIDENT_KIND or row.state != "open":
                raise TaskNotReady(f"task {task_id} is not an open incident task")
            self._check_can_work(ctx.session, row, user)
            task = ctx.workflow.get_task_from_id(UUID(task_id))
            if task is None or not task.state & _READY:
                raise TaskNotReady(f"task {task_id} ({row.name}) is not ready")
            self.prepare_result(task.id, dict(data))
            try:
                task.run()
            finally:
                self._prepared.pop(task.id, None)
            row.state, row.completed_at, row.completed_by, row.action = (
                "completed",
                ctx.now,
                user,
                "resolve",
            )
            job = ctx.session.execute(
                select(ServiceJob).where(ServiceJob.task_id == task_id)
            ).scalar_one_or_none()
            if job is not None:
                job.result, job.updated_at = dict(data), ctx.now
            ctx.audit("incident_resolved", task_id=task_id, step=row.bpmn_id, fields=sorted(data))
            return row

        return self._step(dossier_id, user, act)

    def _check_incident_user(self: Engine, s: Any, job: ServiceJob, username: str) -> None:
        user = self._user(s, username)
        if "admin" in user.roles:
            return
        if self.settings.escalation_role not in user.roles:
            raise NotAllowed(
                f"deciding about incidents needs role {self.settings.escalation_role} or admin"
            )
        agency = s.execute(
            select(Dossier.agency_code).where(Dossier.id == job.dossier_id)
        ).scalar_one()
        if user.agency_code and user.agency_code != agency:
            raise NotAllowed(f"the dossier of service job {job.id} belongs to agency {agency}")


def _incident(job: ServiceJob, d: Dossier, row: TaskRow | None) -> Incident:
    state = "retrying" if job.state == "pending" else job.state
    return Incident(
        job_id=job.id,
        state=state,
        dossier_id=d.id,
        dossier_code=d.code,
        procedure_code=d.procedure_code,
        agency_code=d.agency_code,
        task_id=job.task_id,
        step=row.name if row is not None else job.task_id,
        operation=job.operation,
        error=job.last_error or "",
        attempts=job.attempts,
        next_attempt_at=job.next_attempt_at,
        updated_at=job.updated_at,
    )

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
``incident_resolved``). While a call is open (retrying or failed), its dossier is also a row of
the task board's ``incidents`` scope (`engine.task_board`), counted by the same condition
(:data:`OPEN`) as the top bar's badge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from . import audit
from .errors import InvalidInput, NotAllowed, NotFound, TaskNotReady
from .models import Dossier, ServiceJob, TaskRow, User

if TYPE_CHECKING:
    from .runtime import Engine
    from .steps import StepContext

INCIDENT_KIND = "incident"
_READY = TaskState.READY
_J = ServiceJob
#: The states of a failed call, as conditions on ``service_jobs`` (``ix_service_jobs_state``).
RETRYING = and_(_J.state == "pending", _J.attempts > 0, _J.last_error.is_not(None))
FAILED = _J.state == "failed"
CANCELLED = and_(_J.state == "cancelled", _J.last_error.is_not(None))
#: An open incident: the call is retrying or waits for a person (the top bar counts these).
OPEN = or_(RETRYING, FAILED)
#: A service job's state as the errors officers read say it ("lượt gọi … đã xong").
JOB_STATES = {
    "pending": "đang chờ gọi",
    "done": "đã xong",
    "failed": "đang lỗi",
    "cancelled": "đã dừng gọi",
}


def job_state(state: str) -> str:
    """Say a job's state in Vietnamese (an unknown one as it is stored)."""
    return JOB_STATES.get(state, state)


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
        by_state = {"retrying": RETRYING, "failed": FAILED, "cancelled": CANCELLED}
        unknown = set(states) - set(by_state)
        if unknown:
            raise InvalidInput(f"trạng thái sự cố không hợp lệ: {sorted(unknown)}")
        if not states:
            return []
        q = (
            _with_dossier_and_step()
            .where(or_(*(by_state[state] for state in states)))
            .order_by(_J.updated_at.desc(), _J.id.desc())
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
        q = select(_J.id).where(OPEN)
        if agency_code is not None:
            q = q.join(Dossier, Dossier.id == _J.dossier_id)
            q = q.where(Dossier.agency_code == agency_code)
        with self.db.read() as s:
            return s.execute(
                select(func.count()).select_from(q.limit(cap + 1).subquery())
            ).scalar_one()

    def incident(self: Engine, job_id: int) -> Incident:
        with self.db.read() as s:
            found = s.execute(_with_dossier_and_step().where(ServiceJob.id == job_id)).first()
        if found is None:
            raise NotFound(f"không có lượt gọi hệ thống số {job_id}")
        return _incident(*found)

    def retry_incident(self: Engine, job_id: int, *, user: str) -> str:
        """Try the call once more, now; return the incident's state after the hand-out
        (``done`` when an in-process executor ran it successfully, ``retrying`` while queued)."""
        with self.db.write() as s:
            job = s.get(ServiceJob, job_id)
            if job is None:
                raise NotFound(f"không có lượt gọi hệ thống số {job_id}")
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
                raise InvalidInput(
                    f"lượt gọi hệ thống số {job_id} {job_state(job.state)}: không có gì để thử lại"
                )
        if job.state == "failed":
            self.retry_job(job_id, user=user)
        else:
            self.executor.dispatch(self, [job_id])
        return self.incident(job_id).state

    def cancel_incident(self: Engine, job_id: int, *, user: str, reason: str) -> TaskRow:
        """Stop calling the system; hand the step to a person as an incident task."""
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput("hãy ghi lý do dừng gọi hệ thống", {"reason": ["required"]})
        with self.db.read() as s:
            job = s.get(ServiceJob, job_id)
            if job is None:
                raise NotFound(f"không có lượt gọi hệ thống số {job_id}")
            self._check_incident_user(s, job, user)
            dossier_id = job.dossier_id

        def act(ctx: StepContext) -> TaskRow:
            job = ctx.session.get(ServiceJob, job_id)
            if job.state not in ("pending", "failed"):
                raise InvalidInput(
                    f"lượt gọi hệ thống số {job_id} {job_state(job.state)}: không có gì để dừng"
                )
            if job.state == "pending" and not job.attempts:
                raise InvalidInput(
                    f"lượt gọi hệ thống số {job_id} chưa lỗi lần nào: không có gì để dừng"
                )
            row = ctx.session.get(TaskRow, job.task_id)
            if row is None or row.state != "open":
                raise TaskNotReady(f"bước của lượt gọi hệ thống số {job_id} không còn mở")
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
                "hãy nhập kết quả mà hệ thống lẽ ra trả về",
                {"data": ["cần một đối tượng có dữ liệu"]},
            )
        with self.db.read() as s:
            row = s.get(TaskRow, task_id)
            if row is None:
                raise NotFound(f"không có công việc {task_id}")
            dossier_id = row.dossier_id

        def act(ctx: StepContext) -> TaskRow:
            row = ctx.session.get(TaskRow, task_id)
            if row.kind != INCIDENT_KIND or row.state != "open":
                raise TaskNotReady(f"công việc {task_id} không phải sự cố đang mở")
            self._check_can_work(ctx.session, row, user)
            task = ctx.workflow.get_task_from_id(UUID(task_id))
            if task is None or not task.state & _READY:
                raise TaskNotReady(f"công việc {task_id} ({row.name}) chưa sẵn sàng")
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
                f"xử lý sự cố cần vai trò {self.settings.escalation_role} hoặc quản trị"
            )
        agency = s.execute(
            select(Dossier.agency_code).where(Dossier.id == job.dossier_id)
        ).scalar_one()
        if user.agency_code and user.agency_code != agency:
            raise NotAllowed(f"hồ sơ của lượt gọi hệ thống số {job.id} thuộc cơ quan {agency}")


def incidents_of_tasks(s: Session, task_ids: list[str]) -> dict[str, Incident]:
    """The open incidents of these service tasks, by task id (the task board's stuck rows)."""
    if not task_ids:
        return {}
    q = _with_dossier_and_step().where(_J.task_id.in_(task_ids), OPEN)
    return {job.task_id: _incident(job, d, row) for job, d, row in s.execute(q).all()}


def incident_agency(user: User) -> str | None:
    """Whose incidents a person sees: every agency's for an admin, else their agency's."""
    return None if "admin" in (user.roles or []) else user.agency_code or ""


def _with_dossier_and_step() -> Select:
    return (
        select(_J, Dossier, TaskRow)
        .join(Dossier, Dossier.id == _J.dossier_id)
        .outerjoin(TaskRow, TaskRow.id == _J.task_id)
    )


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

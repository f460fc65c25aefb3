"""Read side: task lists and dossier views from normalised rows, never from workflow state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, and_, bindparam, or_, select

from . import audit
from .errors import NotFound
from .models import AuditEvent, Dossier, ServiceJob, TaskRow

if TYPE_CHECKING:
    from .runtime import Engine


@dataclass
class TaskFilter:
    assignee: str | None = None
    role: str | None = None
    roles: list[str] | None = None
    agency_code: str | None = None
    procedure_code: str | None = None
    state: str = "open"
    overdue_at: datetime | None = None  # only tasks whose due date is before this moment
    near_due_at: datetime | None = None  # only tasks past their warning moment
    dossier_code: str | None = None
    unassigned: bool = False
    limit: int = 100
    offset: int = 0


@dataclass
class DossierView:
    dossier: Dossier
    open_tasks: list[TaskRow] = field(default_factory=list)
    done_tasks: list[TaskRow] = field(default_factory=list)
    jobs: list[ServiceJob] = field(default_factory=list)
    events: list[AuditEvent] = field(default_factory=list)


class Queries:
    def task(self: Engine, task_id: str) -> TaskRow:
        with self.db.read() as s:
            row = s.get(TaskRow, task_id)
            if row is None:
                raise NotFound(f"không có công việc {task_id}")
            return row

    def list_tasks(self: Engine, flt: TaskFilter | None = None, **kwargs: Any) -> list[TaskRow]:
        flt = flt or TaskFilter(**kwargs)
        with self.db.read() as s:
            stmt, params = _task_query(flt)
            return list(s.execute(stmt, params).scalars())

    def dossier_view(self: Engine, ref: str | int) -> DossierView:
        with self.db.read() as s:
            d = self._find_dossier(s, ref)
            rows = list(
                s.execute(
                    select(TaskRow)
                    .where(TaskRow.dossier_id == d.id)
                    .order_by(TaskRow.created_at, TaskRow.id)
                ).scalars()
            )
            jobs = list(
                s.execute(
                    select(ServiceJob).where(ServiceJob.dossier_id == d.id).order_by(ServiceJob.id)
                ).scalars()
            )
            events = self.history(d.id, session=s)
        return DossierView(
            d,
            [r for r in rows if r.state == "open"],
            [r for r in rows if r.state != "open"],
            jobs,
            events,
        )

    def history(self: Engine, dossier_id: int, *, session: Any = None) -> list[AuditEvent]:
        if session is not None:
            return audit.history(session, dossier_id)
        with self.db.read() as s:
            return audit.history(s, dossier_id)


def _task_query(f: TaskFilter) -> tuple[Select, dict[str, Any]]:
    """The task-list statement for a filter, with its parameters.

    Statements are built once per combination of filters in use and reused with new
    parameters: building one costs more than a SQLite task list takes to run.
    """
    params = {
        "state": f.state,
        "assignee": f.assignee,
        "role": f.role,
        "roles": f.roles,
        "agency_code": f.agency_code,
        "procedure_code": f.procedure_code,
        "overdue_at": f.overdue_at,
        "near_due_at": f.near_due_at,
        "dossier_code": f.dossier_code,
        "limit": f.limit,
        "offset": f.offset,
    }
    shape = tuple(k for k in _OPTIONAL if params[k] is not None and params[k] != "")
    shape += ("unassigned",) if f.unassigned else ()
    stmt = _STATEMENTS.get(shape)
    if stmt is None:
        stmt = _STATEMENTS[shape] = _build_task_query(frozenset(shape))
    return stmt, {k: v for k, v in params.items() if k in shape or k in _ALWAYS}


_ALWAYS = ("state", "limit", "offset")
_OPTIONAL = (
    "assignee",
    "role",
    "roles",
    "agency_code",
    "procedure_code",
    "overdue_at",
    "near_due_at",
    "dossier_code",
)
#: Filter shape → statement; at most 2**9 shapes, built on first use.
_STATEMENTS: dict[tuple[str, ...], Select] = {}


def _build_task_query(shape: frozenset[str]) -> Select:
    q = select(TaskRow).where(TaskRow.state == bindparam("state"))
    if "assignee" in shape:
        q = q.where(TaskRow.assignee == bindparam("assignee"))
    if "unassigned" in shape:
        q = q.where(TaskRow.assignee.is_(None))
    if "role" in shape:
        q = q.where(TaskRow.role == bindparam("role"))
    if "roles" in shape:
        q = q.where(TaskRow.role.in_(bindparam("roles", expanding=True)))
    if "agency_code" in shape:
        q = q.where(
            or_(TaskRow.agency_code == bindparam("agency_code"), TaskRow.agency_code.is_(None))
        )
    if "procedure_code" in shape:
        q = q.where(TaskRow.procedure_code == bindparam("procedure_code"))
    if "overdue_at" in shape:
        q = q.where(and_(TaskRow.due_at.is_not(None), TaskRow.due_at < bindparam("overdue_at")))
    if "near_due_at" in shape:
        q = q.where(and_(TaskRow.warn_at.is_not(None), TaskRow.warn_at < bindparam("near_due_at")))
    if "dossier_code" in shape:
        q = q.join(Dossier, Dossier.id == TaskRow.dossier_id).where(
            Dossier.code == bindparam("dossier_code")
        )
    return (
        q.order_by(TaskRow.due_at.is_(None), TaskRow.due_at, TaskRow.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )

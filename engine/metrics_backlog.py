"""Late and near-due dossiers: who holds each one, at which step, and for how long.

A dossier is late when its due moment in force has passed and it has no result yet; while
it waits for the citizen's supplement its clock is stopped, so it is late only if the due
moment had passed before the pause. Near-due: open, running, and due within
``near_due_days`` working days. "Held for" is working time since the step's task appeared.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select

from .metrics_period import Scope
from .metrics_sql import scope_filter
from .models import Agency, Dossier, Procedure, TaskRow

if TYPE_CHECKING:
    from .runtime import Engine


@dataclass
class Holder:
    step: str
    step_name: str
    agency_code: str | None
    assignee: str | None
    role: str | None
    since: datetime
    held_hours: float  # working hours since the task appeared


@dataclass
class BacklogRow:
    code: str
    procedure_code: str
    procedure_name: str
    agency_code: str
    agency_name: str
    status: str
    received_at: datetime
    due_at: datetime
    late: bool
    overdue_days: float  # working days past due (negative: days left)
    holders: list[Holder] = field(default_factory=list)


DOSSIER_COLUMNS = (
    Dossier.id,
    Dossier.code,
    Dossier.procedure_code,
    Dossier.agency_code,
    Dossier.status,
    Dossier.received_at,
    Dossier.due_at,
    Dossier.paused_at,
)
TASK_COLUMNS = (
    TaskRow.dossier_id,
    TaskRow.bpmn_id,
    TaskRow.name,
    TaskRow.agency_code,
    TaskRow.assignee,
    TaskRow.role,
    TaskRow.created_at,
)


def open_condition() -> object:
    return and_(Dossier.settled_at.is_(None), Dossier.finished_at.is_(None))


def late_condition(now: datetime) -> object:
    return and_(
        open_condition(),
        Dossier.due_at.is_not(None),
        or_(
            and_(Dossier.paused_at.is_(None), Dossier.due_at < now),
            and_(Dossier.paused_at.is_not(None), Dossier.due_at < Dossier.paused_at),
        ),
    )


def near_due_condition(now: datetime, horizon: datetime) -> object:
    return and_(
        open_condition(),
        Dossier.paused_at.is_(None),
        Dossier.due_at >= now,
        Dossier.due_at < horizon,
    )


def backlog(engine: Engine, now: datetime, scope: Scope | None = None) -> list[BacklogRow]:
    """Late dossiers, then near-due ones, each with the open steps holding it."""
    cal = engine.calendar
    horizon = cal.add_working_seconds(now, engine.settings.near_due_days * cal.day_seconds)
    where = scope_filter(scope or Scope())
    # the columns the list shows, not whole rows: a dossier's form data is not needed here
    # and building thousands of ORM objects cost more than the query
    with engine.db.read() as s:
        rows = s.execute(
            select(*DOSSIER_COLUMNS, Procedure.name, Agency.name)
            .join(Procedure, Procedure.code == Dossier.procedure_code)
            .join(Agency, Agency.code == Dossier.agency_code)
            .where(or_(late_condition(now), near_due_condition(now, horizon)), *where)
            .order_by(Dossier.due_at, Dossier.id)
        ).all()
        ids = [d.id for d in rows]
        tasks: dict[int, list] = defaultdict(list)
        for chunk in range(0, len(ids), 500):
            for t in s.execute(
                select(*TASK_COLUMNS)
                .where(TaskRow.dossier_id.in_(ids[chunk : chunk + 500]), TaskRow.state == "open")
                .order_by(TaskRow.created_at)
            ):
                tasks[t.dossier_id].append(t)
    out = []
    for d in rows:
        proc_name, agency_name = d[-2], d[-1]
        late = d.due_at < (d.paused_at or now)
        out.append(
            BacklogRow(
                code=d.code,
                procedure_code=d.procedure_code,
                procedure_name=proc_name,
                agency_code=d.agency_code,
                agency_name=agency_name,
                status=d.status,
                received_at=d.received_at,
                due_at=d.due_at,
                late=late,
                overdue_days=cal.working_days_between(d.due_at, d.paused_at or now),
                holders=[
                    Holder(
                        t.bpmn_id,
                        t.name,
                        t.agency_code,
                        t.assignee,
                        t.role,
                        t.created_at,
                        cal.working_seconds_between(t.created_at, now) / 3600,
                    )
                    for t in tasks[d.id]
                ],
            )
        )
    out.sort(key=lambda r: (not r.late, r.due_at, r.code))
    return out


def backlog_by_agency(rows: list[BacklogRow]) -> dict[str, dict[str, int]]:
    """Late and near-due counts per agency, for the backlog chart and the report's summary."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"late": 0, "near_due": 0})
    for r in rows:
        out[r.agency_code]["late" if r.late else "near_due"] += 1
    return dict(out)

"""The officer's task board: filtered, sorted, paged open tasks with their dossier's columns.

One SQL query over ``tasks`` joined to ``dossiers`` (never workflow state), shaped so the
indexes on ``tasks`` (state, agency, role, due date; assignee, state) carry it with 100,000
open dossiers. Visibility is decided here too: an officer sees a dossier when it was received
by their agency or when one of its tasks was routed to their agency (liên thông partners).

The scope ``incidents`` lists the dossiers stuck on a failing service call instead: the open
service task of each open incident (retrying, or failed and waiting for a person), for the
same dossiers as the incidents page and the top bar's count (the dossier's agency; every
agency for an admin), each row carrying its :class:`~engine.incidents.Incident`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Select,
    and_,
    any_,
    cast,
    exists,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY

from .errors import InvalidInput
from .incidents import INCIDENT_KIND, OPEN, Incident, incident_agency, incidents_of_tasks
from .models import Dossier, Procedure, SavedFilter, ServiceJob, TaskRow, User

if TYPE_CHECKING:
    from .runtime import Engine

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SCOPES = ("mine", "group", "unit", "escalated", "incidents")
URGENCIES = ("overdue", "near_due")
#: Orders the indexes can serve: a task's due date (undated last) comes from ix_tasks_open_role
#: and ix_tasks_assignee; the received date walks ix_dossiers_received_at.
SORTS = {
    "due": (TaskRow.due_at.asc().nulls_last(), TaskRow.id),
    "-due": (TaskRow.due_at.desc().nulls_first(), TaskRow.id.desc()),
    "received": (Dossier.received_at, TaskRow.id),
    "-received": (Dossier.received_at.desc(), TaskRow.id),
    "code": (Dossier.code, TaskRow.id),
}
SUPERVISOR_ROLES = frozenset({"head_of_unit", "leader", "admin"})
MAX_PER_PAGE = 200
#: Counts stop here (the page says "more than 1,000"); paging goes on past it.
COUNT_CAP = 1000


@dataclass
class BoardFilter:
    """What an officer asks of the board; every field comes from a query string, untrusted."""

    scope: str = "group"
    procedure_code: str | None = None
    status: str | None = None
    channel: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    due_from: date | None = None
    due_to: date | None = None
    urgency: str | None = None
    assignee: str | None = None  # a supervisor looking at one officer's work
    dossier_code: str | None = None
    sort: str = "due"
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class BoardRow:
    task: TaskRow
    dossier_code: str
    applicant_name: str
    applicant_id: str
    dossier_status: str
    channel: str
    received_at: datetime
    dossier_due_at: datetime | None
    procedure_name: str
    incident: Incident | None = None  # the failing call a service task's row is stuck on


@dataclass
class BoardPage:
    rows: list[BoardRow] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 50
    escalated: int = 0  # open tasks escalated to the officer: the bell (at most COUNT_CAP + 1)
    capped: bool = False  # more than COUNT_CAP tasks match: ``total`` is a lower bound

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        if self.capped:
            return len(self.rows) == self.per_page
        return self.page < self.pages


class TaskBoard:
    def task_board(self: Engine, username: str, flt: BoardFilter) -> BoardPage:
        """Return one page of the open tasks ``username`` may see under ``flt``."""
        _check(flt)
        now = self.clock.now()
        role = self.settings.escalation_role
        with self.db.read() as s:
            user = self._user(s, username)
            pg = not self.db.is_sqlite
            ids = _scoped(select(TaskRow.id), user, flt, now, role, array_ids=pg)
            # Count at most COUNT_CAP + 1 rows: "more than 1,000" is all a person needs, and an
            # exact count of 30,000 tasks costs more than the page itself.
            total = s.execute(
                select(func.count()).select_from(ids.limit(COUNT_CAP + 1).subquery())
            ).scalar_one()
            # Deferred join: page through task ids on the index, then read 50 full rows.
            page_ids = list(s.execute(_page_query(user, flt, now, role, pg)).scalars())
            found = {
                t.id: (t, *rest)
                for t, *rest in s.execute(
                    select(TaskRow, Dossier.code, Dossier.applicant, Dossier.status,
                           Dossier.channel, Dossier.received_at, Dossier.due_at, Procedure.name)
                    .join(Dossier, Dossier.id == TaskRow.dossier_id)
                    .join(Procedure, Procedure.code == TaskRow.procedure_code)
                    .where(TaskRow.id.in_(page_ids))
                )
            } if page_ids else {}  # fmt: skip
            rows = [
                BoardRow(
                    task=t, dossier_code=code, applicant_name=str((app or {}).get("full_name", "")),
                    applicant_id=_id_of(app or {}), dossier_status=status, channel=channel,
                    received_at=received, dossier_due_at=due, procedure_name=proc_name,
                )
                for t, code, app, status, channel, received, due, proc_name in (
                    found[i] for i in page_ids if i in found
                )
            ]  # fmt: skip
            bell = _scoped(select(TaskRow.id), user, BoardFilter(scope="escalated"), now, role)
            escalated = s.execute(
                select(func.count()).select_from(bell.limit(COUNT_CAP + 1).subquery())
            ).scalar_one()
            if flt.scope == "incidents":
                stuck = incidents_of_tasks(s, [r.task.id for r in rows])
                rows = [replace(r, incident=stuck.get(r.task.id)) for r in rows]
        capped = total > COUNT_CAP
        total = min(total, COUNT_CAP) if capped else total
        return BoardPage(rows, total, flt.page, flt.per_page, escalated, capped)

    def escalated_count(self: Engine, username: str) -> int:
        """Count the open tasks escalated to ``username`` (the bell in the page header)."""
        flt = BoardFilter(scope="escalated", per_page=1)
        with self.db.read() as s:
            user = self._user(s, username)
            base = _scoped(select(TaskRow.id), user, flt, self.clock.now(),
                           self.settings.escalation_role)  # fmt: skip
            return s.execute(
                select(func.count()).select_from(base.limit(COUNT_CAP + 1).subquery())
            ).scalar_one()

    def dossier_visible_to(self: Engine, username: str, dossier_id: int) -> bool:
        """Tell whether ``username``'s agency received the dossier or was routed a task of it."""
        with self.db.read() as s:
            user = self._user(s, username)
            if user.agency_code is None:
                return "admin" in user.roles  # the province-wide administrator only
            routed = exists().where(
                TaskRow.dossier_id == Dossier.id, TaskRow.agency_code == user.agency_code
            )
            hit = s.execute(
                select(Dossier.id).where(
                    Dossier.id == dossier_id,
                    or_(Dossier.agency_code == user.agency_code, routed),
                )
            ).first()
            return hit is not None

    def board_choices(
        self: Engine, username: str
    ) -> tuple[list[Procedure], list[User], list[SavedFilter]]:
        """The task list's pickers in one read: procedures, colleagues, the officer's filters."""
        with self.db.read() as s:
            user = self._user(s, username)
            procedures = list(
                s.execute(
                    select(Procedure)
                    .where(Procedure.current_version_id.is_not(None), Procedure.mode != "info")
                    .order_by(Procedure.code)
                ).scalars()
            )
            colleagues = list(
                s.execute(
                    select(User)
                    .where(User.agency_code == user.agency_code, User.active.is_(True))
                    .order_by(User.full_name, User.username)
                ).scalars()
            )
            saved = list(
                s.execute(
                    select(SavedFilter)
                    .where(SavedFilter.username == username)
                    .order_by(SavedFilter.name)
                ).scalars()
            )
        return procedures, colleagues, saved

    def agency_officers(self: Engine, agency_code: str | None) -> list[User]:
        """The active officers of an agency, for the assign and reassign pickers."""
        with self.db.read() as s:
            return list(
                s.execute(
                    select(User)
                    .where(User.agency_code == agency_code, User.active.is_(True))
                    .order_by(User.full_name, User.username)
                ).scalars()
            )


def _page_query(user: User, f: BoardFilter, now: datetime, role: str, pg: bool) -> Select:
    """Select one page of task ids in the asked order.

    With a filter on the received date and a sort on the task's due date, the matching tasks
    are gathered first behind ``OFFSET 0`` (PostgreSQL plans a subquery with an offset on its
    own): the dates are correlated, and walking the due-date index hoping to meet recent
    dossiers early may read every task of the agency. Other dossier filters (channel, status)
    are not correlated with due dates, and walking the index is the fast plan for them.
    """
    if (f.received_from or f.received_to) and f.sort in ("due", "-due"):
        inner = (
            _scoped(select(TaskRow.id, TaskRow.due_at), user, f, now, role, array_ids=pg)
            .offset(0)
            .subquery()
        )
        order = (
            (inner.c.due_at.asc().nulls_last(), inner.c.id)
            if f.sort == "due"
            else (inner.c.due_at.desc().nulls_first(), inner.c.id.desc())
        )
        q = select(inner.c.id).order_by(*order)
    else:
        q = _scoped(select(TaskRow.id), user, f, now, role, sorting=True).order_by(*SORTS[f.sort])
    return q.limit(f.per_page).offset((f.page - 1) * f.per_page)


def _scoped(
    q: Select,
    user: User,
    f: BoardFilter,
    now: datetime,
    escalation_role: str,
    *,
    sorting: bool = False,
    array_ids: bool = False,
) -> Select:
    """Apply visibility and filters; join the dossier only when a filter or the sort needs it."""
    on_dossier = _dossier_conditions(f)
    if sorting and f.sort in ("received", "-received", "code"):
        q = q.join(Dossier, Dossier.id == TaskRow.dossier_id).where(*on_dossier)
    elif on_dossier and array_ids and (f.received_from or f.received_to):
        # Dossiers received in a period are few: read their ids once (an InitPlan), then their
        # tasks by ix_tasks_dossier_id, instead of joining every open task of the agency.
        ids = select(func.array_agg(Dossier.id)).where(*on_dossier).scalar_subquery()
        q = q.where(TaskRow.dossier_id == any_(cast(ids, ARRAY(BigInteger))))
    elif on_dossier:  # a semi-join: the planner may start from the few matching dossiers
        q = q.where(TaskRow.dossier_id.in_(select(Dossier.id).where(*on_dossier)))
    q = q.where(TaskRow.state == "open")
    if f.scope == "incidents":
        q = _stuck(q, user)
    else:
        q = _held(q, user, f, escalation_role)
    if f.assignee:
        q = q.where(TaskRow.assignee == f.assignee)
    if f.procedure_code:
        q = q.where(TaskRow.procedure_code == f.procedure_code)
    if f.due_from:
        q = q.where(TaskRow.due_at >= _start(f.due_from))
    if f.due_to:
        q = q.where(TaskRow.due_at < _start(f.due_to + timedelta(days=1)))
    if f.urgency == "overdue":
        q = q.where(and_(TaskRow.due_at.is_not(None), TaskRow.due_at < now))
    elif f.urgency == "near_due":
        q = q.where(TaskRow.warn_at.is_not(None), TaskRow.warn_at < now, TaskRow.due_at >= now)
    return q


def _stuck(q: Select, user: User) -> Select:
    """The service tasks of open incidents, found from the few failing jobs (their index)."""
    jobs = select(ServiceJob.task_id).where(OPEN)
    agency = incident_agency(user)
    if agency is not None:
        jobs = jobs.join(Dossier, Dossier.id == ServiceJob.dossier_id)
        jobs = jobs.where(Dossier.agency_code == agency)
    return q.where(TaskRow.kind == "service", TaskRow.id.in_(jobs))


def _held(q: Select, user: User, f: BoardFilter, escalation_role: str) -> Select:
    """The people's tasks the scope shows: by role, by unit, the user's own, escalated."""
    roles = list(user.roles or [])
    by_role = f.scope == "group" and "admin" not in roles
    by_role = by_role or (f.scope == "unit" and not SUPERVISOR_ROLES & set(roles))
    if not by_role and f.scope != "mine" and not f.assignee:
        # service tasks (role "system") have no holder; incident tasks (a stopped call handed
        # to the head of unit) are people's work like any other
        q = q.where(TaskRow.kind.in_(("user", INCIDENT_KIND)))
    if user.agency_code is not None:
        q = q.where(TaskRow.agency_code == user.agency_code)
    elif "admin" not in roles:
        q = q.where(false())  # an officer of no agency sees no agency's work
    if f.scope == "mine":
        q = q.where(TaskRow.assignee == user.username)
    elif f.scope == "group":
        if "admin" not in roles:
            q = q.where(TaskRow.role.in_(roles))
    elif f.scope == "unit":
        if not SUPERVISOR_ROLES & set(roles):
            q = q.where(TaskRow.role.in_(roles))
    elif f.scope == "escalated":
        q = q.where(TaskRow.escalated_at.is_not(None))
        if escalation_role not in roles:
            q = q.where(TaskRow.assignee == user.username)
    return q


def _dossier_conditions(f: BoardFilter) -> list[Any]:
    """The filters that test the dossier rather than the task."""
    conds: list[Any] = []
    if f.status:
        conds.append(Dossier.status == f.status)
    if f.channel:
        conds.append(Dossier.channel == f.channel)
    if f.dossier_code:
        conds.append(Dossier.code == f.dossier_code.strip())
    if f.received_from:
        conds.append(Dossier.received_at >= _start(f.received_from))
    if f.received_to:
        conds.append(Dossier.received_at < _start(f.received_to + timedelta(days=1)))
    return conds


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=VN)


def _id_of(applicant: dict[str, Any]) -> str:
    for key in ("id_number", "cccd", "personal_id"):
        if applicant.get(key):
            return str(applicant[key])
    return ""


def _check(f: BoardFilter) -> None:
    problems: dict[str, list[str]] = {}
    if f.scope not in SCOPES:
        problems["scope"] = [f"một trong {', '.join(SCOPES)}"]
    if f.urgency not in (None, *URGENCIES):
        problems["urgency"] = [f"một trong {', '.join(URGENCIES)}"]
    if f.sort not in SORTS:
        problems["sort"] = [f"một trong {', '.join(SORTS)}"]
    if not isinstance(f.page, int) or f.page < 1:
        problems["page"] = ["phải là số nguyên dương"]
    if not isinstance(f.per_page, int) or not 1 <= f.per_page <= MAX_PER_PAGE:
        problems["per_page"] = [f"từ 1 đến {MAX_PER_PAGE}"]
    if problems:
        raise InvalidInput("the task board filter is not valid", problems)

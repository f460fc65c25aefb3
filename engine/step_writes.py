"""What a step writes, gathered while it runs and written with Core as it finishes.

A step's rows — its workflow state, the dossier's and task rows' changed columns, new task
rows, timers, audit events, portal outbox rows and notifications — are all known only at its
end. Writing them there with Core statements instead of the ORM's unit of work takes most
of the client CPU a step spent in SQLAlchemy (no flush plan, no per-object bookkeeping), and
on PostgreSQL they travel as one statement of data-modifying CTEs: one round trip.

Rows of many-row parts reach PostgreSQL as one JSON parameter unpacked by
``json_populate_recordset`` into the table's own row type, so a statement's text depends
only on which parts a step has and which columns changed, never on how many rows: each
shape is built and compiled once and PostgreSQL prepares it. The CTEs touch different rows
and see one snapshot, which is what running them one after the other in the step would have
seen of the rows they touch.

The dossier and its task rows stay ORM objects while the step runs (other modules load the
same rows through ``session.get`` and must see one object per row); ``take_orm_changes``
moves their pending changes here and detaches them, so the commit's flush has nothing of
theirs left to do. A dossier that was already finished when the step began is left to the
ORM: the dashboard summary's flush hook (``metrics_summary``) must see changes to those.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    String,
    Table,
    all_,
    any_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.base import NEVER_SET, NO_VALUE
from sqlalchemy.types import UserDefinedType

from .models import (
    AuditEvent,
    AwareDateTime,
    Dossier,
    Notification,
    PortalOutbox,
    TaskRow,
    Timer,
    WorkflowState,
)

STATES = WorkflowState.__table__
TIMERS = Timer.__table__
TASKS = TaskRow.__table__
DOSSIERS = Dossier.__table__
AUDIT = AuditEvent.__table__
OUTBOX = PortalOutbox.__table__
NOTIFICATIONS = Notification.__table__
#: Tables a step inserts rows into, in the order they are written one by one (SQLite).
INSERTED = (TASKS, AUDIT, OUTBOX, NOTIFICATIONS)
#: ORM classes whose pending changes the step writes itself; their attribute keys are their
#: column names (``tests/engine/test_step_writes.py`` checks it).
TAKEN = {Dossier: DOSSIERS, TaskRow: TASKS}


@dataclass
class StepWrites:
    """The rows one step will write, queued in the order the step produced them."""

    dossier_id: int
    now: datetime
    #: Workflow-state values (``format_version``, ``state``, ``updated_at``) and whether
    #: the state row is new (the submit) or replaces the dossier's.
    state: dict[str, Any] | None = None
    new_state: bool = False
    inserts: dict[Table, list[dict[str, Any]]] = field(default_factory=dict)
    #: table → changed column names → rows (primary key + those columns).
    updates: dict[Table, dict[tuple[str, ...], list[dict[str, Any]]]] = field(default_factory=dict)
    timers: list[dict[str, Any]] = field(default_factory=list)
    dropped_timer_tasks: set[str] = field(default_factory=set)
    #: Unfired timer rows of the dossier to mark fired: None, "dossier_late" or "all".
    fire: str | None = None

    # -- queueing ----------------------------------------------------------------------
    def insert(self, table: Table, row: dict[str, Any]) -> None:
        """Queue a new row; columns left out get their default (or NULL)."""
        self.inserts.setdefault(table, []).append(_complete(table, row))

    def add_timer(self, kind: str, due_at: datetime, task_id: str | None = None) -> None:
        self.timers.append(
            {
                "dossier_id": self.dossier_id,
                "kind": kind,
                "task_id": task_id,
                "due_at": due_at,
                "fired_at": None,
            }
        )

    def fire_timers(self, kind: str | None) -> None:
        """Mark the dossier's unfired timers (of ``kind``, or all) fired at the step's moment.

        Timers queued earlier in this step are marked now, as if they were already in the
        table; the table's rows are marked as the step finishes (except those it deletes).
        """
        for row in self.timers:
            if row["fired_at"] is None and (kind is None or row["kind"] == kind):
                row["fired_at"] = self.now
        self.fire = "all" if kind is None or self.fire == "all" else kind

    def take_orm_changes(self, session: Session, dossier: Dossier) -> None:
        """Move the pending changes of the dossier and its task rows here; detach those objects.

        Only while the dossier is unfinished: changes to a finished dossier's rows (and to
        other dossiers' rows) stay with the ORM, whose flush hook keeps the dashboard's
        summary of finished dossiers exact (``metrics_summary``).
        """
        state = instance_state(dossier)
        if state.committed_state.get("finished_at", dossier.finished_at) is not None:
            return
        for obj in list(session.dirty):
            table = TAKEN.get(type(obj))
            if table is None or (obj is not dossier and obj.dossier_id != dossier.id):
                continue
            state = instance_state(obj)
            committed, current = state.committed_state, state.dict
            changed = {
                key: current.get(key)
                for key, old in committed.items()
                if old is NO_VALUE or old is NEVER_SET or old != current.get(key)
            }
            if changed:
                names = tuple(sorted(changed))
                changed["id"] = obj.id
                self.updates.setdefault(table, {}).setdefault(names, []).append(changed)
            session.expunge(obj)

    # -- writing -----------------------------------------------------------------------
    def write(self, conn: Connection, *, postgresql: bool) -> None:
        """Write everything queued: one statement on PostgreSQL, one per part on SQLite."""
        if postgresql:
            shape, params = self._shape_and_params()
            if shape:
                conn.execute(_pg_statement(shape), params)
        else:
            self._write_one_by_one(conn)
        self.state, self.inserts, self.updates = None, {}, {}

    def write_timers(self, conn: Connection) -> None:
        """Write the queued timer changes now (for a statement that needs them in the table)."""
        if self.dropped_timer_tasks:
            params = {"tm_dossier": self.dossier_id, "tm_drop": sorted(self.dropped_timer_tasks)}
            conn.execute(_DROP_TIMERS, params)
            self.dropped_timer_tasks.clear()
        if self.fire is not None:
            params = {"tm_dossier": self.dossier_id, "tm_now": self.now}
            conn.execute(_FIRE_TIMERS[self.fire], params)
            self.fire = None
        if self.timers:
            conn.execute(_INSERT_TIMERS, self.timers)
            self.timers = []

    def _write_one_by_one(self, conn: Connection) -> None:
        if self.state is not None:
            if self.new_state:
                conn.execute(_INSERT_STATE, {"dossier_id": self.dossier_id, **self.state})
            else:
                conn.execute(_UPDATE_STATE, {"state_of": self.dossier_id, **self.state})
        for table, groups in self.updates.items():
            for names, rows in groups.items():
                conn.execute(_update_by_id(table, names), [_by_id(r) for r in rows])
        self.write_timers(conn)
        for table in INSERTED:
            rows = self.inserts.get(table)
            if rows:
                conn.execute(_INSERTS[table], rows)

    def _shape_and_params(self) -> tuple[tuple, dict[str, Any]]:
        """The statement's shape (which parts, which columns) and its parameters."""
        shape: list[Any] = []
        params: dict[str, Any] = {}
        if self.state is not None:
            shape.append(("state", self.new_state))
            params.update({f"st_{k}": v for k, v in self.state.items()}, st_dossier=self.dossier_id)
        for table, groups in sorted(self.updates.items(), key=lambda kv: kv[0].name):
            for names, rows in sorted(groups.items()):
                key = f"r{len(shape)}"
                shape.append(("update", table.name, names, key))
                params[key] = _json_rows(table, rows, ("id", *names))
        if self.dropped_timer_tasks or self.fire is not None:
            params["tm_dossier"], params["tm_now"] = self.dossier_id, self.now
            params["tm_drop"] = sorted(self.dropped_timer_tasks)
            shape.append(("timers", bool(self.dropped_timer_tasks), self.fire))
        for table, rows in ((TIMERS, self.timers), *((t, self.inserts.get(t)) for t in INSERTED)):
            if rows:
                key = f"r{len(shape)}"
                shape.append(("insert", table.name, key))
                params[key] = _json_rows(table, rows, _INSERT_COLUMNS[table])
        self.timers, self.dropped_timer_tasks, self.fire = [], set(), None
        return tuple(shape), params


# -- row helpers ---------------------------------------------------------------------------


def _defaults(table: Table) -> dict[str, Callable[[], Any]]:
    out: dict[str, Callable[[], Any]] = {}
    for c in table.columns:
        if c.primary_key and c.autoincrement is True:
            continue  # the database numbers the row
        default = c.default
        if default is None or not (default.is_scalar or default.is_callable):
            out[c.name] = lambda: None
        elif default.is_callable:
            out[c.name] = lambda fn=default.arg: fn(None)
        else:
            out[c.name] = lambda value=default.arg: value
    return out


_DEFAULTS = {t: _defaults(t) for t in (TASKS, AUDIT, OUTBOX, NOTIFICATIONS)}
_INSERT_COLUMNS = {t: tuple(_DEFAULTS[t]) for t in _DEFAULTS}
_INSERT_COLUMNS[TIMERS] = ("dossier_id", "kind", "task_id", "due_at", "fired_at")
_DATETIMES = {
    t: frozenset(c.name for c in t.columns if isinstance(c.type, AwareDateTime))
    for t in (*_DEFAULTS, TIMERS, DOSSIERS)
}


def _complete(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """The row with every insertable column (executemany and the JSON rows need all keys)."""
    return {name: row[name] if name in row else make() for name, make in _DEFAULTS[table].items()}


def row_values(obj: Any) -> dict[str, Any]:
    """The column values of a new ORM object that is not added to the session."""
    return {name: getattr(obj, name) for name in _DEFAULTS[obj.__table__]}


def insert_new(session: Session, obj: Any) -> None:
    """INSERT a new ORM object with one Core statement and keep it in the session, clean.

    The ORM's flush would do the same INSERT at the cost of a unit of work (and of the
    flush hooks, which a new unfinished dossier gives nothing to do). Column defaults are
    set on the object first, so it holds exactly what the row holds.
    """
    table = obj.__table__
    values: dict[str, Any] = {}
    for c in table.columns:
        if c.primary_key and c.autoincrement is True:
            continue
        value = getattr(obj, c.key)
        if value is None and c.default is not None and c.default.is_callable:
            value = c.default.arg(None)
        elif value is None and c.default is not None and c.default.is_scalar:
            value = c.default.arg
        setattr(obj, c.key, value)
        values[c.name] = value
    obj.id = session.connection().execute(_insert_returning_id(table), values).scalar_one()
    make_transient_to_detached(obj)
    session.add(obj)


def _by_id(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["_id"] = out.pop("id")
    return out


def _json_rows(
    table: Table, rows: list[dict[str, Any]], names: tuple[str, ...]
) -> list[dict[str, Any]]:
    """Rows as ``json_populate_recordset`` reads them (times as ISO 8601 with their offset)."""
    stamps = _DATETIMES[table]
    out = []
    for row in rows:
        item = {}
        for name in names:
            value = row[name]
            if name in stamps and value is not None:
                if value.tzinfo is None:
                    raise ValueError(
                        f"naive datetime {value!r}: the engine stores aware times only"
                    )
                value = value.isoformat()
            item[name] = value
        out.append(item)
    return out


# -- statements ----------------------------------------------------------------------------

_INSERT_STATE = insert(STATES)
_UPDATE_STATE = update(STATES).where(STATES.c.dossier_id == bindparam("state_of"))
_INSERT_TIMERS = insert(TIMERS)
_INSERTS = {t: insert(t) for t in INSERTED}
_DROP_TIMERS = delete(TIMERS).where(
    TIMERS.c.dossier_id == bindparam("tm_dossier"),
    TIMERS.c.task_id.in_(bindparam("tm_drop", expanding=True)),
    TIMERS.c.fired_at.is_(None),
)
_FIRE_ALL = (
    update(TIMERS)
    .where(TIMERS.c.dossier_id == bindparam("tm_dossier"), TIMERS.c.fired_at.is_(None))
    .values(fired_at=bindparam("tm_now", type_=TIMERS.c.fired_at.type))
)
_FIRE_TIMERS = {"all": _FIRE_ALL, "dossier_late": _FIRE_ALL.where(TIMERS.c.kind == "dossier_late")}
_UPDATES: dict[tuple[str, tuple[str, ...]], Any] = {}
_INSERTS_RETURNING_ID: dict[str, Any] = {}


def _insert_returning_id(table: Table) -> Any:
    stmt = _INSERTS_RETURNING_ID.get(table.name)
    if stmt is None:
        stmt = _INSERTS_RETURNING_ID[table.name] = insert(table).returning(table.c.id)
    return stmt


def _update_by_id(table: Table, names: tuple[str, ...]) -> Any:
    key = (table.name, names)
    stmt = _UPDATES.get(key)
    if stmt is None:
        stmt = update(table).where(table.c.id == bindparam("_id"))
        stmt = stmt.values({n: bindparam(n) for n in names})
        _UPDATES[key] = stmt
    return stmt


_TABLES = {t.name: t for t in (STATES, TIMERS, TASKS, DOSSIERS, AUDIT, OUTBOX, NOTIFICATIONS)}
_PG_STATEMENTS: dict[tuple, Any] = {}
#: Shapes kept; a step has few, so this bounds only the pathological case.
_MAX_SHAPES = 512


def _pg_statement(shape: tuple) -> Any:
    stmt = _PG_STATEMENTS.get(shape)
    if stmt is None:
        if len(_PG_STATEMENTS) >= _MAX_SHAPES:
            _PG_STATEMENTS.clear()
        parts = [stmt for part in shape for stmt in _pg_parts(part)]
        ctes = [part.cte(f"w{i}") for i, part in enumerate(parts)]
        stmt = _PG_STATEMENTS[shape] = select(literal_column("1")).add_cte(*ctes)
    return stmt


class _RowOf(UserDefinedType):
    """A table's row type, for ``json_populate_recordset(NULL::table, rows)``."""

    cache_ok = True

    def __init__(self, table: str) -> None:
        self.table = table

    def get_col_spec(self, **_kw: Any) -> str:
        return self.table


def _recordset(table: Table, names: tuple[str, ...], param: str) -> Any:
    """The JSON parameter ``param`` as rows of ``table`` (its columns typed as the table's)."""
    rows = func.json_populate_recordset(
        cast(null(), _RowOf(table.name)), bindparam(param, type_=JSON)
    )
    return rows.table_valued(*names).alias(param)


def _pg_parts(part: tuple) -> list[Any]:
    kind = part[0]
    if kind == "state":
        values = {
            "format_version": bindparam("st_format_version", type_=STATES.c.format_version.type),
            "state": bindparam("st_state", type_=STATES.c.state.type),
            "updated_at": bindparam("st_updated_at", type_=STATES.c.updated_at.type),
        }
        if part[1]:
            return [insert(STATES).values(dossier_id=bindparam("st_dossier"), **values)]
        where = STATES.c.dossier_id == bindparam("st_dossier")
        return [update(STATES).where(where).values(values)]
    if kind == "update":
        table, names, key = _TABLES[part[1]], part[2], part[3]
        rows = _recordset(table, ("id", *names), key)
        changed = {n: rows.c[n] for n in names}
        return [update(table).where(table.c.id == rows.c.id).values(changed)]
    if kind == "timers":
        return _pg_timers(has_drop=part[1], fire=part[2])
    table, key = _TABLES[part[1]], part[2]
    names = _INSERT_COLUMNS[table]
    rows = _recordset(table, names, key)
    return [insert(table).from_select(names, select(rows), include_defaults=False)]


def _pg_timers(*, has_drop: bool, fire: str | None) -> list[Any]:
    """Delete the timers of the step's finished tasks and fire the dossier's other timers.

    A row may be changed by only one part of a statement, so the fire leaves alone the rows
    the deletion takes.
    """
    drop = bindparam("tm_drop", type_=ARRAY(String))
    mine = TIMERS.c.dossier_id == bindparam("tm_dossier", type_=TIMERS.c.dossier_id.type)
    out: list[Any] = []
    if has_drop:
        dropped = TIMERS.c.task_id == any_(drop)
        out.append(delete(TIMERS).where(mine, dropped, TIMERS.c.fired_at.is_(None)))
    if fire is not None:
        conditions: list[ColumnElement[bool]] = [mine, TIMERS.c.fired_at.is_(None)]
        if fire == "dossier_late":
            conditions.append(TIMERS.c.kind == "dossier_late")
        if has_drop:
            conditions.append(or_(TIMERS.c.task_id.is_(None), TIMERS.c.task_id != all_(drop)))
        now = bindparam("tm_now", type_=TIMERS.c.fired_at.type)
        out.append(update(TIMERS).where(*conditions).values(fired_at=now))
    return out

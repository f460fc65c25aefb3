"""The dashboard's per-day summary of events, and what keeps it exact.

A period's figures are the summary rows of its days plus a live count of the events the
summary does not hold. The summary holds exactly the events *before the watermark* (a local
midnight, ``metrics_watermark.upto``): receipts, results, finishes, supplementation
requests, ratings, documents linked, registry reuses and fees raised, each filed under its
key day and group (``engine.metrics_events``). ``advance`` moves the mark to today's
midnight and adds the events of the days in between; the live counts read only the events
since the mark, so what they scan is bounded by how often ``advance`` runs: a day's events
(the scheduler's tick runs it once a midnight has passed, ``engine.ticks``, and a dashboard
read that still finds it stale runs it first).

Why an event before the mark does not change: the engine writes each event at its own
moment (the step's ``now``), and a step of an open dossier only adds events — its result,
its finish, a request are new events; a due date moved by a pause matters only to a result
not yet ready. What can change an event already summarised is a correction: a row's
moment, agency, procedure, channel, outcome or due date rewritten, a fee paid later, a
document relinked, a row deleted or written with a moment before the mark. Those go
through the ORM (steps write open dossiers with Core, ``engine.step_writes``, and never
do that), and the flush hook below takes the touched dossiers' contribution out before the
flush and puts their new one back after it, in the same transaction.

"Dossiers sent back for supplementation in a period" counts a dossier once however many
times it was sent back, so it is not a sum of days. Each request is counted as a *first*
(the dossier's first request) or, when the dossier's previous request was on an earlier day,
as a *repeat* in ``metrics_repeat_supplements`` with that day: a period's dossiers are its
first requests plus its repeats whose previous request falls before the period (a dossier's
earliest request inside the period is exactly one of those).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, inspect, literal, select, true, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .metrics_events import Keys, Window, families
from .metrics_sql import local_date
from .models import (
    Dossier,
    DossierDocument,
    DossierReuse,
    FeePayment,
    MetricsDay,
    MetricsMonth,
    MetricsRepeatSupplement,
    MetricsWatermark,
    Rating,
    TaskRow,
)

if TYPE_CHECKING:
    from .runtime import Engine

COUNTS = (
    "received",
    "received_online",
    "received_counter",
    "received_post",
    "settled",
    "settled_early",
    "settled_late",
    "refused",
    "withdrawn",
    "documents",
    "digitised_dossiers",
    "kept_documents",
    "registry_documents",
    "prefilled_fields",
    "reusing_dossiers",
    "fee_dossiers",
    "paid_online",
    "ratings",
    "rating_sum",
    "satisfied",
    "finished_unsettled",
    "supplement_requests",
    "first_supplements",
)
KEY = ("day", "agency_code", "procedure_code")
#: The summary's layout: bumped when its columns or what it holds change, so that the next
#: ``advance`` counts everything again (2: every event before the mark, channels as
#: columns, supplementation).
LAYOUT = 2
_ROW = 1  # the watermark table's only row
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PENDING = "metrics_summary_pending"


def local_midnight(moment: datetime, tz: tzinfo) -> datetime:
    return datetime.combine(moment.astimezone(tz).date(), time(0), tzinfo=tz)


def watermark(s: Any) -> datetime | None:
    """Events before this moment are in the summary (None: nothing is)."""
    upto = s.execute(select(MetricsWatermark.upto).where(MetricsWatermark.id == _ROW)).scalar()
    return upto


def is_stale(engine: Engine, now: datetime | None = None) -> bool:
    with engine.db.read() as s:
        row = s.execute(
            select(MetricsWatermark.upto, MetricsWatermark.layout).where(
                MetricsWatermark.id == _ROW
            )
        ).first()
    target = local_midnight(now or engine.clock.now(), engine.calendar.tz)
    return row is None or row.layout != LAYOUT or row.upto < target


def advance(
    engine: Engine, now: datetime | None = None, *, days: int | None = None
) -> dict[str, Any]:
    """Summarise the events before today's local midnight; idempotent.

    ``days`` bounds one call's work for the scheduler's tick: the mark moves at most that
    many local days (a rebuild's first call counts up to that many days after the first
    receipt, and everything before it), and the next call goes on from there. Any midnight
    is a valid mark, so a summary part of the way there is as exact as a whole one.
    """
    tz = engine.calendar.tz
    target = local_midnight(now or engine.clock.now(), tz)
    with engine.db.write() as s:
        s.execute(
            _insert(s)(MetricsWatermark)
            .values(id=_ROW, upto=_EPOCH, zone=str(tz), layout=LAYOUT)
            .on_conflict_do_nothing()
        )
        row = s.execute(
            select(MetricsWatermark).where(MetricsWatermark.id == _ROW).with_for_update()
        ).scalar_one()
        before = row.upto
        if row.zone != str(tz) or row.layout != LAYOUT:  # another zone's days, or columns
            for model in (MetricsDay, MetricsMonth, MetricsRepeatSupplement):
                s.execute(model.__table__.delete())  # count everything again
            row.zone, row.layout, before = str(tz), LAYOUT, _EPOCH
        if before >= target:
            return {"upto": before.isoformat(), "received": 0}
        if days is not None:
            target = min(target, _step_end(s, before, tz, days))
        window = (None if before == _EPOCH else before, target)
        apply(s, tz, [], window, +1, at=target)
        received = s.execute(
            select(func.count()).where(*_within(Dossier.received_at, window))
        ).scalar()
        row.upto = target
    return {"upto": target.isoformat(), "received": int(received or 0)}


def _step_end(s: Any, before: datetime, tz: tzinfo, days: int) -> datetime:
    """The local midnight ``days`` days after the mark, or after the first receipt's day
    when nothing is summarised yet (no dossier: the far future, i.e. all at once)."""
    start = before
    if before == _EPOCH:
        first = s.execute(select(func.min(Dossier.received_at))).scalar()
        if first is None:
            return datetime.max.replace(tzinfo=UTC)
        start = local_midnight(first, tz)
    day = start.astimezone(tz).date() + timedelta(days=days)
    return datetime.combine(day, time(0), tzinfo=tz)


def _within(column: Any, window: Window) -> list[Any]:
    lo, hi = window
    return [c for c in (column >= lo if lo else None, column < hi if hi else None) if c is not None]


def apply(s: Any, tz: tzinfo, where: list[Any], window: Window, sign: int, *, at: datetime) -> None:
    """Add (``sign`` 1) or take out (−1) the events in ``window`` of the dossiers ``where``.

    All families go into one ``INSERT … SELECT … ON CONFLICT DO UPDATE`` per table, so the
    database does the work (a first run over a million dossiers moves no rows through
    Python) and each summary row gets one new version, not one per family.
    """
    dialect = s.get_bind().dialect.name if isinstance(s, Session) else s.dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    for model in (MetricsDay, MetricsMonth):
        table = model.__table__
        day = local_date if model is MetricsDay else local_month

        def key(moment: Any, day: Any = day) -> list[Any]:
            return [day(moment, dialect, tz, at), Dossier.agency_code, Dossier.procedure_code]

        keys = Keys(key)
        rows = []
        for f in families(keys, window, where, dialect=dialect, tz=tz, at=at):
            sub = f.statement.subquery()
            values = [sub.c[c] if c in f.names else literal(0) for c in COUNTS]
            rows.append(
                select(
                    *(sub.c[f"k{i}"] for i in range(len(KEY))),
                    *(v.label(c) for v, c in zip(values, COUNTS, strict=True)),
                )
            )
        every = union_all(*rows).subquery()
        ks = [every.c[f"k{i}"] for i in range(len(KEY))]
        sums = [(func.sum(every.c[c]) * sign).label(c) for c in COUNTS]
        stmt = select(*ks, *sums).where(true()).group_by(*ks)  # WHERE: SQLite's upsert syntax
        insert = make(table).from_select(list(KEY + COUNTS), stmt)
        s.execute(
            insert.on_conflict_do_update(
                index_elements=list(KEY),
                set_={c: table.c[c] + insert.excluded[c] for c in COUNTS},
            )
        )
    _upsert_repeats(s, make, dialect, tz, at, where, window, sign)


def _upsert_repeats(
    s: Any,
    make: Any,
    dialect: str,
    tz: tzinfo,
    at: datetime,
    where: list[Any],
    window: Window,
    sign: int,
) -> None:
    """Add the requests in ``window`` whose dossier's previous one was on an earlier day."""
    previous = func.lag(TaskRow.completed_at).over(
        partition_by=TaskRow.dossier_id, order_by=(TaskRow.completed_at, TaskRow.id)
    )
    sup = (
        select(
            TaskRow.dossier_id.label("id"),
            TaskRow.completed_at.label("at"),
            previous.label("previous"),
        )
        .join(Dossier, Dossier.id == TaskRow.dossier_id)
        .where(TaskRow.action == "supplement", TaskRow.completed_at.is_not(None), *where)
        .subquery()
    )
    table = MetricsRepeatSupplement.__table__
    day = local_date(sup.c.at, dialect, tz, at)
    previous_day = local_date(sup.c.previous, dialect, tz, at)
    key = (day, previous_day, Dossier.agency_code, Dossier.procedure_code)
    stmt = (
        select(*key, func.count() * sign)
        .select_from(Dossier)
        .join(sup, sup.c.id == Dossier.id)
        .where(*_within(sup.c.at, window), sup.c.previous.is_not(None), previous_day < day)
        .group_by(*key)
    )
    columns = ["day", "previous_day", "agency_code", "procedure_code"]
    insert = make(table).from_select([*columns, "requests"], stmt)
    s.execute(
        insert.on_conflict_do_update(
            index_elements=columns,
            set_={"requests": table.c.requests + insert.excluded.requests},
        )
    )


def _insert(s: Any) -> Any:
    dialect = s.get_bind().dialect.name if isinstance(s, Session) else s.dialect.name
    return pg_insert if dialect == "postgresql" else sqlite_insert


def local_month(column: Any, dialect: str, tz: tzinfo, at: datetime) -> Any:
    """The first day of the local month of a stored UTC moment."""
    if dialect == "postgresql":
        return func.date(func.date_trunc("month", func.timezone(str(tz), column)))
    offset = at.astimezone(tz).utcoffset()
    seconds = int(offset.total_seconds()) if offset else 0
    return func.date(column, f"{seconds:+d} seconds", "start of month")


# --- the flush hook: corrections of summarised events ----------------------------------------

#: The dossier columns that file all its events (a change re-files every one of them).
KEYS = ("received_at", "agency_code", "procedure_code", "channel")
#: Each dated column of a dossier, and the columns its own event's figures depend on.
DEPENDS = {
    "settled_at": ("settled_at", "due_at"),
    "finished_at": ("finished_at", "outcome", "settled_at"),
}
TRACKED = (*KEYS, "settled_at", "due_at", "finished_at", "outcome")
#: Each row type's own moment: an event before the watermark is summarised.
MOMENT = {
    DossierDocument: "attached_at",
    DossierReuse: "recorded_at",
    FeePayment: "created_at",
    Rating: "rated_at",
    TaskRow: "completed_at",
}


def _values(obj: Any, name: str, dirty: bool) -> list[Any]:
    """The attribute's value now and, for a changed row, before the change."""
    values = [getattr(obj, name)]
    if dirty:
        values += list(inspect(obj).attrs[name].history.deleted)
    return [v for v in values if v is not None]


def _changed(obj: Any, names: tuple[str, ...]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[n].history.has_changes() for n in names)


def _candidates(session: Session) -> list[tuple[Any, str]]:
    """The objects of this flush that may touch summarised events, with how (no SQL yet)."""
    out: list[tuple[Any, str]] = []
    for obj in session.dirty:
        if isinstance(obj, Dossier):
            if obj.id is not None and _changed(obj, TRACKED):
                out.append((obj, "dirty"))
        elif type(obj) in MOMENT and session.is_modified(obj):
            out.append((obj, "dirty"))
    for obj in session.deleted:
        if isinstance(obj, Dossier) or type(obj) in MOMENT:
            out.append((obj, "deleted"))
    for obj in session.new:
        if isinstance(obj, Dossier) or type(obj) in MOMENT:
            out.append((obj, "new"))
    return [
        (o, how)
        for o, how in out
        if not isinstance(o, TaskRow) or "supplement" in _values(o, "action", how == "dirty")
    ]


def _touched(candidates: list[tuple[Any, str]], upto: datetime) -> tuple[set[int], set[int], list]:
    """Dossiers whose summarised events may change, documents relinked, new dossiers."""
    ids: set[int] = set()
    documents: set[int] = set()
    new: list[Dossier] = []

    def summarised(obj: Any, name: str, dirty: bool) -> bool:
        return any(v < upto for v in _values(obj, name, dirty))

    for obj, how in candidates:
        dirty = how == "dirty"
        if isinstance(obj, Dossier):
            if how == "new":
                if any(summarised(obj, n, False) for n in ("received_at", *DEPENDS)):
                    new.append(obj)
            elif how == "deleted" or _changed(obj, KEYS):
                ids.add(obj.id)
            elif any(
                _changed(obj, names) and summarised(obj, column, True)
                for column, names in DEPENDS.items()
            ):
                ids.add(obj.id)
            continue
        if not summarised(obj, MOMENT[type(obj)], dirty):
            continue
        ids.update(_values(obj, "dossier_id", dirty))
        if isinstance(obj, DossierDocument):  # the reuse of later links to the same document
            documents.update(_values(obj, "document_id", dirty))
    return ids, documents, new


@event.listens_for(Session, "before_flush")
def _take_out(session: Session, _ctx: Any, _instances: Any) -> None:
    candidates = _candidates(session)
    if not candidates:
        return
    conn = session.connection()
    mark = conn.execute(select(MetricsWatermark).where(MetricsWatermark.id == _ROW)).first()
    if mark is None:
        return
    upto, tz = mark.upto, ZoneInfo(mark.zone)
    ids, documents, new = _touched(candidates, upto)
    if documents:
        ids |= set(
            conn.execute(
                select(DossierDocument.dossier_id).where(
                    DossierDocument.document_id.in_(sorted(documents))
                )
            ).scalars()
        )
    if ids:
        apply(conn, tz, [Dossier.id.in_(sorted(ids))], (None, upto), -1, at=upto)
    if ids or new:
        session.info[_PENDING] = (ids, new, upto, tz)


@event.listens_for(Session, "after_flush")
def _put_back(session: Session, _ctx: Any) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    ids, new, upto, tz = pending
    ids = ids | {o.id for o in new if o.id is not None}
    if ids:
        apply(session.connection(), tz, [Dossier.id.in_(sorted(ids))], (None, upto), +1, at=upto)

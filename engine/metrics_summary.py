"""The dashboard's per-day summary of finished dossiers, and what keeps it exact.

A period's figures are the ``metrics_days`` rows of its days plus a live count of the
dossiers the summary does not hold. The summary holds exactly the dossiers finished before
the watermark (a local midnight, ``metrics_watermark.upto``): once a dossier is finished
(returned, refused, withdrawn) the lifecycle never touches its receipt, result, finish,
channel, agency or procedure again, so its contribution is fixed and is counted once, on the
local day of each of its events (receipt, result, finish, and a rating on the day it was
given). The live queries then add the dossiers still open or
finished since the watermark, so ``summary + live`` is every dossier exactly once.

What may still change after a dossier is summarised — a rating, a document link, a registry
reuse or a fee row written late, a correction of the dossier row itself — goes through the ORM, and
the flush hook below takes the dossier's old contribution out before the flush and puts its
new one back after it, in the same transaction. ``advance`` moves the watermark to today's
local midnight (the scheduler runs it hourly; a read that finds it stale runs it too); it is
idempotent: a second run for the same day finds nothing to add.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, event, func, inspect, literal, literal_column, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .metrics_sql import count_if, local_date, reused_document, settled_early, settled_late
from .models import (
    Dossier,
    DossierDocument,
    DossierReuse,
    FeePayment,
    MetricsDay,
    MetricsMonth,
    MetricsWatermark,
    Rating,
)

if TYPE_CHECKING:
    from .runtime import Engine

COUNTS = (
    "received",
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
)
KEY = ("day", "agency_code", "procedure_code", "channel")
#: The dossier columns a summarised figure depends on.
TRACKED = (
    "received_at",
    "channel",
    "agency_code",
    "procedure_code",
    "settled_at",
    "due_at",
    "finished_at",
    "outcome",
)
#: A rating at or above this score counts as satisfied (hài lòng); engine.metrics shows it.
SATISFIED_SCORE = 4
_ROW = 1  # the watermark table's only row
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PENDING = "metrics_summary_pending"


def local_midnight(moment: datetime, tz: tzinfo) -> datetime:
    return datetime.combine(moment.astimezone(tz).date(), time(0), tzinfo=tz)


def watermark(s: Any) -> datetime | None:
    """Dossiers finished before this moment are in the summary (None: nothing is)."""
    upto = s.execute(select(MetricsWatermark.upto).where(MetricsWatermark.id == _ROW)).scalar()
    return upto


def is_stale(engine: Engine, now: datetime | None = None) -> bool:
    with engine.db.read() as s:
        upto = watermark(s)
    target = local_midnight(now or engine.clock.now(), engine.calendar.tz)
    return upto is None or upto < target


def advance(engine: Engine, now: datetime | None = None) -> dict[str, Any]:
    """Summarise the dossiers finished before today's local midnight; idempotent."""
    tz = engine.calendar.tz
    target = local_midnight(now or engine.clock.now(), tz)
    with engine.db.write() as s:
        s.execute(
            _insert(s)(MetricsWatermark)
            .values(id=_ROW, upto=_EPOCH, zone=str(tz))
            .on_conflict_do_nothing()
        )
        row = s.execute(
            select(MetricsWatermark).where(MetricsWatermark.id == _ROW).with_for_update()
        ).scalar_one()
        before = row.upto
        if row.zone != str(tz):  # the days were another zone's: count everything again
            s.execute(MetricsDay.__table__.delete())
            row.zone, before = str(tz), _EPOCH
        if before >= target:
            return {"upto": before.isoformat(), "dossiers": 0}
        condition = and_(Dossier.finished_at >= before, Dossier.finished_at < target)
        dossiers, _ = apply(s, tz, condition, +1, at=target)
        row.upto = target
    return {"upto": target.isoformat(), "dossiers": dossiers}


def apply(s: Any, tz: tzinfo, condition: Any, sign: int, *, at: datetime) -> tuple[int, int]:
    """Add (``sign`` 1) or take out (−1) the contribution of the dossiers matching ``condition``.

    Each family of figures is one ``INSERT … SELECT … ON CONFLICT DO UPDATE`` adding to the
    day's row, so the database does the work (a first run over a million dossiers moves no
    rows through Python). Returns how many dossiers were counted and the statements run.
    """
    dialect = s.get_bind().dialect.name if isinstance(s, Session) else s.dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert

    def upsert(column: Any, values: dict[str, Any], *joins: Any) -> None:
        for model in (MetricsDay, MetricsMonth):
            upsert_into(model, column, values, *joins)

    def upsert_into(model: Any, column: Any, values: dict[str, Any], *joins: Any) -> None:
        table = model.__table__
        day = local_date(column, dialect, tz, at)
        if model is MetricsMonth:
            day = local_month(column, dialect, tz, at)
        key = (day, Dossier.agency_code, Dossier.procedure_code, Dossier.channel)
        out = [(func.coalesce(values[c], 0) * sign) if c in values else literal(0) for c in COUNTS]
        stmt = select(*key, *out).select_from(Dossier)
        for target, on in joins:
            stmt = stmt.join(target, on) if target is not None else stmt.outerjoin(*on)
        stmt = stmt.where(condition, column.is_not(None)).group_by(*key)
        insert = make(table).from_select(list(KEY + COUNTS), stmt)
        s.execute(
            insert.on_conflict_do_update(
                index_elements=list(KEY),
                set_={c: table.c[c] + insert.excluded[c] for c in values},
            )
        )

    def of(model: Any) -> Any:
        return Dossier.id == model.dossier_id

    kept = reused_document()
    docs = (
        select(DossierDocument.dossier_id.label("id"), func.count().label("n"))
        .add_columns(count_if(kept).label("kept"))
        .join(Dossier, of(DossierDocument))
        .where(condition)
        .group_by(DossierDocument.dossier_id)
        .subquery()
    )
    reuse = (
        select(
            DossierReuse.dossier_id.label("id"),
            count_if(DossierReuse.kind == "document").label("registry"),
            count_if(DossierReuse.kind == "field").label("fields"),
        )
        .join(Dossier, of(DossierReuse))
        .where(condition)
        .group_by(DossierReuse.dossier_id)
        .subquery()
    )
    paid = and_(FeePayment.state == "paid", FeePayment.channel == "online")
    fees = (
        select(FeePayment.dossier_id.label("id"), func.count().label("n"))
        .add_columns(count_if(paid).label("paid"))
        .join(Dossier, of(FeePayment))
        .where(FeePayment.amount > 0, condition)
        .group_by(FeePayment.dossier_id)
        .subquery()
    )
    reusing = or_(func.coalesce(docs.c.kept, 0) > 0, func.coalesce(reuse.c.registry, 0) > 0)
    upsert(
        Dossier.received_at,
        {
            "received": func.count(),
            "documents": func.sum(docs.c.n),
            "digitised_dossiers": func.count(docs.c.id),
            "kept_documents": func.sum(docs.c.kept),
            "registry_documents": func.sum(reuse.c.registry),
            "prefilled_fields": func.sum(reuse.c.fields),
            "reusing_dossiers": count_if(reusing),
            "fee_dossiers": func.sum(fees.c.n),
            "paid_online": func.sum(fees.c.paid),
        },
        (None, (docs, docs.c.id == Dossier.id)),
        (None, (reuse, reuse.c.id == Dossier.id)),
        (None, (fees, fees.c.id == Dossier.id)),
    )
    upsert(
        Dossier.settled_at,
        {
            "settled": func.count(),
            "settled_early": count_if(settled_early(dialect, tz, at)),
            "settled_late": count_if(settled_late()),
        },
    )
    upsert(
        Dossier.finished_at,
        {
            "refused": count_if(Dossier.outcome == "refused"),
            "withdrawn": count_if(Dossier.outcome == "withdrawn"),
        },
    )
    upsert(
        Rating.rated_at,
        {
            "ratings": func.count(),
            "rating_sum": func.sum(Rating.score),
            "satisfied": count_if(Rating.score >= SATISFIED_SCORE),
        },
        (Rating, of(Rating)),
    )
    dossiers = s.execute(select(func.count()).select_from(Dossier).where(condition)).scalar()
    return sign * int(dossiers or 0), 4


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


def sources(days: tuple[date, date], months_ok: bool = True) -> list[tuple[Any, Any]]:
    """Which summary rows make up the days ``[first, last)``: (table, condition) pairs.

    The whole months inside come from ``metrics_months``, the days before and after them
    from ``metrics_days``.
    """
    a, b = days
    m1 = a if a.day == 1 else _next_month(a)
    mk = b.replace(day=1)
    if not months_ok or m1 >= mk:
        return [(MetricsDay, and_(MetricsDay.day >= a, MetricsDay.day < b))]
    d = MetricsDay
    edges = or_(and_(d.day >= a, d.day < m1), and_(d.day >= mk, d.day < b))
    return [(MetricsMonth, and_(MetricsMonth.day >= m1, MetricsMonth.day < mk)), (d, edges)]


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def summary_sums(days: tuple[date, date], where: Any, key: Any) -> list[Any]:
    """The summary's sums over ``days``, per ``key(model)`` (None: one total), as statements.

    ``where(model)`` gives the scope's conditions on a summary table.
    """
    out = []
    for m, condition in sources(days):

        def channel(name: str, m: Any = m) -> Any:
            return func.coalesce(func.sum(case((m.channel == name, m.received), else_=0)), 0)

        k = key(m)
        stmt = select(
            k if k is not None else literal_column("'*'"),
            func.sum(m.received),
            channel("online"),
            channel("counter"),
            channel("post"),
            *(func.sum(getattr(m, c)) for c in COUNTS[1:]),
        ).where(condition, *where(m))
        out.append(stmt.group_by(k) if k is not None else stmt)
    return out


def day_span(start: datetime, end: datetime, tz: tzinfo) -> tuple[date, date] | None:
    """The local days ``[start, end)`` covers, or None when it does not fall on midnights."""
    a, b = start.astimezone(tz), end.astimezone(tz)
    if a.time() != time(0) or b.time() != time(0):
        return None
    if local_midnight(a, tz) != a or local_midnight(b, tz) != b:
        return None
    return a.date(), b.date()


# --- the flush hook: late changes to summarised dossiers ------------------------------------


def _touched(session: Session) -> tuple[set[int], set[int]]:
    """Dossiers whose summarised figures this flush may change, and documents relinked."""
    ids: set[int] = set()
    documents: set[int] = set()
    for obj in session.dirty:
        if isinstance(obj, Dossier) and obj.id is not None:
            attrs = inspect(obj).attrs
            if any(attrs[name].history.has_changes() for name in TRACKED):
                ids.add(obj.id)
    for obj in session.deleted:
        if isinstance(obj, Dossier) and obj.id is not None:
            ids.add(obj.id)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, DossierDocument | DossierReuse | FeePayment | Rating):
            if obj.dossier_id is not None:
                ids.add(obj.dossier_id)
            if isinstance(obj, DossierDocument) and obj.document_id is not None:
                documents.add(obj.document_id)
    return ids, documents


@event.listens_for(Session, "before_flush")
def _take_out(session: Session, _ctx: Any, _instances: Any) -> None:
    ids, documents = _touched(session)
    new = [o for o in session.new if isinstance(o, Dossier) and o.finished_at is not None]
    if not ids and not new:
        return
    conn = session.connection()
    mark = conn.execute(select(MetricsWatermark).where(MetricsWatermark.id == _ROW)).first()
    if mark is None:
        return
    upto = mark.upto
    if documents:  # a relinked document changes the reuse of the dossiers sharing it
        ids |= set(
            conn.execute(
                select(DossierDocument.dossier_id).where(
                    DossierDocument.document_id.in_(sorted(documents))
                )
            ).scalars()
        )
    covered = (
        set(
            conn.execute(
                select(Dossier.id).where(Dossier.id.in_(sorted(ids)), Dossier.finished_at < upto)
            ).scalars()
        )
        if ids
        else set()
    )
    tz = ZoneInfo(mark.zone)
    if covered:
        apply(conn, tz, Dossier.id.in_(sorted(covered)), -1, at=upto)
    session.info[_PENDING] = (covered, new, upto, tz)


@event.listens_for(Session, "after_flush")
def _put_back(session: Session, _ctx: Any) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    covered, new, upto, tz = pending
    ids = covered | {o.id for o in new if o.id is not None}
    if ids:
        condition = and_(Dossier.id.in_(sorted(ids)), Dossier.finished_at < upto)
        apply(session.connection(), tz, condition, +1, at=upto)

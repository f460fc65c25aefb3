"""The dashboard's figures, counted live from the rows the engine writes as dossiers move.

Nothing here is typed in by hand or kept in a second set of books: each figure is a SQL
count over ``dossiers``, ``tasks``, ``dossier_documents``, ``ratings`` and
``fee_payments``, so it always equals what a direct count of the events
gives. Definitions and their sources are in docs/dashboard.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from . import metrics_summary as summary
from .metrics_period import Period, Scope
from .metrics_sql import (
    count_if,
    group_key,
    in_period,
    kept_reuse_of,
    reused_document,
    scope_filter,
    settled_early,
    settled_late,
)
from .models import (
    Agency,
    Dossier,
    DossierDocument,
    DossierReuse,
    FeePayment,
    MetricsDay,
    Rating,
    TaskRow,
)

if TYPE_CHECKING:
    from .runtime import Engine

SATISFIED_SCORE = summary.SATISFIED_SCORE


@dataclass
class Figures:
    """Counts for one group (the province, an agency or a procedure) over one period."""

    received: int = 0
    received_online: int = 0
    received_counter: int = 0
    received_post: int = 0
    in_process: int = 0
    settled: int = 0
    settled_early: int = 0
    settled_on_time: int = 0
    settled_late: int = 0
    refused: int = 0
    withdrawn: int = 0
    supplement_requests: int = 0
    supplemented_dossiers: int = 0
    documents: int = 0
    digitised_dossiers: int = 0
    reused_documents: int = 0  # stored documents reused + documents taken from registries
    registry_documents: int = 0  # of which taken from a registry (dossier_reuse)
    prefilled_fields: int = 0  # form values filled from a registry (dossier_reuse)
    reusing_dossiers: int = 0
    fee_dossiers: int = 0
    paid_online: int = 0
    ratings: int = 0
    rating_sum: int = 0
    satisfied: int = 0

    @property
    def on_time_rate(self) -> float | None:
        """Share of settled dossiers settled early or on time (tỷ lệ đúng hạn)."""
        return _ratio(self.settled_early + self.settled_on_time, self.settled)

    @property
    def online_share(self) -> float | None:
        return _ratio(self.received_online, self.received)

    @property
    def online_payment_share(self) -> float | None:
        return _ratio(self.paid_online, self.fee_dossiers)

    @property
    def digitised_share(self) -> float | None:
        return _ratio(self.digitised_dossiers, self.received)

    @property
    def reuse_share(self) -> float | None:
        """Share of received dossiers that reused at least one document (kept or registry)."""
        return _ratio(self.reusing_dossiers, self.received)

    @property
    def satisfaction_avg(self) -> float | None:
        return _ratio(self.rating_sum, self.ratings)

    @property
    def satisfaction_share(self) -> float | None:
        return _ratio(self.satisfied, self.ratings)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in RATIOS:
            out[name] = getattr(self, name)
        return out


RATIOS = (
    "on_time_rate",
    "online_share",
    "online_payment_share",
    "digitised_share",
    "reuse_share",
    "satisfaction_avg",
    "satisfaction_share",
)


#: The queries ``compute_in`` can run, named by the first figure each fills.
PART_OF = {
    "received": "received",
    "settled": "settled",
    "in_process": "in_process",
    "refused": "finished",
    "supplement_requests": "supplementation",
    "documents": "documents",
    "ratings": "ratings",
    "fee_dossiers": "payments",
}
PARTS = frozenset(PART_OF.values())


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def compute(
    engine: Engine,
    period: Period,
    scope: Scope | None = None,
    by: str | None = None,
    parts: frozenset[str] | None = None,
    *,
    summarised: bool = True,
) -> dict[str, Figures]:
    """Figures for ``period``, one entry per group (``by`` agency/procedure, or ``"*"``).

    ``summarised=False`` counts everything live (the summary's tests compare both).
    """
    with snapshot(engine, summarised) as (s, upto):
        return compute_in(
            s,
            engine.calendar.tz,
            period,
            scope or Scope(),
            by,
            parts or PARTS,
            engine.clock.now(),
            upto=upto,
        )


@contextmanager
def snapshot(engine: Engine, summarised: bool = True) -> Iterator[tuple[Session, Any]]:
    """A read session that sees the summary and the live rows at one moment, and its watermark.

    The summary job moves dossiers from the live side to the summary side in one commit; a
    reader must not see half of that, so on PostgreSQL the reads share one REPEATABLE READ
    snapshot (SQLite's read transaction is one snapshot already). A stale summary (a day
    has ended since it was last advanced) is brought up to date first.
    """
    if summarised and summary.is_stale(engine):
        summary.advance(engine)
    if engine.db.is_sqlite:
        with engine.db.read() as s:
            yield s, summary.watermark(s) if summarised else None
        return
    repeatable = engine.db.engine.execution_options(isolation_level="REPEATABLE READ")
    with Session(repeatable) as s, s.begin():
        yield s, summary.watermark(s) if summarised else None


def trend(
    engine: Engine,
    period: Period,
    scope: Scope | None = None,
    *,
    kind: str = "month",
    count: int = 12,
    summarised: bool = True,
) -> list[tuple[Period, Figures]]:
    """Received (by channel) and settled figures for ``count`` periods up to ``period``'s end.

    Early settlements are not told apart here (``settled_on_time`` holds early and on time
    together): the on-time rate needs only the late ones.

    One query per figure family for all the periods: each row is put in its period by a
    CASE over the periods' bounds, which reads the same on SQLite and PostgreSQL.
    """
    buckets = period.buckets(kind, count)
    out = [Figures() for _ in buckets]
    span = Period(buckets[0].start, buckets[-1].end)
    tz = engine.calendar.tz
    where = scope_filter(scope or Scope())
    online, counter, post = (Dossier.channel == c for c in ("online", "counter", "post"))
    with snapshot(engine, summarised) as (s, upto):
        days = summary.day_span(span.start, span.end, tz) if upto is not None else None
        live = _live(upto) if days else []
        received = _bucket(Dossier.received_at, buckets)
        for index, *values in s.execute(
            select(received, func.count(), count_if(online), count_if(counter), count_if(post))
            .where(in_period(Dossier.received_at, span), *where, *live)
            .group_by(received)
        ):
            f = out[index]
            f.received, f.received_online, f.received_counter, f.received_post = map(int, values)
        settled = _bucket(Dossier.settled_at, buckets)
        for index, *values in s.execute(
            select(settled, func.count(), count_if(settled_late()))
            .where(in_period(Dossier.settled_at, span), *where, *live)
            .group_by(settled)
        ):
            f = out[index]
            f.settled, f.settled_late = map(int, values)
        if days:
            ends = [b.end.astimezone(tz).date() for b in buckets]
            by_month = all(e.day == 1 for e in ends)  # a month's row falls in one bucket
            for m, condition in summary.sources(days, by_month):
                day = case(*((m.day < e, i) for i, e in enumerate(ends)), else_=len(ends) - 1)
                for index, *values in s.execute(
                    select(
                        day,
                        func.sum(m.received),
                        func.sum(case((m.channel == "online", m.received), else_=0)),
                        func.sum(case((m.channel == "counter", m.received), else_=0)),
                        func.sum(case((m.channel == "post", m.received), else_=0)),
                        func.sum(m.settled),
                        func.sum(m.settled_late),
                    )
                    .where(condition, *_summary_scope(scope or Scope(), m))
                    .group_by(day)
                ):
                    f = out[index]
                    for name, value in zip(TREND_NAMES, values, strict=True):
                        setattr(f, name, getattr(f, name) + int(value or 0))
    for f in out:
        f.settled_on_time = f.settled - f.settled_late  # early and on time together
    return list(zip(buckets, out, strict=True))


TREND_NAMES = (
    "received",
    "received_online",
    "received_counter",
    "received_post",
    "settled",
    "settled_late",
)


def _live(upto: datetime | None) -> list[Any]:
    """The dossiers the summary does not hold: open, or finished since the watermark."""
    if upto is None:
        return []
    return [or_(Dossier.finished_at.is_(None), Dossier.finished_at >= upto)]


def _summary_scope(scope: Scope, m: Any = MetricsDay) -> list[Any]:
    conds: list[Any] = []
    if scope.agency_codes is not None:
        conds.append(m.agency_code.in_(sorted(scope.agency_codes)))
    if scope.procedure_code is not None:
        conds.append(m.procedure_code == scope.procedure_code)
    return conds


SUMMARY_NAMES = (
    "received",
    "received_online",
    "received_counter",
    "received_post",
    *summary.COUNTS[1:],
)


def _add_summary(
    s: Session,
    out: dict[str, Figures],
    by: str | None,
    scope: Scope,
    days: tuple[Any, Any],
    parts: frozenset[str],
) -> None:
    """Add the summarised dossiers' figures of ``days`` to the live ones."""

    def key(m: Any) -> Any:
        return {"agency": m.agency_code, "procedure": m.procedure_code}.get(by or "")

    grouped = by in ("agency", "procedure")
    stmts = summary.summary_sums(days, lambda m: _summary_scope(scope, m), key)
    wanted = {
        "received": "received",
        "settled": "settled",
        "refused": "finished",
        "documents": "documents",
        "fee_dossiers": "payments",
        "ratings": "ratings",
    }
    rows = [row for stmt in stmts for row in s.execute(stmt)]
    for row in rows:
        part = "received"
        f = out[str(row[0]) if grouped else "*"]
        for name, value in zip(SUMMARY_NAMES, row[1:], strict=True):
            part = wanted.get(name, part)
            if part not in parts:
                continue
            if name == "kept_documents":
                f.reused_documents += int(value or 0)
                continue
            if name == "registry_documents":
                f.reused_documents += int(value or 0)
            setattr(f, name, getattr(f, name) + int(value or 0))


def compute_in(
    s: Session,
    tz: tzinfo,
    period: Period,
    scope: Scope,
    by: str | None,
    parts: frozenset[str] = PARTS,
    now: datetime | None = None,
    *,
    upto: datetime | None = None,
) -> dict[str, Figures]:
    """The period's figures; with a watermark ``upto``, the summary's days plus the rest live.

    Received, settled, finished, document and fee figures of the dossiers finished before
    ``upto`` come from ``metrics_days`` (when the period falls on local midnights); in
    process and supplementation are always counted live.
    """
    dialect = s.get_bind().dialect.name
    key = group_key(by)
    scoped = scope_filter(scope)
    days = summary.day_span(period.start, period.end, tz) if upto is not None else None
    where = scoped + (_live(upto) if days else [])
    out: dict[str, Figures] = defaultdict(Figures)

    def fill(stmt: Any, names: tuple[str, ...]) -> None:
        if PART_OF[names[0]] not in parts:
            return
        for row in s.execute(stmt.group_by(key) if by else stmt):
            figures = out[str(row[0])]
            for name, value in zip(names, row[1:], strict=True):
                setattr(figures, name, int(value or 0))

    def q(*columns: Any) -> Any:
        return select(key, *columns).select_from(Dossier)

    online, counter, post = (Dossier.channel == c for c in ("online", "counter", "post"))
    fill(
        q(func.count(), count_if(online), count_if(counter), count_if(post)).where(
            in_period(Dossier.received_at, period), *where
        ),
        ("received", "received_online", "received_counter", "received_post"),
    )
    fill(
        q(
            func.count(),
            count_if(settled_early(dialect, tz, period.start)),
            count_if(settled_late()),
        ).where(in_period(Dossier.settled_at, period), *where),
        ("settled", "settled_early", "settled_late"),
    )
    if "in_process" in parts:
        _in_process(s, out, q, by, key, scoped, period, now)
    fill(
        q(count_if(Dossier.outcome == "refused"), count_if(Dossier.outcome == "withdrawn")).where(
            in_period(Dossier.finished_at, period), *where
        ),
        ("refused", "withdrawn"),
    )
    fill(
        q(func.count(), func.count(TaskRow.dossier_id.distinct()))
        .join(TaskRow, TaskRow.dossier_id == Dossier.id)
        .where(TaskRow.action == "supplement", in_period(TaskRow.completed_at, period), *scoped),
        ("supplement_requests", "supplemented_dossiers"),
    )
    received = in_period(Dossier.received_at, period)
    if "documents" in parts:
        _documents(s, out, q, by, key, where, received)
    fill(
        q(
            func.count(),
            func.coalesce(func.sum(Rating.score), 0),
            count_if(Rating.score >= SATISFIED_SCORE),
        )
        .join(Rating, Rating.dossier_id == Dossier.id)
        .where(in_period(Rating.rated_at, period), *where),
        ("ratings", "rating_sum", "satisfied"),
    )
    paid_online = and_(FeePayment.state == "paid", FeePayment.channel == "online")
    fill(
        q(func.count(), count_if(paid_online))
        .join(FeePayment, FeePayment.dossier_id == Dossier.id)
        .where(FeePayment.amount > 0, in_period(Dossier.received_at, period), *where),
        ("fee_dossiers", "paid_online"),
    )
    if days:
        _add_summary(s, out, by, scope, days, parts)
    for figures in out.values():
        figures.settled_on_time = figures.settled - figures.settled_early - figures.settled_late
    return dict(out)


def _documents(
    s: Session,
    out: dict[str, Figures],
    q: Any,
    by: str | None,
    key: Any,
    where: list,
    received: Any,
) -> None:
    """Digitised and reused documents of the dossiers received in the period.

    A dossier reuses a document when one of its documents was attached to an earlier
    dossier (kept) or was taken from a registry; those that did both are counted once:
    reusing = kept + registry − both, each part read from the dossiers that have documents
    (few) rather than by testing every received dossier.
    """

    def run(stmt: Any) -> Any:
        return s.execute(stmt.group_by(key) if by else stmt)

    kept = reused_document()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for k, docs, dossiers, reused, reusing in run(
        q(
            func.count(),
            func.count(DossierDocument.dossier_id.distinct()),
            count_if(kept),
            func.count(func.distinct(case((kept, DossierDocument.dossier_id)))),
        )
        .join(DossierDocument, DossierDocument.dossier_id == Dossier.id)
        .where(received, *where)
    ):
        f = out[str(k)]
        f.documents, f.digitised_dossiers, f.reused_documents = (
            int(docs),
            int(dossiers),
            int(reused),
        )
        counts[str(k)][0] = int(reusing)
    is_doc = DossierReuse.kind == "document"
    for k, docs, fields_, dossiers in run(
        q(
            count_if(is_doc),
            count_if(DossierReuse.kind == "field"),
            func.count(func.distinct(case((is_doc, DossierReuse.dossier_id)))),
        )
        .join(DossierReuse, DossierReuse.dossier_id == Dossier.id)
        .where(received, *where)
    ):
        f = out[str(k)]
        f.registry_documents, f.prefilled_fields = int(docs), int(fields_)
        f.reused_documents += int(docs)
        counts[str(k)][1] = int(dossiers)
    for k, both in run(
        q(func.count(DossierReuse.dossier_id.distinct()))
        .join(DossierReuse, DossierReuse.dossier_id == Dossier.id)
        .where(is_doc, kept_reuse_of(Dossier.id), received, *where)
    ):
        counts[str(k)][2] = int(both)
    for k, (kept_n, registry_n, both_n) in counts.items():
        out[k].reusing_dossiers = kept_n + registry_n - both_n


def _in_process(
    s: Session,
    out: dict[str, Figures],
    q: Any,
    by: str | None,
    key: Any,
    where: list,
    period: Period,
    now: datetime | None,
) -> None:
    """Dossiers received before the period's end and neither settled nor finished before it.

    Counted as the dossiers open now (a partial index holds only those), minus those
    received since the end, plus those closed since the end (result ready, or finished
    without one). A result is never ready after the dossier finishes nor before it is
    received, so this equals the definition exactly, and it reads only the rows since the
    period's end instead of every dossier ever received.
    """
    end = period.end
    terms = [(1, and_(Dossier.settled_at.is_(None), Dossier.finished_at.is_(None)))]
    if now is None or end <= now:
        terms += [
            (-1, Dossier.received_at >= end),
            (1, Dossier.settled_at >= end),
            (1, and_(Dossier.settled_at.is_(None), Dossier.finished_at >= end)),
        ]
    for sign, condition in terms:
        stmt = q(func.count()).where(condition, *where)
        for row in s.execute(stmt.group_by(key) if by else stmt):
            out[str(row[0])].in_process += sign * int(row[1] or 0)


def _bucket(column: Any, buckets: list[Period]) -> Any:
    return case(*((column < b.end, i) for i, b in enumerate(buckets)), else_=len(buckets) - 1)


def total(groups: dict[str, Figures]) -> Figures:
    """Sum of the groups' counts (distinct-dossier counts add up: a dossier has one group)."""
    out = Figures()
    for figures in groups.values():
        for f in fields(Figures):
            setattr(out, f.name, getattr(out, f.name) + getattr(figures, f.name))
    return out


def agencies_under(engine: Engine, codes: list[str]) -> frozenset[str]:
    """The agencies ``codes`` and every unit below them (a district and its communes)."""
    with engine.db.read() as s:
        rows = s.execute(select(Agency.code, Agency.parent_code)).all()
    children: dict[str | None, list[str]] = defaultdict(list)
    for code, parent in rows:
        children[parent].append(code)
    found, todo = set(), list(codes)
    while todo:
        code = todo.pop()
        if code not in found:
            found.add(code)
            todo.extend(children.get(code, ()))
    return frozenset(found)


def agency_names(engine: Engine) -> dict[str, tuple[str, str]]:
    """Agency code → (name, level), for labels and for telling communes from departments."""
    with engine.db.read() as s:
        return {
            c: (n, lvl) for c, n, lvl in s.execute(select(Agency.code, Agency.name, Agency.level))
        }

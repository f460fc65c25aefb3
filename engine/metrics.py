"""The dashboard's figures, counted from the rows the engine writes as dossiers move.

Nothing here is typed in by hand: each figure is a SQL count over ``dossiers``, ``tasks``,
``dossier_documents``, ``ratings`` and ``fee_payments`` (``engine.metrics_live``), or, for
the dossiers finished before the summary's watermark, the sum of that same count kept per
day and month (``engine.metrics_summary``), so it always equals what a direct count of the
events gives. Definitions and their sources are in docs/dashboard.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from . import metrics_live as live
from . import metrics_summary as summary
from . import metrics_summary_read as summed
from .metrics_events import CHANNELS, SATISFIED_SCORE, Keys, families
from .metrics_live import PARTS
from .metrics_period import Period, Scope
from .metrics_sql import scope_filter
from .models import Agency

if TYPE_CHECKING:
    from .runtime import Engine

__all__ = ["PARTS", "SATISFIED_SCORE", "Figures", "compute", "compute_in", "total", "trend"]


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
    scope = scope or Scope()
    keys = Keys(lambda moment: [_bucket(moment, buckets)])
    with snapshot(engine, summarised) as (s, upto):
        days = summed.day_span(span.start, span.end, tz) if upto is not None else None
        since = upto if days else None
        for family in families(
            keys,
            (since, None),
            scope_filter(scope),
            dialect=s.get_bind().dialect.name,
            tz=tz,
            at=span.start,
            period=span,
        ):
            if family.part in ("received", "settled"):
                for index, *values in s.execute(family.statement):
                    _add(out[index], family.names, values)
        if days:
            ends = [b.end.astimezone(tz).date() for b in buckets]
            by_month = all(e.day == 1 for e in ends)  # a month's row falls in one bucket
            for m, condition in summed.sources(s, days, by_month):
                day = case(*((m.day < e, i) for i, e in enumerate(ends)), else_=len(ends) - 1)
                sums = [summed.column_sum(m, name) for name in TREND_NAMES]
                stmt = select(day, *sums).where(condition, *summed.summary_scope(scope, m))
                for index, *values in s.execute(stmt.group_by(day)):
                    _add(out[index], TREND_NAMES, values)
    for f in out:
        f.settled_on_time = f.settled - f.settled_late  # early and on time together
    return list(zip(buckets, out, strict=True))


#: The trend's figures: early settlements are not told apart (see ``trend``).
TREND_NAMES = ("received", *(f"received_{c}" for c in CHANNELS), "settled", "settled_late")


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

    When the period starts on a local midnight, the summarised dossiers' figures of its whole
    days come from the summary, and only the tail (the dossiers it does not hold) is counted
    live, over the whole period. A period ending later in a day (the daily report's month to
    date) adds the summarised dossiers' events of that day's part, counted live: at most
    the ratings given today. In process is the tail's, plus the summarised dossiers' when
    the end is a midnight before the watermark.
    """
    scoped = scope_filter(scope)
    out: dict[str, Figures] = defaultdict(Figures)
    days = summed.summary_days(period, tz, upto)
    if days is None or upto is None:
        live.count(s, out, tz, period, by, parts, scoped)
        if "in_process" in parts:
            live.in_process(s, out, by, scoped, period.end, now)
    else:
        whole = Period(period.start, _midnight(days[1], tz))
        live.count(s, out, tz, whole, by, parts, scoped, since=upto, first_from=period.start)
        rest = summed.after_days(period, days, tz)
        if rest is not None:  # the part of today in the period: every event of it, live
            live.count(s, out, tz, rest, by, parts, scoped, first_from=period.start)
        summed.add_summary(s, out, by, scope, days, parts)
        if "in_process" in parts:
            _in_process(s, out, tz, period.end, by, scope, now, upto)
    for figures in out.values():
        figures.settled_on_time = figures.settled - figures.settled_early - figures.settled_late
    return dict(out)


def _in_process(
    s: Session,
    out: dict[str, Figures],
    tz: tzinfo,
    end: datetime,
    by: str | None,
    scope: Scope,
    now: datetime | None,
    upto: datetime,
) -> None:
    """In process at ``end``: the events since it are the summary's days from the first
    midnight at or after it up to the watermark, and live before and after those."""
    first = summary.local_midnight(end, tz)
    if first < end:
        first = _midnight(first.date() + timedelta(days=1), tz)
    held = (first, upto) if first < upto else None
    live.in_process(s, out, by, scope_filter(scope), end, now, held)
    if held and (now is None or end <= now):
        summed.add_in_process(s, out, by, scope, first.date(), upto.astimezone(tz).date())


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def _add(figures: Figures, names: tuple[str, ...], values: Any) -> None:
    """Add counted columns to the trend's figures (its own, not every figure they feed)."""
    for name, value in zip(names, values, strict=True):
        if name in TREND_NAMES:
            setattr(figures, name, getattr(figures, name) + int(value or 0))


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

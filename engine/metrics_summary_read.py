"""Reading the summary: which of its rows make up a period, and what they add to each figure.

``engine.metrics`` counts the dossiers the summary does not hold live and calls these to add
those it holds (``engine.metrics_summary`` writes them). Only periods that fall on local
midnights can be read from the summary, whose rows are local days and months.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo
from typing import Any

from sqlalchemy import and_, func, literal_column, or_, select
from sqlalchemy.orm import Session

from .metrics_events import COLUMNS
from .metrics_period import Period, Scope
from .metrics_summary import COUNTS, local_midnight
from .models import MetricsDay, MetricsMonth, MetricsRepeatSupplement

#: The summary columns a period's figures are read from.
READ = [n for n in COLUMNS if n in COUNTS and COLUMNS[n][1]]


def day_span(start: datetime, end: datetime, tz: tzinfo) -> tuple[date, date] | None:
    """The local days ``[start, end)`` covers, or None when it does not fall on midnights."""
    a, b = start.astimezone(tz), end.astimezone(tz)
    if a.time() != time(0) or b.time() != time(0):
        return None
    if local_midnight(a, tz) != a or local_midnight(b, tz) != b:
        return None
    return a.date(), b.date()


def summary_days(period: Period, tz: tzinfo, upto: datetime | None) -> tuple[date, date] | None:
    """The whole local days of ``period`` the summary can give, or None: count all live.

    The period must start on a local midnight; a part after its last midnight (the daily
    report's month to date ends now) is counted live, every event of it.
    """
    if upto is None:
        return None
    start = period.start.astimezone(tz)
    if local_midnight(start, tz) != start:
        return None
    last = local_midnight(period.end, tz)
    if last <= start:
        return None
    return start.date(), last.date()


def after_days(period: Period, days: tuple[date, date], tz: tzinfo) -> Period | None:
    """The part of ``period`` after its whole days (None when it ends on a midnight)."""
    last = datetime.combine(days[1], time(0), tzinfo=tz)
    return Period(last, period.end) if period.end > last else None


def sources(s: Session, days: tuple[date, date], months_ok: bool = True) -> list[tuple[Any, Any]]:
    """Which summary rows make up the days ``[first, last)``: (table, condition) pairs.

    The whole months inside come from ``metrics_months``, the days before and after them
    from ``metrics_days``. A month the days end in counts as whole when the summary has
    nothing after them in it: the current month, up to today, is then one row per group
    (the summary holds nothing after its watermark but a correction's rare row).
    """
    a, b = days
    m1 = a if a.day == 1 else _next_month(a)
    mk = b.replace(day=1)
    if months_ok and m1 <= mk < b and _nothing_in(s, b, _next_month(mk)):
        mk = _next_month(mk)
    if not months_ok or m1 >= mk:
        return [(MetricsDay, and_(MetricsDay.day >= a, MetricsDay.day < b))]
    d = MetricsDay
    edges = or_(and_(d.day >= a, d.day < m1), and_(d.day >= mk, d.day < b))
    return [(MetricsMonth, and_(MetricsMonth.day >= m1, MetricsMonth.day < mk)), (d, edges)]


def _nothing_in(s: Session, first: date, end: date) -> bool:
    day = MetricsDay.day
    return s.execute(select(day).where(day >= first, day < end).limit(1)).first() is None


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def summary_scope(scope: Scope, m: Any = MetricsDay) -> list[Any]:
    """The scope's conditions on a summary table (each row has one agency and procedure)."""
    conds: list[Any] = []
    if scope.agency_codes is not None:
        conds.append(m.agency_code.in_(sorted(scope.agency_codes)))
    if scope.procedure_code is not None:
        conds.append(m.procedure_code == scope.procedure_code)
    return conds


def column_sum(m: Any, name: str) -> Any:
    return func.sum(getattr(m, name))


def add_summary(
    s: Session,
    out: dict[str, Any],
    by: str | None,
    scope: Scope,
    days: tuple[date, date],
    parts: frozenset[str],
) -> None:
    """Add the summarised dossiers' figures of ``days`` to the live ones in ``out``."""
    names = [name for name in READ if COLUMNS[name][0] in parts]
    if names:
        for m, condition in sources(s, days):
            columns = [column_sum(m, name) for name in names]
            for k, *values in _grouped(s, m, by, columns, condition, *summary_scope(scope, m)):
                f = out[k]
                for name, value in zip(names, values, strict=True):
                    for figure in COLUMNS[name][1]:
                        setattr(f, figure, getattr(f, figure) + int(value or 0))
    if "supplementation" in parts:
        add_repeats(s, out, by, scope, days)


def add_repeats(
    s: Session, out: dict[str, Any], by: str | None, scope: Scope, days: tuple[date, date]
) -> None:
    """Count the dossiers whose earliest request in ``days`` is not their first: a repeat
    whose previous request is before ``days`` (a later one's previous is inside)."""
    a, b = days
    r = MetricsRepeatSupplement
    condition = and_(r.day >= a, r.day < b, r.previous_day < a)
    rows = _grouped(s, r, by, [func.sum(r.requests)], condition, *summary_scope(scope, r))
    for k, repeats in rows:
        out[k].supplemented_dossiers += int(repeats or 0)


def add_in_process(
    s: Session, out: dict[str, Any], by: str | None, scope: Scope, end: date, upto: date
) -> None:
    """Add the summarised dossiers in process at the local midnight ``end``.

    Those were received before ``end`` and closed (result ready, or finished without one)
    on or after it. Each closed after it was received and before the watermark, so they are
    the dossiers closed on the days since ``end`` minus those received on them. Nothing is
    received or closed in the summary from the watermark's day on, so the sum runs to the
    end of that month: whole months are read from ``metrics_months``.
    """
    if end >= upto:
        return
    for m, condition in sources(s, (end, _next_month(upto))):
        closed = func.sum(m.settled + m.finished_unsettled - m.received)
        for k, n in _grouped(s, m, by, [closed], condition, *summary_scope(scope, m)):
            out[k].in_process += int(n or 0)


def _grouped(s: Session, m: Any, by: str | None, columns: list[Any], *where: Any) -> Any:
    """Rows of (group, *sums) over the summary table ``m``: per agency, procedure or ``*``."""
    key = {"agency": m.agency_code, "procedure": m.procedure_code}.get(by or "")
    if key is None:
        stmt = select(literal_column("'*'"), *columns).where(*where)
        return s.execute(stmt)
    return ((str(k), *v) for k, *v in s.execute(select(key, *columns).where(*where).group_by(key)))

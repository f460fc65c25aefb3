"""The live side of a period's figures: SQL counts of the events the summary does not hold.

``count`` runs the families of ``engine.metrics_events`` grouped by agency, procedure or
nothing, over the events since the watermark (``since``) or over all of them when no summary
is used, and adds each to the figures it feeds. ``in_process`` counts the dossiers open at a
moment from those open now and the events since that moment.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from .metrics_events import INTO, Keys, families
from .metrics_period import Period
from .metrics_sql import group_key
from .models import Dossier

#: The parts of the dashboard ``compute_in`` can count (a family's ``part``, or in process).
PARTS = frozenset(
    {
        "received",
        "settled",
        "in_process",
        "finished",
        "supplementation",
        "documents",
        "ratings",
        "payments",
    }
)


def count(
    s: Session,
    out: dict[str, Any],
    tz: tzinfo,
    period: Period,
    by: str | None,
    parts: frozenset[str],
    where: list[Any],
    *,
    since: datetime | None = None,
    first_from: datetime | None = None,
) -> None:
    """Add the figures of the events filed in ``period`` (since ``since``, if given).

    ``first_from``: a dossier sent back for supplementation counts at its first request
    since then (the start of the whole period when this is a part of it).
    """
    key = group_key(by)
    keys = Keys(lambda _moment: [key], grouped=by is not None)
    for family in families(
        keys,
        (since, None),
        where,
        dialect=s.get_bind().dialect.name,
        tz=tz,
        at=period.start,
        period=period,
        first_from=first_from or period.start,
    ):
        if family.part in parts:
            for k, *values in s.execute(family.statement):
                add(out[str(k)], family.names, values)


def add(figures: Any, names: tuple[str, ...], values: Any) -> None:
    """Add counted columns to the figures they feed (``INTO``)."""
    for name, value in zip(names, values, strict=True):
        for figure in INTO[name]:
            setattr(figures, figure, getattr(figures, figure) + int(value or 0))


def in_process(
    s: Session,
    out: dict[str, Any],
    by: str | None,
    where: list[Any],
    end: datetime,
    now: datetime | None,
    held: tuple[datetime, datetime] | None = None,
) -> None:
    """Dossiers received before ``end`` and neither settled nor finished before it.

    Counted as the dossiers open now (a partial index holds only those), minus those
    received since the end, plus those closed since the end (result ready, or finished
    without one). A result is never ready after the dossier finishes nor before it is
    received, so this equals the definition exactly, and it reads only the rows since the
    period's end instead of every dossier ever received. ``held``: the moments whose
    events the summary holds (``engine.metrics_summary_read.add_in_process`` adds them).
    """
    key = group_key(by)
    terms = [(1, and_(Dossier.settled_at.is_(None), Dossier.finished_at.is_(None)))]
    if now is None or end <= now:
        ranges = [(end, None)] if held is None else [(end, held[0]), (held[1], None)]
        for lo, hi in ranges:
            for sign, column, extra in (
                (-1, Dossier.received_at, []),
                (1, Dossier.settled_at, []),
                (1, Dossier.finished_at, [Dossier.settled_at.is_(None)]),
            ):
                within = [column >= lo, *([column < hi] if hi else [])]
                terms.append((sign, and_(*within, *extra)))
    for sign, condition in terms:
        stmt = select(key, func.count()).select_from(Dossier).where(condition, *where)
        for row in s.execute(stmt.group_by(key) if by else stmt):
            out[str(row[0])].in_process += sign * int(row[1] or 0)

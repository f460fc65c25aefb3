"""Periods and scopes of the dashboard: which dossiers a figure counts.

A period is a half-open interval of aware datetimes ``[start, end)``; named periods (day,
week, month, quarter, year) follow the province's local calendar, so "this month" starts at
midnight in Hà Nội, not in UTC. ``previous()`` gives the period a ranking compares with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from .errors import InvalidInput

KINDS = ("day", "week", "month", "quarter", "year", "range")
LABELS = {
    "day": "Ngày",
    "week": "Tuần",
    "month": "Tháng",
    "quarter": "Quý",
    "year": "Năm",
    "range": "Khoảng thời gian",
}


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    kind: str = "range"

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidInput("period bounds must be aware datetimes")
        if self.end <= self.start:
            raise InvalidInput("a period must end after it starts", {"period": ["empty"]})

    @classmethod
    def named(cls, kind: str, today: date, tz: tzinfo) -> Period:
        """The calendar period of ``kind`` that contains ``today``."""
        if kind == "day":
            first, last = today, today + timedelta(days=1)
        elif kind == "week":
            first = today - timedelta(days=today.weekday())
            last = first + timedelta(days=7)
        elif kind == "month":
            first = today.replace(day=1)
            last = _add_months(first, 1)
        elif kind == "quarter":
            first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
            last = _add_months(first, 3)
        elif kind == "year":
            first, last = date(today.year, 1, 1), date(today.year + 1, 1, 1)
        else:
            raise InvalidInput(f"unknown period {kind!r}", {"period": [f"one of {KINDS}"]})
        return cls(_midnight(first, tz), _midnight(last, tz), kind)

    @classmethod
    def between(cls, first: date, last: date, tz: tzinfo) -> Period:
        """The days ``first`` to ``last``, both included."""
        if last < first:
            raise InvalidInput("the end date is before the start date", {"to": ["before from"]})
        return cls(_midnight(first, tz), _midnight(last + timedelta(days=1), tz), "range")

    def previous(self) -> Period:
        """The period just before, of the same kind (the month before, the year before …)."""
        tz = self.start.tzinfo
        first = self.start.date()
        if self.kind == "month":
            return Period(_midnight(_add_months(first, -1), tz), self.start, self.kind)
        if self.kind == "quarter":
            return Period(_midnight(_add_months(first, -3), tz), self.start, self.kind)
        if self.kind == "year":
            return Period(_midnight(date(first.year - 1, 1, 1), tz), self.start, self.kind)
        return Period(self.start - (self.end - self.start), self.start, self.kind)

    def buckets(self, kind: str, count: int) -> list[Period]:
        """``count`` consecutive periods of ``kind`` ending with the one holding this end."""
        last = Period.named(kind, (self.end - timedelta(microseconds=1)).date(), self.start.tzinfo)
        out = [last]
        while len(out) < count:
            out.append(out[-1].previous())
        return out[::-1]

    @property
    def short_label(self) -> str:
        """A label narrow enough for a chart's axis."""
        if self.kind in ("day", "week", "range"):
            return f"{self.start.date():%d/%m}"
        return self.label

    @property
    def label(self) -> str:
        first = self.start.date()
        last = (self.end - timedelta(microseconds=1)).date()
        if self.kind == "month":
            return f"{first.month:02d}/{first.year}"
        if self.kind == "year":
            return str(first.year)
        if self.kind == "quarter":
            return f"Q{(first.month - 1) // 3 + 1}/{first.year}"
        if first == last:
            return first.strftime("%d/%m/%Y")
        return f"{first:%d/%m/%Y} – {last:%d/%m/%Y}"


@dataclass(frozen=True)
class Scope:
    """Which dossiers: all of the province, some agencies (with their sub-units), a procedure."""

    agency_codes: frozenset[str] | None = None
    procedure_code: str | None = None


def _midnight(d: date, tz: tzinfo | None) -> datetime:
    return datetime.combine(d, time(0, 0), tzinfo=tz)


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)

"""Classify every date as a working day or a day off, fast, for the legal clock.

National public holidays come from the `holidays` package (`holidays.country_holidays("VN")`,
Vietnamese names): New Year, lunar Tết with its compensatory days, Hùng Kings, 30/4, 1/5,
2/9 (two days), 24/11 from 2026, the observed days when one falls on a weekend, and the
government's swaps (a weekday off paid back by a worked Saturday, `weekend_workdays`).
A province table adds its own days off and make-up working days on top; a make-up working
day wins over everything, so a province can also cancel a national day off.

Each year is computed once: a bytes map of 366 flags and a prefix count, so "is this a
working day", "how many working days between" and "the n-th working day after" cost a
lookup or a bisect, never a loop over the package.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache

import holidays

from engine.errors import InvalidInput

MIN_YEAR = 1995  # observed (compensatory) days start in 1995 in the package
MAX_YEAR = 2099  # the package's lunar calendar ends in 2100; we read one year ahead

DEFAULT_DAY_OFF_NAME = "Ngày nghỉ theo quyết định của địa phương"

# The package fills a set shared by its instances; build one year at a time.
_PACKAGE_LOCK = threading.Lock()


class CalendarError(InvalidInput, ValueError):
    """Bad input to the working-day calendar (naive datetime, unknown unit, bad table)."""

    code = "invalid_calendar_input"


@lru_cache(maxsize=256)
def national_year(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """Return the package's holidays and worked weekend days of one year (cached per year).

    The package keeps `weekend_workdays` in a set shared between instances and fills it
    when it populates the year that *pays back* the day, which may be the next year
    (e.g. 2014-12-27 worked for 2015-01-02); so we load `year` and `year + 1` and keep
    only the dates that fall in `year`.
    """
    with _PACKAGE_LOCK:
        table = holidays.country_holidays("VN", years=(year, year + 1), language="vi")
        names = {d: table[d] for d in table if d.year == year}
        workdays = frozenset(d for d in list(table.weekend_workdays) if d.year == year)
    return names, workdays


def check_year(year: int) -> None:
    """Refuse years the holiday data cannot answer for, instead of silently guessing."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CalendarError(
            f"ngày nằm ngoài phạm vi hỗ trợ: năm {year} không thuộc {MIN_YEAR}–{MAX_YEAR}"
        )


class _Year:
    """One year's working-day flags, prefix counts and sorted working-day ordinals."""

    __slots__ = ("first", "flags", "prefix", "ordinals")

    def __init__(self, first: int, flags: bytes) -> None:
        self.first = first  # ordinal of 1 January
        self.flags = flags  # flags[i] == 1 when first + i is a working day
        prefix = [0]
        for flag in flags:
            prefix.append(prefix[-1] + flag)
        self.prefix = prefix  # prefix[i] = working days in [first, first + i)
        self.ordinals = [first + i for i, flag in enumerate(flags) if flag]


class DayTable:
    """Answer day-level questions for one province: national holidays plus its own table."""

    def __init__(
        self,
        extra_days_off: Mapping[date, str],
        extra_working_days: frozenset[date],
    ) -> None:
        both = sorted(set(extra_days_off) & extra_working_days)
        if both:
            listed = ", ".join(d.isoformat() for d in both)
            raise CalendarError(
                f"một ngày không thể vừa là ngày nghỉ thêm vừa là ngày làm bù: {listed}"
            )
        self._off = dict(extra_days_off)
        self._work = extra_working_days
        self._years: dict[int, _Year] = {}
        self._lock = threading.Lock()

    # --- per-year tables -------------------------------------------------------------
    def _year(self, year: int) -> _Year:
        found = self._years.get(year)
        if found is not None:
            return found
        check_year(year)
        names, weekend_workdays = national_year(year)
        start = date(year, 1, 1)
        length = (date(year + 1, 1, 1) - start).days
        flags = bytearray(length)
        for i in range(length):
            d = start + timedelta(days=i)
            if d in self._work:
                flags[i] = 1
            elif d in self._off:
                flags[i] = 0
            elif d.weekday() >= 5:
                flags[i] = d in weekend_workdays
            else:
                flags[i] = d not in names
        built = _Year(start.toordinal(), bytes(flags))
        with self._lock:
            return self._years.setdefault(year, built)

    def _year_of_ordinal(self, ordinal: int) -> _Year:
        return self._year(date.fromordinal(ordinal).year)

    # --- questions -------------------------------------------------------------------
    def is_working(self, ordinal: int) -> bool:
        """Tell whether the day with this proleptic ordinal is a working day."""
        table = self._year_of_ordinal(ordinal)
        return table.flags[ordinal - table.first] == 1

    def holiday_name(self, d: date) -> str | None:
        """Name the day off `d` is (national or provincial), or None for other days."""
        if d in self._work:
            return None
        if d in self._off:
            return self._off[d]
        check_year(d.year)
        return national_year(d.year)[0].get(d)

    def count(self, start: int, end: int) -> int:
        """Count working days with ordinals in [start, end); 0 when end <= start."""
        total = 0
        while start < end:
            table = self._year_of_ordinal(start)
            stop = min(end, table.first + len(table.flags))
            total += table.prefix[stop - table.first] - table.prefix[start - table.first]
            start = stop
        return total

    def nth_after(self, ordinal: int, n: int) -> int:
        """Return the ordinal of the n-th working day strictly after `ordinal` (n >= 1)."""
        if n < 1:
            raise CalendarError(f"n phải từ 1 trở lên, nhận được {n}")
        cursor = ordinal + 1
        while True:
            table = self._year_of_ordinal(cursor)
            index = bisect.bisect_left(table.ordinals, cursor)
            available = len(table.ordinals) - index
            if n <= available:
                return table.ordinals[index + n - 1]
            n -= available
            cursor = table.first + len(table.flags)

    def next_working(self, ordinal: int) -> int:
        """Return `ordinal` itself if it is a working day, else the next working day."""
        return ordinal if self.is_working(ordinal) else self.nth_after(ordinal, 1)

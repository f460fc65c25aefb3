"""Compute legal deadlines in working days and hours, the way the one-stop centre counts them.

Working days are Monday–Friday minus Vietnam's public holidays (the `holidays` package, see
`engine.calendar_days`), minus a province's extra days off, plus its make-up working days.
Working time is the shifts of a working day (default 07:00–11:30 and 13:30–17:00,
Asia/Ho_Chi_Minh). Every datetime going in must be timezone-aware; every one coming out is
aware and in the calendar's zone.

Deadline rules (`WorkCalendar.due_date`):

* The effective moment of receipt is the receipt itself when it falls on a working day
  before the close of its last shift (before opening and during the lunch break included);
  a dossier received after the close or on a day off counts from the next working day.
* ``N`` working days (N >= 1) end at the close (17:00) of the N-th working day after the
  effective day of receipt.
* ``0`` working days is same-day settlement: the close of the day of receipt if it was
  received on a working day by the same-day cutoff (15:00:00), else the close of the next
  working day (the "15:00 rule").
* A fraction of a day is that share of a day's working hours (0.5 day = 4 h with the
  default shifts): ``0.5`` runs 4 working hours from receipt, ``2.5`` runs 4 working hours
  past the close of the 2nd working day. The 15:00 rule applies to exactly 0 only.
* ``working_hours`` run inside shifts from receipt; a deadline that ends exactly at the end
  of a shift is that end (11:30), not the start of the next shift.
* ``days`` (calendar days, whole numbers) end at the close of the N-th calendar day after
  the effective day of receipt, moved to the close of the next working day when that day is
  not one (Civil Code 2015, art. 148).

Province table (YAML file for `WorkCalendar.from_yaml`, or the same dict for
`from_mapping`; every key is optional; a sample with sources is
`engine/data/province_calendar.yaml`)::

    province: Bình Dương                 # informational
    description: ...                     # informational
    timezone: Asia/Ho_Chi_Minh
    same_day_cutoff: "15:00"             # quote times: YAML reads 15:00 as a number
    working_hours: ["07:00-11:30", "13:30-17:00"]
    extra_days_off:                      # days off on top of the national holidays
      - 2026-01-02                       # a bare date
      - {date: 2026-01-02, name: "...", source: "..."}
      - {date: 2027-02-11, until: 2027-02-12, name: "..."}   # inclusive range, <= 31 days
    extra_working_days:                  # make-up working days (win over any day off)
      - {date: 2026-01-10, name: "...", source: "..."}

Times are wall-clock times in the calendar's zone; a zone with daylight saving would make a
working hour across the switch count as wall time (Vietnam has had none since 1975).

Bad input raises `CalendarError`, which is both an `engine.errors.InvalidInput` and a
`ValueError`; table problems are listed in its `errors` (field path → messages).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.calendar_config import load_yaml, parse_mapping
from engine.calendar_days import DEFAULT_DAY_OFF_NAME, CalendarError, DayTable

__all__ = ["CalendarError", "DEFAULT_SHIFTS", "SAMPLE_TABLE", "UNITS", "WorkCalendar"]

DEFAULT_SHIFTS = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))
UNITS = ("working_days", "working_hours", "days")
SAMPLE_TABLE = Path(__file__).parent / "data" / "province_calendar.yaml"
MAX_AMOUNT = 10_000  # far beyond any legal deadline; stops runaway loops on typos
_US = 1_000_000  # microseconds per second: all internal arithmetic is in integer µs


def _us_of(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US + t.microsecond


class WorkCalendar:
    """Count working days and working time for one province; pure, thread-safe, cached."""

    def __init__(
        self,
        *,
        extra_days_off: Mapping[date, str] | Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        shifts: Iterable[tuple[time, time]] = DEFAULT_SHIFTS,
        tz: str | tzinfo = "Asia/Ho_Chi_Minh",
        same_day_cutoff: time = time(15, 0),
    ) -> None:
        self.tz = _zone(tz)
        self.shifts = _check_shifts(shifts)
        self._bounds: list[tuple[int, int, int]] = []  # (start µs, end µs, worked before)
        worked = 0
        for start, end in self.shifts:
            self._bounds.append((_us_of(start), _us_of(end), worked))
            worked += _us_of(end) - _us_of(start)
        self._day_us = worked
        self._close_us = _us_of(self.shifts[-1][1])
        if not isinstance(same_day_cutoff, time) or same_day_cutoff.tzinfo is not None:
            raise CalendarError(
                f"same_day_cutoff phải là giờ không kèm múi giờ, nhận được {same_day_cutoff!r}"
            )
        if _us_of(same_day_cutoff) > self._close_us:
            raise CalendarError("same_day_cutoff không được muộn hơn giờ kết thúc ca cuối")
        self.same_day_cutoff = same_day_cutoff
        self._cutoff_us = _us_of(same_day_cutoff)
        if isinstance(extra_days_off, Mapping):
            off = {_plain_date(d, "extra_days_off"): str(n) for d, n in extra_days_off.items()}
        else:
            off = {_plain_date(d, "extra_days_off"): DEFAULT_DAY_OFF_NAME for d in extra_days_off}
        work = frozenset(_plain_date(d, "extra_working_days") for d in extra_working_days)
        self._days = DayTable(off, work)

    # --- construction from a province table ------------------------------------------
    @classmethod
    def from_yaml(cls, path: str | Path) -> WorkCalendar:
        """Build the calendar from a province table file (format in the module docstring)."""
        return cls(**load_yaml(path))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> WorkCalendar:
        """Build the calendar from a province table already loaded as a dict."""
        return cls(**parse_mapping(data))

    @property
    def day_seconds(self) -> float:
        """Working seconds in one working day (28,800 with the default shifts)."""
        return self._day_us / _US

    # --- days ------------------------------------------------------------------------
    def is_working_day(self, d: date) -> bool:
        """Tell whether `d` is a working day (an aware datetime is read in the calendar's zone)."""
        return self._days.is_working(self._date(d).toordinal())

    def holiday_name(self, d: date) -> str | None:
        """Name the holiday or provincial day off `d` is; None for weekends and working days."""
        return self._days.holiday_name(self._date(d))

    # --- deadlines -------------------------------------------------------------------
    def due_date(self, received_at: datetime, amount: float, unit: str) -> datetime:
        """Return the legal deadline of a dossier received at `received_at` (rules above)."""
        local = self._local(received_at, "received_at")
        value = _check_amount(amount, unit)
        if unit == "working_hours":
            return self._add_us(local, round(value * 3600 * _US))
        if unit == "days":
            if value != int(value):
                raise CalendarError(
                    f"thời hạn tính theo ngày lịch phải là số nguyên, nhận được {amount}"
                )
            if value == 0:
                return self._same_day(local)
            return self._close(self._days.next_working(self._receipt_day(local) + int(value)))
        whole = int(value)
        fraction_us = round((value - whole) * self._day_us)
        if whole == 0:
            return self._add_us(local, fraction_us) if fraction_us else self._same_day(local)
        due = self._close(self._days.nth_after(self._receipt_day(local), whole))
        return self._add_us(due, fraction_us) if fraction_us else due

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Measure working time from `start` to `end` (negative when `end` is earlier)."""
        a, b = self._local(start, "start"), self._local(end, "end")
        if b < a:
            return -self._between_us(b, a) / _US
        return self._between_us(a, b) / _US

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """Return the moment `seconds` of working time after `start` (pauses, step deadlines)."""
        local = self._local(start, "start")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float, Decimal, Fraction)):
            raise CalendarError(f"số giây phải là một số, nhận được {seconds!r}")
        value = float(seconds)
        if not math.isfinite(value) or value < 0:
            raise CalendarError(f"số giây phải là số hữu hạn >= 0, nhận được {seconds!r}")
        if value > MAX_AMOUNT * self.day_seconds:
            raise CalendarError(f"số giây quá lớn: {seconds!r} (tối đa {MAX_AMOUNT} ngày)")
        return self._add_us(local, round(value * _US))

    def working_days_between(self, start: datetime, end: datetime) -> float:
        """Report elapsed working time in working days (one day = `day_seconds`)."""
        return self.working_seconds_between(start, end) / self.day_seconds

    # --- internals -------------------------------------------------------------------
    def _local(self, value: Any, what: str) -> datetime:
        if not isinstance(value, datetime):
            raise CalendarError(f"{what} phải là datetime, nhận được {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise CalendarError(
                f"{what} là datetime không kèm múi giờ ({value.isoformat()}); hãy gắn múi giờ, "
                f"ví dụ .replace(tzinfo=ZoneInfo('{self.tz}'))"
            )
        return value.astimezone(self.tz)

    def _date(self, value: Any) -> date:
        if isinstance(value, datetime):
            return self._local(value, "date").date()
        if not isinstance(value, date):
            raise CalendarError(f"cần một ngày (date), nhận được {type(value).__name__}")
        return value

    def _pos(self, sod: int) -> int:
        """Working µs of a working day already elapsed at wall time `sod` (µs of the day)."""
        for start, end, before in self._bounds:
            if sod < end:
                return before + max(0, sod - start)
        return self._day_us

    def _wall(self, ordinal: int, pos: int) -> datetime:
        """Return the moment of working day `ordinal` when `pos` working µs have elapsed."""
        for start, end, before in self._bounds:
            if pos <= before + (end - start):
                sod = start + (pos - before)
                break
        else:  # pos beyond the day: callers never ask, but fail loudly if one does
            raise AssertionError(f"vị trí {pos} nằm ngoài giờ làm việc của ngày")
        midnight = datetime.combine(date.fromordinal(ordinal), time(0), tzinfo=self.tz)
        return midnight + timedelta(microseconds=sod)

    def _close(self, ordinal: int) -> datetime:
        return self._wall(ordinal, self._day_us)

    def _receipt_day(self, local: datetime) -> int:
        ordinal = local.toordinal()
        if self._days.is_working(ordinal) and _sod(local) < self._close_us:
            return ordinal
        return self._days.nth_after(ordinal, 1)

    def _same_day(self, local: datetime) -> datetime:
        ordinal = local.toordinal()
        if self._days.is_working(ordinal) and _sod(local) <= self._cutoff_us:
            return self._close(ordinal)
        return self._close(self._days.nth_after(ordinal, 1))

    def _add_us(self, local: datetime, us: int) -> datetime:
        if us == 0:
            return local
        ordinal = local.toordinal()
        if self._days.is_working(ordinal):
            pos = self._pos(_sod(local))
            if us <= self._day_us - pos:
                return self._wall(ordinal, pos + us)
            us -= self._day_us - pos
        days, rest = divmod(us, self._day_us)
        if rest == 0:
            return self._close(self._days.nth_after(ordinal, days))
        return self._wall(self._days.nth_after(ordinal, days + 1), rest)

    def _between_us(self, a: datetime, b: datetime) -> int:
        oa, ob = a.toordinal(), b.toordinal()
        pa = self._pos(_sod(a)) if self._days.is_working(oa) else None
        pb = self._pos(_sod(b)) if self._days.is_working(ob) else None
        if oa == ob:
            return 0 if pa is None or pb is None else pb - pa
        total = self._day_us * self._days.count(oa + 1, ob)
        if pa is not None:
            total += self._day_us - pa
        if pb is not None:
            total += pb
        return total


def _sod(local: datetime) -> int:
    """Wall-clock µs since local midnight."""
    return ((local.hour * 60 + local.minute) * 60 + local.second) * _US + local.microsecond


def _zone(tz: str | tzinfo) -> tzinfo:
    if isinstance(tz, tzinfo):
        return tz
    if not isinstance(tz, str):
        raise CalendarError(f"tz phải là tên múi giờ IANA, nhận được {tz!r}")
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CalendarError(f"không có múi giờ {tz!r}") from exc


def _check_shifts(shifts: Iterable[tuple[time, time]]) -> tuple[tuple[time, time], ...]:
    try:
        checked = tuple((start, end) for start, end in shifts)
    except (TypeError, ValueError) as exc:
        raise CalendarError(
            "shifts phải là các cặp (giờ bắt đầu, giờ kết thúc) kiểu datetime.time"
        ) from exc
    if not checked:
        raise CalendarError("shifts không được rỗng: ngày làm việc cần có giờ làm việc")
    previous_end = time(0)
    for start, end in checked:
        if not all(isinstance(t, time) and t.tzinfo is None for t in (start, end)):
            raise CalendarError(
                f"ca ({start!r}, {end!r}) phải gồm hai datetime.time không kèm múi giờ"
            )
        if not previous_end <= start < end:
            raise CalendarError(
                f"ca {start:%H:%M}-{end:%H:%M} phải kết thúc sau giờ bắt đầu và nằm sau "
                "ca trước, không chồng lên nhau"
            )
        previous_end = end
    return checked


def _check_amount(amount: Any, unit: Any) -> float:
    if unit not in UNITS:
        raise CalendarError(
            f"đơn vị thời hạn {unit!r} không xác định; dùng một trong {', '.join(UNITS)}"
        )
    if isinstance(amount, bool) or not isinstance(amount, (int, float, Decimal, Fraction)):
        raise CalendarError(f"số lượng thời hạn phải là một số, nhận được {amount!r}")
    value = float(amount)
    if not math.isfinite(value) or value < 0:
        raise CalendarError(f"số lượng thời hạn phải là số hữu hạn >= 0, nhận được {amount!r}")
    if value > MAX_AMOUNT:
        raise CalendarError(f"số lượng thời hạn {amount!r} vượt giới hạn {MAX_AMOUNT}")
    return value


def _plain_date(value: Any, what: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise CalendarError(f"{what} phải chứa các giá trị datetime.date, nhận được {value!r}")
    return value

"""Check the legal clock against known Vietnamese holidays, the one-stop rules and oracles."""

from __future__ import annotations

import random
import time as clock
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest

from engine.calendar import SAMPLE_TABLE, CalendarError, WorkCalendar
from engine.errors import InvalidInput

DATA = Path(__file__).parent / "data" / "calendar"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
SHIFTS = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))


def at(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=VN)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


@pytest.fixture(scope="module")
def sample() -> WorkCalendar:
    return WorkCalendar.from_yaml(SAMPLE_TABLE)


# --- national holidays (what holidays.country_holidays("VN") holds, checked by hand) ----
@pytest.mark.parametrize(
    ("first", "last", "before", "after"),
    [
        # Government's announced breaks (weekends included), with the working days around.
        (date(2024, 2, 8), date(2024, 2, 14), date(2024, 2, 7), date(2024, 2, 15)),
        (date(2025, 1, 25), date(2025, 2, 2), date(2025, 1, 24), date(2025, 2, 3)),
        (date(2026, 2, 14), date(2026, 2, 22), date(2026, 2, 13), date(2026, 2, 23)),
        # 2027 is the package's rule (Tết on a Saturday), not yet announced.
        (date(2027, 2, 4), date(2027, 2, 10), date(2027, 2, 3), date(2027, 2, 11)),
    ],
)
def test_tet_break_is_off_and_its_edges_work(cal, first, last, before, after):
    assert not any(cal.is_working_day(d) for d in days(first, last))
    assert cal.is_working_day(before) and cal.is_working_day(after)


def test_tet_days_carry_vietnamese_names(cal):
    assert cal.holiday_name(date(2025, 1, 29)) == "Tết Nguyên Đán"
    assert cal.holiday_name(date(2026, 2, 16)) == "Giao thừa Tết Nguyên Đán"
    assert cal.holiday_name(date(2026, 2, 20)) == "Mùng bốn Tết Nguyên Đán"


@pytest.mark.parametrize(
    ("off", "worked_saturday"),
    [
        # Hùng Kings (10/3 lunar), observed on Monday when it falls on a Sunday.
        ([date(2024, 4, 18)], None),
        ([date(2025, 4, 7)], None),
        ([date(2026, 4, 27)], None),
        ([date(2027, 4, 16)], None),
        # 30/4 and 1/5 with the government's swaps (a weekday off, a Saturday worked).
        ([date(2024, 4, 29), date(2024, 4, 30), date(2024, 5, 1)], date(2024, 5, 4)),
        ([date(2025, 4, 30), date(2025, 5, 1), date(2025, 5, 2)], date(2025, 4, 26)),
        ([date(2026, 4, 30), date(2026, 5, 1)], None),
        ([date(2027, 4, 30), date(2027, 5, 3)], None),  # 1/5 on Saturday -> Monday
        # National Day: two days since 2021.
        ([date(2024, 9, 2), date(2024, 9, 3)], None),
        ([date(2025, 9, 1), date(2025, 9, 2)], None),
        ([date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)], date(2026, 8, 22)),
        ([date(2027, 9, 2), date(2027, 9, 3)], None),
        # Vietnam Culture Day (Resolution 80-NQ/TW) from 2026, as the package has it.
        ([date(2026, 11, 24), date(2027, 11, 24)], None),
    ],
)
def test_public_holidays_and_swaps(cal, off, worked_saturday):
    for d in off:
        assert not cal.is_working_day(d), d
        assert cal.holiday_name(d), d
    if worked_saturday is not None:
        assert worked_saturday.weekday() == 5
        assert cal.is_working_day(worked_saturday)
        assert cal.holiday_name(worked_saturday) is None


def test_agrees_with_the_package_day_by_day_2024_2027(cal):
    table = holidays.country_holidays("VN", years=range(2024, 2029))
    worked = {d for d in table.weekend_workdays if 2024 <= d.year <= 2027}
    for d in days(date(2024, 1, 1), date(2027, 12, 31)):
        expected = d in worked if d.weekday() >= 5 else d not in table
        assert cal.is_working_day(d) == expected, d


def test_plain_weekends_and_weekdays_have_no_name(cal):
    assert cal.holiday_name(date(2025, 3, 8)) is None  # Saturday
    assert cal.holiday_name(date(2025, 3, 10)) is None  # Monday
    assert cal.is_working_day(date(2025, 3, 10)) and not cal.is_working_day(date(2025, 3, 9))


def test_aware_datetime_is_read_in_the_calendar_zone(cal):
    # 2025-01-26 20:00 UTC is Monday 27/1 03:00 in Vietnam: a Tết day.
    assert not cal.is_working_day(datetime(2025, 1, 26, 20, tzinfo=UTC))
    assert cal.holiday_name(datetime(2025, 1, 26, 20, tzinfo=UTC)) == "29 Tết"


# --- the province table ------------------------------------------------------------------
def test_sample_table_adds_the_new_year_2026_swap(cal, sample):
    assert cal.is_working_day(date(2026, 1, 2))  # the package lacks this swap
    assert not sample.is_working_day(date(2026, 1, 2))
    assert "Tết Dương lịch" in sample.holiday_name(date(2026, 1, 2))
    assert not cal.is_working_day(date(2026, 1, 10))
    assert sample.is_working_day(date(2026, 1, 10))
    # 2 working days from Wednesday 31/12/2025: 1/1 is off; with the swap 2/1 is off too.
    assert cal.due_date(at(2025, 12, 31, 10), 2, "working_days") == at(2026, 1, 5, 17)
    assert sample.due_date(at(2025, 12, 31, 10), 2, "working_days") == at(2026, 1, 6, 17)


def test_make_up_saturday_counts_as_a_working_day(cal, sample):
    assert cal.due_date(at(2026, 1, 9, 10), 1, "working_days") == at(2026, 1, 12, 17)
    assert sample.due_date(at(2026, 1, 9, 10), 1, "working_days") == at(2026, 1, 10, 17)
    # received on the make-up Saturday itself, after the 15:00 cut-off
    assert sample.due_date(at(2026, 1, 10, 16), 0, "working_days") == at(2026, 1, 12, 17)


def test_province_longer_tet_and_cancelled_holiday(cal):
    prov = WorkCalendar.from_yaml(DATA / "province_test.yaml")
    assert [prov.is_working_day(d) for d in days(date(2027, 2, 10), date(2027, 2, 13))] == [
        False,
        False,
        False,
        False,
    ]
    assert prov.is_working_day(date(2027, 2, 20)) and not cal.is_working_day(date(2027, 2, 20))
    assert prov.is_working_day(date(2026, 11, 24)) and prov.holiday_name(date(2026, 11, 24)) is None
    assert prov.holiday_name(date(2025, 3, 26)) == "Ngày nghỉ theo quyết định của địa phương"
    # 3 working days from Wed 3/2/2027: national 4/2-10/2 off, province adds 11-12/2.
    assert cal.due_date(at(2027, 2, 3, 9), 3, "working_days") == at(2027, 2, 15, 17)
    assert prov.due_date(at(2027, 2, 3, 9), 3, "working_days") == at(2027, 2, 17, 17)


def test_constructor_takes_plain_dates_or_named_days():
    named = WorkCalendar(extra_days_off={date(2025, 6, 2): "Kỷ niệm ngày thành lập tỉnh"})
    assert named.holiday_name(date(2025, 6, 2)) == "Kỷ niệm ngày thành lập tỉnh"
    plain = WorkCalendar(extra_days_off=[date(2025, 6, 2)], extra_working_days=[date(2025, 6, 7)])
    assert not plain.is_working_day(date(2025, 6, 2)) and plain.is_working_day(date(2025, 6, 7))


# --- due dates ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("received", "due"),
    [
        (at(2025, 3, 10, 14, 59), at(2025, 3, 10, 17)),  # Monday before 15:00: same day
        (at(2025, 3, 10, 15, 0), at(2025, 3, 10, 17)),  # 15:00 itself is not after 15:00
        (at(2025, 3, 10, 15, 0, 1), at(2025, 3, 11, 17)),  # after 15:00: next working day
        (at(2025, 3, 10, 6, 30), at(2025, 3, 10, 17)),  # before opening: same day
        (at(2025, 3, 10, 12, 0), at(2025, 3, 10, 17)),  # lunch break: same day
        (at(2025, 3, 14, 16, 0), at(2025, 3, 17, 17)),  # Friday afternoon: Monday
        (at(2025, 3, 15, 9, 0), at(2025, 3, 17, 17)),  # Saturday: Monday
        (at(2026, 2, 13, 16, 0), at(2026, 2, 23, 17)),  # last day before Tết 2026
        (at(2025, 4, 29, 15, 30), at(2025, 5, 5, 17)),  # before 30/4-4/5/2025
    ],
)
def test_same_day_and_the_15_00_rule(cal, received, due):
    assert cal.due_date(received, 0, "working_days") == due


@pytest.mark.parametrize(
    ("received", "amount", "due"),
    [
        (at(2025, 3, 11, 10), 3, at(2025, 3, 14, 17)),  # Tue -> Fri
        (at(2025, 3, 11, 17, 30), 3, at(2025, 3, 17, 17)),  # after close: from Wednesday
        (at(2025, 3, 16, 10), 1, at(2025, 3, 18, 17)),  # Sunday: from Monday
        (at(2025, 1, 23, 9), 5, at(2025, 2, 6, 17)),  # spans Tết 2025
        (at(2026, 2, 12, 10), 3, at(2026, 2, 24, 17)),  # spans Tết 2026
        (at(2025, 4, 25, 9), 2, at(2025, 4, 28, 17)),  # make-up Saturday 26/4/2025 counts
        (at(2025, 8, 11, 9), 20, at(2025, 9, 10, 17)),  # 20 working days over 1-2/9
        (at(2025, 3, 10, 9), 0.5, at(2025, 3, 10, 15)),  # 2.5 h + 1.5 h after lunch
        (at(2025, 3, 10, 9), 1.5, at(2025, 3, 12, 11)),  # close of Tue + 4 h
        (at(2025, 3, 10, 16), 0.25, at(2025, 3, 11, 8)),  # 2 h: 1 h today, 1 h tomorrow
    ],
)
def test_working_day_deadlines(cal, received, amount, due):
    assert cal.due_date(received, amount, "working_days") == due


@pytest.mark.parametrize(
    ("received", "amount", "unit", "due"),
    [
        (at(2025, 3, 10, 16), 2, "working_hours", at(2025, 3, 11, 8)),
        (at(2025, 3, 10, 11), 0.5, "working_hours", at(2025, 3, 10, 11, 30)),  # ends at 11:30
        (at(2025, 3, 10, 11), 1, "working_hours", at(2025, 3, 10, 14)),
        (at(2025, 3, 8, 10), 8, "working_hours", at(2025, 3, 10, 17)),  # Saturday receipt
        (at(2025, 3, 10, 9), 10, "days", at(2025, 3, 20, 17)),
        (at(2025, 4, 21, 9), 10, "days", at(2025, 5, 5, 17)),  # ends 1/5: moved to 5/5
        (at(2025, 3, 10, 18), 10, "days", at(2025, 3, 21, 17)),  # after close: from Tue
        (at(2025, 3, 10, 16), 0, "days", at(2025, 3, 11, 17)),  # same day, 15:00 rule
    ],
)
def test_hour_and_calendar_day_deadlines(cal, received, amount, unit, due):
    assert cal.due_date(received, amount, unit) == due


def test_results_are_aware_in_the_calendar_zone(cal):
    due = cal.due_date(datetime(2025, 3, 10, 2, tzinfo=UTC), 1, "working_days")  # 09:00 VN
    assert due == at(2025, 3, 11, 17)
    assert due.tzinfo is VN or str(due.tzinfo) == "Asia/Ho_Chi_Minh"
    assert cal.add_working_seconds(datetime(2025, 3, 10, 2, tzinfo=UTC), 0).utcoffset() == (
        timedelta(hours=7)
    )


# --- working time ------------------------------------------------------------------------
def test_working_seconds_between_known_spans(cal):
    assert cal.working_seconds_between(at(2025, 3, 14, 16), at(2025, 3, 17, 8)) == 7200
    assert cal.working_seconds_between(at(2025, 3, 10, 11), at(2025, 3, 10, 14)) == 3600
    assert cal.working_seconds_between(at(2025, 1, 27, 8), at(2025, 1, 31, 16)) == 0  # Tết
    assert cal.working_seconds_between(at(2025, 3, 17, 8), at(2025, 3, 14, 16)) == -7200
    assert cal.working_days_between(at(2025, 3, 10, 7), at(2025, 3, 14, 17)) == 5.0
    assert cal.working_days_between(at(2025, 3, 10, 7), at(2025, 3, 17, 7)) == 5.0
    assert cal.day_seconds == 8 * 3600


def test_add_working_seconds_lands_at_shift_ends_not_next_starts(cal):
    assert cal.add_working_seconds(at(2025, 3, 10, 11), 1800) == at(2025, 3, 10, 11, 30)
    assert cal.add_working_seconds(at(2025, 3, 10, 11), 1801) == at(2025, 3, 10, 13, 30, 1)
    assert cal.add_working_seconds(at(2025, 3, 14, 16), 3600) == at(2025, 3, 14, 17)
    assert cal.add_working_seconds(at(2025, 3, 14, 18), 60) == at(2025, 3, 17, 7, 1)


def _oracle_seconds(a: datetime, b: datetime, cal: WorkCalendar) -> float:
    """Intersect [a, b] with every shift of every working day, the slow obvious way."""
    total = 0.0
    for d in days(a.date(), b.date()):
        if not cal.is_working_day(d):
            continue
        for start, end in SHIFTS:
            lo = max(a, datetime.combine(d, start, tzinfo=VN))
            hi = min(b, datetime.combine(d, end, tzinfo=VN))
            total += max(0.0, (hi - lo).total_seconds())
    return total


def _random_moment(rng: random.Random) -> datetime:
    start = at(2024, 1, 1)
    return start + timedelta(seconds=rng.randrange(4 * 365 * 86400))


def _inside_shift(moment: datetime, cal: WorkCalendar) -> bool:
    t = moment.timetz().replace(tzinfo=None)
    return cal.is_working_day(moment.date()) and any(s < t < e for s, e in SHIFTS)


def test_property_between_matches_the_oracle_and_pauses_round_trip(cal):
    rng = random.Random(20250430)
    checked = 0
    while checked < 1500:
        a = _random_moment(rng)
        b = a + timedelta(seconds=rng.randrange(90 * 86400), microseconds=rng.randrange(10**6))
        between = cal.working_seconds_between(a, b)
        assert between == pytest.approx(_oracle_seconds(a, b, cal), abs=1e-6)
        assert cal.working_seconds_between(b, a) == -between
        if _inside_shift(b, cal):
            assert cal.add_working_seconds(a, between) == b
            checked += 1


def test_property_due_dates(cal):
    rng = random.Random(7)
    for _ in range(1500):
        received = _random_moment(rng)
        n = rng.randrange(1, 30)
        due = cal.due_date(received, n, "working_days")
        assert due.timetz().replace(tzinfo=None) == time(17) and cal.is_working_day(due.date())
        # the effective day of receipt, found naively
        first = received.date()
        if not cal.is_working_day(first) or received.time() >= time(17):
            first += timedelta(days=1)
            while not cal.is_working_day(first):
                first += timedelta(days=1)
        counted = [d for d in days(first + timedelta(days=1), due.date()) if cal.is_working_day(d)]
        assert len(counted) == n
        # later receipt never gives an earlier deadline
        later = received + timedelta(seconds=rng.randrange(3 * 86400))
        assert cal.due_date(later, n, "working_days") >= due
        hours = rng.randrange(1, 200) / 4
        due_h = cal.due_date(received, hours, "working_hours")
        assert cal.working_seconds_between(received, due_h) == pytest.approx(hours * 3600)
        assert _inside_shift(due_h, cal) or due_h.time() in (time(11, 30), time(17))


def test_many_calls_are_fast(cal):
    rng = random.Random(1)
    moments = [_random_moment(rng) for _ in range(20_000)]
    started = clock.perf_counter()
    for m in moments:
        cal.due_date(m, 15, "working_days")
        cal.working_seconds_between(m, m + timedelta(days=40))
    elapsed = clock.perf_counter() - started
    assert elapsed < 5, f"40,000 calendar calls took {elapsed:.2f}s"


def test_threads_building_years_at_once_agree_with_one_thread():
    probes = [date(year, 1, 1) + timedelta(days=k) for year in range(2030, 2046) for k in (0, 40)]
    shared = WorkCalendar()
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(shared.is_working_day, probes))
    alone = WorkCalendar()
    assert parallel == [alone.is_working_day(d) for d in probes]


# --- bad input ---------------------------------------------------------------------------
NAIVE = datetime(2025, 3, 10, 9)


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.due_date(NAIVE, 1, "working_days"),
        lambda c: c.working_seconds_between(NAIVE, at(2025, 3, 11)),
        lambda c: c.working_seconds_between(at(2025, 3, 11), NAIVE),
        lambda c: c.add_working_seconds(NAIVE, 60),
        lambda c: c.working_days_between(NAIVE, NAIVE),
        lambda c: c.is_working_day(NAIVE),
    ],
)
def test_naive_datetimes_are_refused(cal, call):
    with pytest.raises(ValueError, match="datetime không kèm múi giờ"):
        call(cal)


@pytest.mark.parametrize(
    ("amount", "unit", "message"),
    [
        (1, "hours", "đơn vị thời hạn 'hours' không xác định"),
        (-1, "working_days", "số hữu hạn >= 0"),
        (float("nan"), "working_days", "số hữu hạn >= 0"),
        (float("inf"), "working_hours", "số hữu hạn >= 0"),
        (True, "working_days", "phải là một số"),
        ("3", "working_days", "phải là một số"),
        (1.5, "days", "phải là số nguyên"),
        (10**6, "working_days", "vượt giới hạn"),
    ],
)
def test_bad_amounts_and_units(cal, amount, unit, message):
    with pytest.raises(CalendarError, match=message) as info:
        cal.due_date(at(2025, 3, 10, 9), amount, unit)
    assert isinstance(info.value, InvalidInput) and isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.add_working_seconds(at(2025, 3, 10), -1), "số hữu hạn >= 0"),
        (lambda c: c.add_working_seconds(at(2025, 3, 10), "60"), "phải là một số"),
        (lambda c: c.is_working_day("2025-03-10"), "cần một ngày"),
        (lambda c: c.is_working_day(date(1990, 1, 1)), "phạm vi hỗ trợ"),
        (lambda c: c.due_date(at(2099, 12, 1), 60, "working_days"), "phạm vi hỗ trợ"),
        (lambda c: c.due_date("2025-03-10", 1, "working_days"), "phải là datetime"),
    ],
)
def test_other_bad_calls(cal, call, message):
    with pytest.raises(CalendarError, match=message):
        call(cal)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tz": "Asia/Saigon_City"}, "không có múi giờ"),
        ({"shifts": ()}, "không được rỗng"),
        ({"shifts": ((time(13), time(17)), (time(7), time(11)))}, "nằm sau ca trước"),
        ({"shifts": ((time(9), time(8)),)}, "kết thúc sau giờ bắt đầu"),
        ({"shifts": (("07:00", "11:30"),)}, "hai datetime.time không kèm múi giờ"),
        ({"same_day_cutoff": time(18)}, "muộn hơn giờ kết thúc ca cuối"),
        ({"extra_days_off": [NAIVE]}, "giá trị datetime.date"),
        (
            {"extra_days_off": [date(2025, 6, 7)], "extra_working_days": [date(2025, 6, 7)]},
            "vừa là ngày nghỉ thêm vừa là ngày làm bù: 2025-06-07",
        ),
    ],
)
def test_bad_construction(kwargs, message):
    with pytest.raises(CalendarError, match=message):
        WorkCalendar(**kwargs)


def test_custom_shifts_and_cutoff():
    short = WorkCalendar(shifts=((time(8), time(12)),), same_day_cutoff=time(10))
    assert short.day_seconds == 4 * 3600
    assert short.due_date(at(2025, 3, 10, 10, 30), 0, "working_days") == at(2025, 3, 11, 12)
    assert short.due_date(at(2025, 3, 10, 9), 0.5, "working_days") == at(2025, 3, 10, 11)

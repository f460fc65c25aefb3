"""Check that province calendar tables load as documented and bad ones are fully reported."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from engine.calendar import SAMPLE_TABLE, CalendarError, WorkCalendar
from engine.calendar_config import load_yaml, parse_mapping

DATA = Path(__file__).parent / "data" / "calendar"


def test_sample_table_is_valid_and_documented():
    kwargs = load_yaml(SAMPLE_TABLE)
    assert kwargs["tz"] == "Asia/Ho_Chi_Minh"
    assert kwargs["same_day_cutoff"] == time(15)
    assert kwargs["shifts"] == ((time(7), time(11, 30)), (time(13, 30), time(17)))
    assert set(kwargs["extra_days_off"]) == {date(2026, 1, 2)}
    assert kwargs["extra_working_days"] == (date(2026, 1, 10),)
    text = SAMPLE_TABLE.read_text(encoding="utf-8")
    for key in ("extra_days_off", "extra_working_days", "until", "source", "name"):
        assert f"{key}:" in text  # every field of the format appears, documented


def test_ranges_bare_dates_and_text_dates_expand():
    kwargs = parse_mapping(
        {
            "extra_days_off": [
                {"date": "2027-02-11", "until": "2027-02-13", "name": "Tết dài"},
                date(2025, 3, 26),
            ],
            "extra_working_days": ["2027-02-20"],
        }
    )
    assert kwargs["extra_days_off"] == {
        date(2027, 2, 11): "Tết dài",
        date(2027, 2, 12): "Tết dài",
        date(2027, 2, 13): "Tết dài",
        date(2025, 3, 26): "Ngày nghỉ theo quyết định của địa phương",
    }
    assert kwargs["extra_working_days"] == (date(2027, 2, 20),)


def test_from_mapping_changes_working_hours():
    cal = WorkCalendar.from_mapping({"working_hours": ["08:00-12:00", "13:00-17:00"]})
    assert cal.day_seconds == 8 * 3600
    assert cal.shifts[0] == (time(8), time(12))


def test_an_empty_table_is_the_national_calendar(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing decided this year\n", encoding="utf-8")
    cal = WorkCalendar.from_yaml(empty)
    assert cal.is_working_day(date(2026, 1, 2)) and not cal.is_working_day(date(2026, 1, 1))


def test_every_problem_of_a_bad_table_is_reported_at_once():
    with pytest.raises(CalendarError, match="có 7 lỗi") as info:
        WorkCalendar.from_yaml(DATA / "bad_table.yaml")
    errors = info.value.errors
    assert "khóa không xác định" in errors["working_hour"][0]
    assert "dấu nháy" in errors["same_day_cutoff"][0]  # unquoted 15:00 is the number 900
    assert "'2026-13-01'" in errors["extra_days_off[0].date"][0]
    assert "từ 'date' trở về sau" in errors["extra_days_off[1].until"][0]
    assert errors["extra_days_off[2]"] == ["khóa không xác định: when", "thiếu 'date'"]
    assert "cần danh sách" in errors["extra_working_days"][0]


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        ({"extra_days_off": ["2026-05-04", "2026-05-04"]}, "extra_days_off[1]", "ghi hai lần"),
        ({"extra_days_off": [{"date": "2026-05-04", "name": 5}]}, "extra_days_off[0].name", "văn"),
        ({"extra_days_off": [{"date": "2026-05-01", "until": "2026-07-01"}]}, "", "31 ngày"),
        ({"working_hours": ["07:00"]}, "working_hours[0]", "HH:MM-HH:MM"),
        ({"working_hours": []}, "working_hours", "danh sách không rỗng"),
        ({"working_hours": ["7:00-11:30"]}, "working_hours[0]", "cần giờ dạng"),
        ({"timezone": 7}, "timezone", "múi giờ IANA"),
        ({"extra_working_days": [{"date": "2026-05-09T08:00"}]}, "", "YYYY-MM-DD"),
    ],
)
def test_bad_entries_name_their_place(data, path, message):
    with pytest.raises(CalendarError) as info:
        parse_mapping(data)
    found = [m for p, ms in info.value.errors.items() if p.startswith(path) for m in ms]
    assert any(message in m for m in found), info.value.errors


def test_semantic_errors_surface_from_the_constructor():
    with pytest.raises(CalendarError, match="vừa là ngày nghỉ thêm vừa là ngày làm bù"):
        WorkCalendar.from_mapping(
            {"extra_days_off": ["2026-05-09"], "extra_working_days": ["2026-05-09"]}
        )
    with pytest.raises(CalendarError, match="không có múi giờ"):
        WorkCalendar.from_mapping({"timezone": "Mars/Olympus"})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("extra_days_off: [2026-01-02", "không phải YAML hợp lệ"),
        ("- 2026-01-02\n", "phải là một mapping"),
        ("!!python/object/apply:os.system ['true']\n", "không phải YAML hợp lệ"),
    ],
)
def test_unreadable_tables(tmp_path, content, message):
    table = tmp_path / "table.yaml"
    table.write_text(content, encoding="utf-8")
    with pytest.raises(CalendarError, match=message):
        WorkCalendar.from_yaml(table)


def test_missing_file():
    with pytest.raises(CalendarError, match="không đọc được bảng lịch"):
        WorkCalendar.from_yaml(DATA / "no_such_table.yaml")

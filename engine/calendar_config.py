"""Read a province's calendar table (YAML or a dict) into `WorkCalendar` arguments.

The format is documented in `engine/calendar.py` and shown, with sources, in
`engine/data/province_calendar.yaml`. Every problem is collected and reported at once in
`CalendarError.errors` (field path → messages), so a table is fixed in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import yaml

from engine.calendar_days import DEFAULT_DAY_OFF_NAME, CalendarError

KNOWN_KEYS = {
    "province",  # informational
    "description",  # informational
    "timezone",
    "same_day_cutoff",
    "working_hours",
    "extra_days_off",
    "extra_working_days",
}
ENTRY_KEYS = {"date", "until", "name", "source"}
MAX_RANGE_DAYS = 31  # a longer "range" is almost surely a typo in a year
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class _Loader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so a bad date is reported where it is."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Parse a province table file and return `WorkCalendar` keyword arguments."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CalendarError(f"không đọc được bảng lịch {path}: {exc.strerror}") from exc
    try:
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: no object tags
    except (yaml.YAMLError, ValueError) as exc:
        raise CalendarError(f"bảng lịch {path} không phải YAML hợp lệ: {exc}") from exc
    return parse_mapping({} if data is None else data, source=str(path))


def parse_mapping(data: Any, *, source: str = "bảng lịch") -> dict[str, Any]:
    """Validate a province table given as a mapping; return `WorkCalendar` kwargs."""
    if not isinstance(data, Mapping):
        raise CalendarError(
            f"{source} phải là một mapping (khóa: giá trị), nhận được {type(data).__name__}"
        )
    errors: dict[str, list[str]] = {}
    for key in data:
        if key not in KNOWN_KEYS:
            allowed = ", ".join(sorted(KNOWN_KEYS))
            errors.setdefault(str(key), []).append(
                f"khóa không xác định (các khóa dùng được: {allowed})"
            )
    kwargs: dict[str, Any] = {}
    if "timezone" in data:
        if isinstance(data["timezone"], str):
            kwargs["tz"] = data["timezone"]
        else:
            errors.setdefault("timezone", []).append(
                "phải là tên múi giờ IANA, ví dụ Asia/Ho_Chi_Minh"
            )
    if "same_day_cutoff" in data:
        cutoff = _time(data["same_day_cutoff"], "same_day_cutoff", errors)
        if cutoff is not None:
            kwargs["same_day_cutoff"] = cutoff
    if "working_hours" in data:
        shifts = _shifts(data["working_hours"], errors)
        if shifts is not None:
            kwargs["shifts"] = shifts
    off = _entries(data.get("extra_days_off") or [], "extra_days_off", errors)
    work = _entries(data.get("extra_working_days") or [], "extra_working_days", errors)
    kwargs["extra_days_off"] = {d: name or DEFAULT_DAY_OFF_NAME for d, name in off}
    kwargs["extra_working_days"] = tuple(d for d, _ in work)
    if errors:
        count = sum(len(messages) for messages in errors.values())
        raise CalendarError(f"{source} có {count} lỗi", errors)
    return kwargs


def _time(value: Any, path: str, errors: dict[str, list[str]]) -> time | None:
    if isinstance(value, time):
        return value
    if isinstance(value, str) and (match := _TIME.match(value.strip())):
        return time(int(match.group(1)), int(match.group(2)))
    hint = " (hãy đặt trong dấu nháy: không có nháy, YAML đọc HH:MM thành số)"
    hint = hint if isinstance(value, int) else ""
    errors.setdefault(path, []).append(f"cần giờ dạng 'HH:MM', nhận được {value!r}{hint}")
    return None


def _shifts(value: Any, errors: dict[str, list[str]]) -> tuple[tuple[time, time], ...] | None:
    if not isinstance(value, list) or not value:
        errors.setdefault("working_hours", []).append(
            "cần một danh sách không rỗng các chuỗi 'HH:MM-HH:MM'"
        )
        return None
    shifts = []
    for i, item in enumerate(value):
        path = f"working_hours[{i}]"
        parts = item.split("-") if isinstance(item, str) else None
        if not parts or len(parts) != 2:
            errors.setdefault(path, []).append(f"cần dạng 'HH:MM-HH:MM', nhận được {item!r}")
            continue
        start, end = _time(parts[0], path, errors), _time(parts[1], path, errors)
        if start is not None and end is not None:
            shifts.append((start, end))
    return tuple(shifts) if len(shifts) == len(value) else None


def _date(value: Any, path: str, errors: dict[str, list[str]]) -> date | None:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors.setdefault(path, []).append(f"cần ngày dạng YYYY-MM-DD, nhận được {value!r}")
    return None


def _entries(value: Any, field: str, errors: dict[str, list[str]]) -> list[tuple[date, str]]:
    """Expand a list of dates / {date, until, name, source} entries into (date, name)."""
    if not isinstance(value, list):
        errors.setdefault(field, []).append("cần danh sách ngày hoặc các mục {date: ...}")
        return []
    out: list[tuple[date, str]] = []
    seen: set[date] = set()
    for i, item in enumerate(value):
        path = f"{field}[{i}]"
        if not isinstance(item, Mapping):
            item = {"date": item}
        unknown = sorted(str(k) for k in item if k not in ENTRY_KEYS)
        if unknown:
            errors.setdefault(path, []).append(f"khóa không xác định: {', '.join(unknown)}")
        if "date" not in item:
            errors.setdefault(path, []).append("thiếu 'date'")
            continue
        first = _date(item["date"], f"{path}.date", errors)
        last = _date(item["until"], f"{path}.until", errors) if "until" in item else first
        name = item.get("name")
        if name is not None and not isinstance(name, str):
            errors.setdefault(f"{path}.name", []).append("phải là văn bản")
            name = None
        if first is None or last is None:
            continue
        span = (last - first).days
        if not 0 <= span < MAX_RANGE_DAYS:
            errors.setdefault(f"{path}.until", []).append(
                f"phải từ 'date' trở về sau và không quá {MAX_RANGE_DAYS} ngày kể từ 'date'"
            )
            continue
        for k in range(span + 1):
            d = first + timedelta(days=k)
            if d in seen:
                errors.setdefault(path, []).append(f"ngày {d.isoformat()} được ghi hai lần")
            seen.add(d)
            out.append((d, name or ""))
    return out

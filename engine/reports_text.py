"""How the reports and the dashboard write figures in Vietnamese: percentages, holders, times."""

from __future__ import annotations

from datetime import datetime, tzinfo

from .metrics_backlog import BacklogRow

ROLE_NAMES = {
    "one_stop_officer": "Bộ phận một cửa",
    "specialist": "Chuyên viên",
    "head_of_unit": "Lãnh đạo phòng",
    "leader": "Lãnh đạo",
    "citizen": "Công dân",
    "system": "Hệ thống",
}


def percent(value: float | None) -> str:
    """``0.966`` → ``96,6%``; no value (nothing to measure) → an en dash."""
    if value is None:
        return "–"
    return f"{100 * value:.1f}%".replace(".", ",")


def local_time(value: datetime, tz: tzinfo | None) -> str:
    return f"{value.astimezone(tz):%H:%M %d/%m/%Y}"


def holders_text(row: BacklogRow) -> str:
    """``Thẩm định — cv (12,5 giờ)``: each open step, who holds it and for how long."""
    parts = []
    for h in row.holders:
        who = h.assignee or f"chưa nhận ({ROLE_NAMES.get(h.role or '', h.role or '–')})"
        parts.append(f"{h.step_name} — {who} ({h.held_hours:.1f} giờ)".replace(".", ","))
    return "; ".join(parts) or "–"

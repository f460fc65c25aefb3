"""The daily report as an Excel workbook (openpyxl): figures as numbers, times as dates.

Excel has no time zones, so times are written as the province's local wall-clock time.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .metrics_backlog import BacklogRow
from .reports import DailyReport

HEADERS = (
    "Mã hồ sơ",
    "Mã thủ tục",
    "Thủ tục",
    "Mã cơ quan",
    "Cơ quan",
    "Trạng thái",
    "Ngày tiếp nhận",
    "Hạn xử lý",
    "Quá hạn (ngày làm việc)",
    "Bước đang xử lý",
    "Người giữ",
    "Giữ (giờ làm việc)",
)
SUMMARY = (
    ("Hồ sơ tiếp nhận", "received"),
    ("Hồ sơ đã giải quyết", "settled"),
    ("Giải quyết trước hạn", "settled_early"),
    ("Giải quyết đúng hạn", "settled_on_time"),
    ("Giải quyết trễ hạn", "settled_late"),
    ("Tỷ lệ đúng hạn", "on_time_rate"),
    ("Hồ sơ từ chối", "refused"),
    ("Yêu cầu bổ sung", "supplement_requests"),
)


def render_xlsx(report: DailyReport) -> bytes:
    """The workbook, streamed row by row (openpyxl's write-only mode).

    A province's two thousand late dossiers are some twenty thousand cells: kept as cell
    objects and styled afterwards, as the ordinary mode does, they took most of the time.
    """
    tz = report.generated_at.tzinfo
    wb = Workbook(write_only=True)
    summary = wb.create_sheet("Tổng hợp")
    summary.append([_styled(summary, report.title, font=Font(bold=True, size=14))])
    summary.append(["Lập lúc", _naive(report.generated_at, tz)])
    summary.append([])
    _bold_row(summary, ["Chỉ tiêu", f"Ngày {report.day.label}", f"Tháng {report.month.label}"])
    for label, name in SUMMARY:
        summary.append(
            [label, getattr(report.day_figures, name), getattr(report.month_figures, name)]
        )
    summary.append([])
    _bold_row(summary, ["Cơ quan", "Mã cơ quan", "Trễ hạn", "Sắp đến hạn"])
    for a in report.agencies:
        summary.append([a.name, a.code, a.late, a.near_due])
    for title, rows in (("Trễ hạn", report.late), ("Sắp đến hạn", report.near_due)):
        _backlog_sheet(wb.create_sheet(title), rows, tz)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


WIDTHS = (28, 10, 40, 16, 30, 18, 17, 17, 12, 24, 18, 12)
WHEN = "dd/mm/yyyy hh:mm"


def _backlog_sheet(ws: Any, rows: list[BacklogRow], tz: tzinfo | None) -> None:
    for column, width in zip("ABCDEFGHIJKL", WIDTHS, strict=True):
        ws.column_dimensions[column].width = width  # before the first row, in this mode
    _bold_row(ws, list(HEADERS))
    for r in rows:
        base = [
            r.code,
            r.procedure_code,
            r.procedure_name,
            r.agency_code,
            r.agency_name,
            r.status,
            _styled(ws, _naive(r.received_at, tz), number_format=WHEN),
            _styled(ws, _naive(r.due_at, tz), number_format=WHEN),
            round(r.overdue_days, 2),
        ]
        holders = r.holders or [None]
        for h in holders:  # one line per open step: a parallel dossier has several holders
            if h is None:
                ws.append([*base, None, None, None])
            else:
                ws.append([*base, h.step_name, h.assignee or h.role, round(h.held_hours, 2)])


def _styled(ws: Any, value: Any, **style: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value)
    for name, v in style.items():
        setattr(cell, name, v)
    return cell


def _bold_row(ws: Any, values: list) -> None:
    bold = Font(bold=True)
    ws.append([_styled(ws, v, font=bold) for v in values])


def _naive(value: datetime, tz: tzinfo | None) -> datetime:
    return value.astimezone(tz).replace(tzinfo=None)

"""The daily report as a PDF (fpdf2), in Vietnamese with a Unicode font from the system.

fpdf2's built-in fonts are Latin-1 only, so a DejaVu TrueType font is embedded; the
``fonts-dejavu-core`` package puts it in /usr/share/fonts/truetype/dejavu on Debian.
"""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path

from fpdf import FPDF

from .metrics_backlog import BacklogRow
from .reports import DailyReport, ReportError
from .reports_text import holders_text, local_time, percent

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
COLUMNS = (
    ("Mã hồ sơ", 48),
    ("Thủ tục", 52),
    ("Cơ quan", 40),
    ("Hạn xử lý", 26),
    ("Quá hạn (ngày)", 20),
    ("Đang xử lý tại / người giữ", 91),
)


def render_pdf(report: DailyReport) -> bytes:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not regular.exists() or not bold.exists():
        raise ReportError(f"the DejaVu fonts are missing from {FONT_DIR} (fonts-dejavu-core)")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_title(report.title)
    pdf.set_author("LiênThông")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_fill_color(238, 241, 245)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.cell(0, 9, report.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(0, 5, f"Lập lúc {report.generated_at:%H:%M %d/%m/%Y}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _summary(pdf, report)
    tz = report.generated_at.tzinfo
    _table(pdf, f"Hồ sơ trễ hạn ({len(report.late)})", report.late, tz)
    _table(pdf, f"Hồ sơ sắp đến hạn ({len(report.near_due)})", report.near_due, tz)
    return bytes(pdf.output())


def _summary(pdf: FPDF, report: DailyReport) -> None:
    d, m = report.day_figures, report.month_figures
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 7, "Tổng hợp", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    with pdf.table(col_widths=(80, 45, 45), text_align=("LEFT", "RIGHT", "RIGHT")) as table:
        table.row(("Chỉ tiêu", f"Ngày {report.day.label}", f"Tháng {report.month.label}"))
        for label, a, b in (
            ("Hồ sơ tiếp nhận", d.received, m.received),
            ("Hồ sơ đã giải quyết", d.settled, m.settled),
            ("  – trước hạn", d.settled_early, m.settled_early),
            ("  – đúng hạn", d.settled_on_time, m.settled_on_time),
            ("  – trễ hạn", d.settled_late, m.settled_late),
            ("Tỷ lệ đúng hạn", percent(d.on_time_rate), percent(m.on_time_rate)),
            ("Hồ sơ từ chối", d.refused, m.refused),
            ("Yêu cầu bổ sung", d.supplement_requests, m.supplement_requests),
        ):
            table.row((label, str(a), str(b)))
    pdf.ln(3)
    if report.agencies:
        with pdf.table(col_widths=(120, 30, 30), text_align=("LEFT", "RIGHT", "RIGHT")) as table:
            table.row(("Cơ quan", "Trễ hạn", "Sắp đến hạn"))
            for a in report.agencies:
                table.row((a.name, str(a.late), str(a.near_due)))
        pdf.ln(3)


def _table(pdf: FPDF, title: str, rows: list[BacklogRow], tz: tzinfo | None) -> None:
    """One line per dossier, cut to its column (the Excel file has every word).

    Drawn with plain cells rather than fpdf2's table, which breaks every cell's text into
    lines twice: a province's thousand late dossiers render in a second, not a minute.
    """
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    if not rows:
        pdf.cell(0, 6, "Không có hồ sơ.", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        return
    widths = [w for _, w in COLUMNS]
    _line(pdf, [name for name, _ in COLUMNS], widths, header=True)
    for r in rows:
        if pdf.will_page_break(LINE):
            pdf.add_page()
            _line(pdf, [name for name, _ in COLUMNS], widths, header=True)
        _line(
            pdf,
            [
                r.code,
                f"{r.procedure_code} {r.procedure_name}",
                r.agency_name,
                local_time(r.due_at, tz),
                f"{r.overdue_days:.1f}".replace(".", ","),
                holders_text(r),
            ],
            widths,
        )
    pdf.ln(3)


LINE = 5.5


def _line(pdf: FPDF, values: list[str], widths: list[float], header: bool = False) -> None:
    pdf.set_font("DejaVu", "B" if header else "", 8)
    for value, width in zip(values, widths, strict=True):
        pdf.cell(width, LINE, _fit(pdf, value, width - 2), border=1, fill=header)
    pdf.ln(LINE)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """``text``, or its longest beginning that fits ``width`` followed by an ellipsis."""
    if pdf.get_string_width(text) <= width:
        return text
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if pdf.get_string_width(text[:mid] + "…") <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low] + "…"

"""The daily report as a PDF (fpdf2), in Vietnamese with a Unicode font from the system.

fpdf2's built-in fonts are Latin-1 only, so a DejaVu TrueType font is embedded; the
``fonts-dejavu-core`` package puts it in /usr/share/fonts/truetype/dejavu on Debian.
"""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import RenderStyle

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
    figures = [
        ("Hồ sơ tiếp nhận", d.received, m.received),
        ("Hồ sơ đã giải quyết", d.settled, m.settled),
        ("  – trước hạn", d.settled_early, m.settled_early),
        ("  – đúng hạn", d.settled_on_time, m.settled_on_time),
        ("  – trễ hạn", d.settled_late, m.settled_late),
        ("Tỷ lệ đúng hạn", percent(d.on_time_rate), percent(m.on_time_rate)),
        ("Hồ sơ từ chối", d.refused, m.refused),
        ("Yêu cầu bổ sung", d.supplement_requests, m.supplement_requests),
    ]
    _grid(
        pdf,
        [("Chỉ tiêu", 70), (f"Ngày {report.day.label}", 62), (f"Tháng {report.month.label}", 62)],
        [[label, str(a), str(b)] for label, a, b in figures],
        size=9,
    )
    if report.agencies:
        _grid(
            pdf,
            [("Cơ quan", 120), ("Trễ hạn", 30), ("Sắp đến hạn", 30)],
            [[a.name, str(a.late), str(a.near_due)] for a in report.agencies],
            size=9,
        )


def _table(pdf: FPDF, title: str, rows: list[BacklogRow], tz: tzinfo | None) -> None:
    """One line per dossier, cut to its column (the Excel file has every word)."""
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    if not rows:
        pdf.cell(0, 6, "Không có hồ sơ.", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        return
    lines = [
        [
            r.code,
            f"{r.procedure_code} {r.procedure_name}",
            r.agency_name,
            local_time(r.due_at, tz),
            f"{r.overdue_days:.1f}".replace(".", ","),
            holders_text(r),
        ]
        for r in rows
    ]
    _grid(pdf, list(COLUMNS), lines, size=8, right=())


def _grid(
    pdf: FPDF,
    columns: list[tuple[str, float]],
    lines: list[list[str]],
    *,
    size: float,
    right: tuple[int, ...] = (1, 2),
) -> None:
    """A ruled table, one line per row, each value cut to its column; the header again
    on each new page. Columns ``right`` are aligned right (figures).

    Drawn as placed text in ruled boxes rather than fpdf2's table or even its cells, which
    lay out and measure every value again: a province's two thousand late dossiers render
    in a fraction of a second, not a minute.
    """
    widths = [w for _, w in columns]
    header = [name for name, _ in columns]
    fits = {style: _Fit(pdf, style, size) for style in ("", "B")}
    _row(pdf, fits["B"], header, widths, right, header=True)
    for values in lines:
        if pdf.will_page_break(LINE):
            pdf.add_page()
            _row(pdf, fits["B"], header, widths, right, header=True)
        _row(pdf, fits[""], values, widths, right)
    pdf.ln(3)


LINE = 5.5


def _row(
    pdf: FPDF,
    fit: _Fit,
    values: list[str],
    widths: list[float],
    right: tuple[int, ...],
    header: bool = False,
) -> None:
    """One line: each value placed where a cell would place it, in a ruled box."""
    fit.use()
    x, y = pdf.l_margin, pdf.get_y()
    baseline = y + 0.5 * LINE + 0.3 * pdf.font_size  # where fpdf2's cell puts it
    pad = pdf.c_margin
    style = RenderStyle.DF if header else RenderStyle.D  # not a string: fpdf2 parses those
    for i, (value, width) in enumerate(zip(values, widths, strict=True)):
        pdf.rect(x, y, width, LINE, style=style)
        text, used = fit(value, width - 2 * pad)
        pdf.text(x + (width - pad - used if i in right else pad), baseline, text)
        x += width
    pdf.ln(LINE)


class _Fit:
    """Cut texts to a width in one font, measuring each character once and each text once
    per width (a procedure's or an agency's name comes back on every other line).

    fpdf2 measures a string as the sum of its characters' widths (no kerning without text
    shaping), so the sums here are its own.
    """

    def __init__(self, pdf: FPDF, style: str, size: float) -> None:
        self.pdf, self.style, self.size = pdf, style, size
        self.widths: dict[str, float] = {}
        self.cut: dict[tuple[str, float], tuple[str, float]] = {}

    def use(self) -> None:
        pdf = self.pdf
        if (pdf.font_family, pdf.font_style, pdf.font_size_pt) != ("dejavu", self.style, self.size):
            pdf.set_font("DejaVu", self.style, self.size)

    def width(self, char: str) -> float:
        if char not in self.widths:
            self.widths[char] = self.pdf.get_string_width(char)
        return self.widths[char]

    def __call__(self, text: str, width: float) -> tuple[str, float]:
        """``text`` or its longest beginning that fits ``width`` with an ellipsis, and its
        width."""
        key = (text, width)
        done = self.cut.get(key)
        if done is None:
            done = self.cut[key] = self._fit(text, width)
        return done

    def _fit(self, text: str, width: float) -> tuple[str, float]:
        room = width - self.width("…")
        total, cut, at_cut = 0.0, None, 0.0
        for i, char in enumerate(text):
            w = self.width(char)
            if cut is None and total + w > room:
                cut, at_cut = i, total
            total += w
            if total > width:
                return text[:cut] + "…", at_cut + self.width("…")
        return text, total

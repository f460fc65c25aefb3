"""The common page of every printed paper: fonts, the national motto header, QR codes."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from engine.errors import LienThongError
from engine.numbers_vi import grouped

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
FONTS = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
FAMILY = "DejaVu"


class FontMissing(LienThongError):
    """The Unicode font the papers are printed in is not installed."""

    code = "font_missing"


def font_dir() -> Path:
    """Find the DejaVu fonts (``LIENTHONG_FONT_DIR`` first); raise a clear error if absent."""
    candidates = [Path(p) for p in [os.environ.get("LIENTHONG_FONT_DIR", "")] if p]
    for directory in [*candidates, *FONT_DIRS]:
        if all((directory / name).is_file() for name in FONTS.values()):
            return directory
    raise FontMissing(
        "DejaVu fonts not found in "
        + ", ".join(str(d) for d in [*candidates, *FONT_DIRS])
        + ": install the Debian package fonts-dejavu-core (./run does) "
        "or set LIENTHONG_FONT_DIR to a folder holding DejaVuSans.ttf"
    )


def new_document(title: str, created: datetime) -> FPDF:
    """Start an A4 paper; the creation date is the event's own so the bytes are reproducible."""
    directory = font_dir()
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    for style, name in FONTS.items():
        pdf.add_font(FAMILY, style, str(directory / name))
    pdf.set_title(title)
    pdf.set_creator("LiênThông")
    pdf.set_creation_date(created)
    pdf.add_page()
    return pdf


def header(pdf: FPDF, agency_name: str, place_date: str) -> None:
    """Draw the agency block on the left and the national motto on the right."""
    top = pdf.get_y()
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    pdf.set_font(FAMILY, "B", 10)
    pdf.multi_cell(half - 5, 5, agency_name.upper(), align="C")
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.multi_cell(half, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C")
    pdf.set_x(pdf.l_margin + half)
    pdf.multi_cell(half, 5, "Độc lập - Tự do - Hạnh phúc", align="C")
    pdf.set_font(FAMILY, "I", 10)
    pdf.set_x(pdf.l_margin + half)
    pdf.multi_cell(half, 7, place_date, align="C")
    pdf.set_y(max(left_bottom, pdf.get_y()) + 4)


def title(pdf: FPDF, text: str, subtitle: str = "") -> None:
    pdf.set_font(FAMILY, "B", 13)
    pdf.multi_cell(0, 7, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if subtitle:
        pdf.set_font(FAMILY, "", 11)
        pdf.multi_cell(0, 6, subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def line(pdf: FPDF, label: str, value: str = "", *, size: float = 11) -> None:
    """Write ``label value`` as one paragraph, the label in bold."""
    pdf.set_font(FAMILY, "B", size)
    pdf.write(6, label)
    pdf.set_font(FAMILY, "", size)
    pdf.write(6, f" {value}" if value else "")
    pdf.ln(7)


def qr_code(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    """Draw ``data`` as a QR code of ``size`` mm, as vector squares (no image library)."""
    qr = segno.make(data, error="m", micro=False)
    modules = list(qr.matrix_iter(scale=1, border=2))
    cell = size / len(modules)
    pdf.set_fill_color(0, 0, 0)
    for row, values in enumerate(modules):
        for col, dark in enumerate(values):
            if dark:
                pdf.rect(x + col * cell, y + row * cell, cell, cell, style="F")


def vn_date(moment: datetime | None) -> str:
    return moment.astimezone(VN).strftime("%d/%m/%Y") if moment else "—"


def vn_time(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(VN)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d/%m/%Y}"


def place_date(place: str, moment: datetime) -> str:
    local = moment.astimezone(VN)
    return f"{place}, ngày {local.day:02d} tháng {local.month:02d} năm {local.year}"


def money(amount: int | None) -> str:
    if amount is None:
        return ""
    return f"{grouped(amount)} đồng"


def mask_id(value: str | None) -> str:
    """Show only the last four digits of an identity number (lists and printed papers)."""
    text = str(value or "")
    if len(text) <= 4:
        return "*" * len(text)
    return "*" * (len(text) - 4) + text[-4:]


def output(pdf: FPDF) -> bytes:
    return bytes(pdf.output())

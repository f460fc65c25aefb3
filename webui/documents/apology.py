"""Phiếu xin lỗi và hẹn lại ngày trả kết quả (Circular 03/2025, form 04) as a PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from . import pdf as p


@dataclass(frozen=True)
class ApologyData:
    agency_name: str
    dossier_code: str
    applicant_name: str
    procedure_name: str
    received_at: datetime
    due_at: datetime | None
    new_due_date: date
    delay_reason: str
    written_at: datetime
    letter_number: str = ""
    officer_name: str = ""


def render_apology(data: ApologyData) -> bytes:
    """Return the apology letter's PDF bytes."""
    pdf = p.new_document(f"Phiếu xin lỗi {data.dossier_code}", data.written_at)
    p.header(pdf, data.agency_name, p.place_date("", data.written_at).lstrip(", "))
    if data.letter_number:
        pdf.set_font(p.FAMILY, "", 10)
        pdf.multi_cell(0, 6, f"Số: {data.letter_number}", new_x="LMARGIN", new_y="NEXT")
    p.title(pdf, "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", f"Mã hồ sơ: {data.dossier_code}")
    p.line(pdf, "Kính gửi:", f"Ông/Bà {data.applicant_name}")
    pdf.set_font(p.FAMILY, "", 11)
    text = (
        f"Ngày {p.vn_date(data.received_at)}, {data.agency_name} tiếp nhận giải quyết hồ sơ "
        f"{data.procedure_name} của Ông/Bà, mã hồ sơ {data.dossier_code}. "
        f"Thời gian hẹn trả kết quả giải quyết hồ sơ: ngày {p.vn_date(data.due_at)}."
    )
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    p.line(pdf, "Lý do chậm trả kết quả:", data.delay_reason)
    pdf.set_font(p.FAMILY, "", 11)
    new_date = data.new_due_date.strftime("%d/%m/%Y")
    pdf.multi_cell(
        0,
        6,
        f"{data.agency_name} xin lỗi Ông/Bà vì sự chậm trễ này và hẹn trả kết quả giải quyết "
        f"hồ sơ vào ngày {new_date}.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    pdf.multi_cell(0, 6, "Mong nhận được sự thông cảm của Ông/Bà.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    pdf.set_x(pdf.l_margin + half)
    pdf.set_font(p.FAMILY, "B", 11)
    pdf.multi_cell(half, 6, "THỦ TRƯỞNG CƠ QUAN", align="C")
    if data.officer_name:
        pdf.ln(18)
        pdf.set_x(pdf.l_margin + half)
        pdf.multi_cell(half, 6, data.officer_name, align="C")
    return p.output(pdf)

"""Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Circular 03/2025, form 01) as a PDF."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from fpdf.enums import XPos, YPos

from . import pdf as p


@dataclass(frozen=True)
class ReceiptData:
    """What the receipt prints; the web page fills it from the dossier as received."""

    agency_name: str
    dossier_code: str
    applicant_name: str
    procedure_code: str
    procedure_name: str
    received_at: datetime
    due_at: datetime | None
    lookup_url: str
    officer_name: str = ""
    applicant_id: str = ""
    applicant_address: str = ""
    applicant_phone: str = ""
    documents: list[str] = field(default_factory=list)
    fee: str = ""
    channel: str = "Trực tiếp"


def render_receipt(data: ReceiptData) -> bytes:
    """Return the receipt's PDF bytes; the same dossier always gives the same bytes."""
    pdf = p.new_document(f"Giấy tiếp nhận hồ sơ {data.dossier_code}", data.received_at)
    p.header(pdf, data.agency_name, p.place_date("", data.received_at).lstrip(", "))
    p.title(pdf, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", f"Mã hồ sơ: {data.dossier_code}")
    qr_size = 32
    qr_top = pdf.get_y()
    p.qr_code(pdf, data.lookup_url, pdf.w - pdf.r_margin - qr_size, qr_top, qr_size)
    pdf.set_right_margin(pdf.r_margin + qr_size + 4)
    p.line(pdf, "Bộ phận tiếp nhận và trả kết quả:", data.agency_name)
    p.line(pdf, "Tiếp nhận hồ sơ của:", data.applicant_name)
    if data.applicant_id:
        p.line(pdf, "Số định danh cá nhân:", p.mask_id(data.applicant_id))
    if data.applicant_address:
        p.line(pdf, "Địa chỉ:", data.applicant_address)
    if data.applicant_phone:
        p.line(pdf, "Số điện thoại:", data.applicant_phone)
    pdf.set_right_margin(15)
    pdf.set_y(max(pdf.get_y(), qr_top + qr_size + 2))
    p.line(pdf, "Nội dung yêu cầu giải quyết:", f"{data.procedure_name} ({data.procedure_code})")
    p.line(pdf, "Hình thức nộp:", data.channel)
    p.line(pdf, "Thành phần hồ sơ gồm:")
    _documents(pdf, data.documents)
    p.line(pdf, "Phí, lệ phí:", data.fee or "Không")
    p.line(pdf, "Thời gian nhận hồ sơ:", p.vn_time(data.received_at))
    p.line(pdf, "Thời gian trả kết quả giải quyết hồ sơ:", p.vn_time(data.due_at))
    p.line(pdf, "Tra cứu tình trạng hồ sơ:", data.lookup_url, size=9)
    pdf.ln(4)
    _signatures(pdf, data.officer_name)
    return p.output(pdf)


def _documents(pdf: p.FPDF, documents: list[str]) -> None:
    pdf.set_font(p.FAMILY, "", 10)
    if not documents:
        pdf.multi_cell(0, 6, "(không có)", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    with pdf.table(col_widths=(10, 150), text_align=("CENTER", "LEFT"), line_height=6) as table:
        head = table.row()
        head.cell("STT")
        head.cell("Tên giấy tờ")
        for index, name in enumerate(documents, start=1):
            row = table.row()
            row.cell(str(index))
            row.cell(name)
    pdf.ln(3)


def _signatures(pdf: p.FPDF, officer_name: str) -> None:
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    top = pdf.get_y()
    pdf.set_font(p.FAMILY, "B", 11)
    pdf.multi_cell(half, 6, "NGƯỜI NỘP HỒ SƠ", align="C")
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.multi_cell(half, 6, "NGƯỜI TIẾP NHẬN HỒ SƠ", align="C")
    pdf.set_font(p.FAMILY, "I", 9)
    pdf.set_x(pdf.l_margin)
    pdf.multi_cell(half, 5, "(Ký và ghi rõ họ tên)", align="C")
    pdf.set_xy(pdf.l_margin + half, pdf.get_y() - 5)
    pdf.multi_cell(half, 5, "(Ký và ghi rõ họ tên)", align="C")
    if officer_name:
        pdf.ln(18)
        pdf.set_font(p.FAMILY, "B", 11)
        pdf.set_x(pdf.l_margin + half)
        pdf.multi_cell(half, 6, officer_name, align="C")

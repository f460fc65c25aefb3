"""Stored documents (by content, checked by their bytes) and the printed papers (PDF)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import segno
from pypdf import PdfReader
from pypdf.generic import ContentStream
from sqlalchemy import func, select

from engine.documents import safe_filename, sniff
from engine.errors import InvalidInput, NotFound
from engine.models import AuditEvent, Document, DossierDocument
from engine.runtime import Engine
from tests.engine.conftest import APPLICANT, TEST_PROC
from webui.documents import pdf as pdf_module
from webui.documents.apology import ApologyData, render_apology
from webui.documents.receipt import ReceiptData, render_receipt

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def engine_db_url(db_url: str) -> str:
    return db_url


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# -- what a file is ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (b"<html><script>alert(1)</script></html>", None),
        (b"MZ\x90\x00 an executable named scan.pdf", None),
        (b"%PDF-1.4 a header glued on a script <script>", None),  # no %%EOF trailer
        (b"", None),
    ],
)
def test_sniff_decides_by_content(content: bytes, expected: str | None) -> None:
    assert sniff(content) == expected


@pytest.mark.parametrize(
    ("name", "media", "expected"),
    [
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("C:\\Users\\lan\\..\\scan.PDF", "application/pdf", "scan.PDF"),
        ("<img src=x onerror=alert(1)>.png", "image/png", "img src=x onerror=alert(1).png"),
        ("ảnh chụp CCCD.jpeg", "image/jpeg", "ảnh chụp CCCD.jpeg"),
        ("report.exe", "application/pdf", "report.exe.pdf"),
        ("", "image/png", "tai-lieu.png"),
        ("....", "image/png", "tai-lieu.png"),
    ],
)
def test_safe_filename_keeps_a_plain_name(name: str, media: str, expected: str) -> None:
    assert safe_filename(name, media) == expected


# -- the store ---------------------------------------------------------------------------------
def test_same_file_is_stored_once_and_serves_two_dossiers(engine: Engine) -> None:
    d1 = engine.submit(TEST_PROC, applicant=dict(APPLICANT))
    d2 = engine.submit(TEST_PROC, applicant=dict(APPLICANT))
    a = engine.attach_document(d1.code, PDF, filename="cccd.pdf", kind="cccd", actor="mc")
    b = engine.attach_document(d2.id, PDF, filename="../cccd.pdf", kind="cccd", actor="mc")
    again = engine.attach_document(d1.id, PDF, filename="cccd.pdf", kind="cccd", actor="mc")
    assert a.id == b.id == again.id and a.media_type == "application/pdf"
    assert b.filename == "cccd.pdf"
    with engine.db.read() as s:
        assert s.execute(select(func.count()).select_from(Document)).scalar_one() == 1
        assert s.execute(select(func.count()).select_from(DossierDocument)).scalar_one() == 2
        attached = s.execute(
            select(AuditEvent).where(AuditEvent.action == "attach_document")
        ).scalars()
        assert sorted(e.dossier_id for e in attached) == [d1.id, d2.id]  # the repeat adds none
    assert engine.document_content(d2.id, a.id) == PDF
    assert [i.kind for i in engine.dossier_documents(d1.id)] == ["cccd"]


def test_a_document_is_reached_only_through_its_dossier(engine: Engine) -> None:
    d1 = engine.submit(TEST_PROC, applicant=dict(APPLICANT))
    d2 = engine.submit(TEST_PROC, applicant=dict(APPLICANT))
    info = engine.attach_document(d1.id, PNG, filename="a.png", kind="anh", actor="mc")
    with pytest.raises(NotFound):
        engine.document_content(d2.id, info.id)


@pytest.mark.parametrize(
    ("content", "field_message"),
    [
        (b"", "rỗng"),
        (b"<html>not a pdf</html>", "PDF, JPEG hoặc PNG"),
        (PDF + b"\x00" * 2000, "dung lượng"),
    ],
)
@pytest.mark.parametrize("engine_settings", [{"max_upload_bytes": 1000}])
def test_bad_files_are_refused_and_nothing_is_written(
    engine: Engine, content: bytes, field_message: str
) -> None:
    d = engine.submit(TEST_PROC, applicant=dict(APPLICANT))
    with pytest.raises(InvalidInput) as caught:
        engine.attach_document(d.id, content, filename="x.pdf", kind="scan", actor="mc")
    assert field_message in caught.value.errors["file"][0]
    with engine.db.read() as s:
        assert s.execute(select(func.count()).select_from(Document)).scalar_one() == 0


def test_a_bad_kind_is_refused(engine: Engine) -> None:
    d = engine.submit(TEST_PROC, applicant=dict(APPLICANT))
    with pytest.raises(InvalidInput):
        engine.attach_document(d.id, PDF, filename="x.pdf", kind="../x", actor="mc")


# -- the papers --------------------------------------------------------------------------------
RECEIVED = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)  # 08:30 in Hà Nội


def receipt(**overrides: object) -> ReceiptData:
    values: dict = dict(
        agency_name="UBND phường Phú Lợi",
        dossier_code="000.21.01.H56-261125-0001",
        applicant_name="Nguyễn Văn Bình",
        procedure_code="1.001193",
        procedure_name="Đăng ký khai sinh",
        received_at=RECEIVED,
        due_at=datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
        lookup_url="https://dichvucong.example/tra-cuu?code=000.21.01.H56-261125-0001",
        officer_name="Trần Thị Mai",
        applicant_id="001190000001",
        documents=["Tờ khai đăng ký khai sinh — to-khai.pdf", "Giấy chứng sinh — gcs.jpg"],
        fee="Miễn phí",
    )
    values.update(overrides)
    return ReceiptData(**values)


def test_receipt_prints_the_dossier_in_vietnamese() -> None:
    data = render_receipt(receipt())
    text = pdf_text(data)
    for expected in (
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "000.21.01.H56-261125-0001",
        "Nguyễn Văn Bình",
        "Đăng ký khai sinh (1.001193)",
        "Giấy chứng sinh — gcs.jpg",
        "Miễn phí",
        "08 giờ 30 phút, ngày 25/11/2026",  # received, in Hà Nội time
        "17 giờ 00 phút, ngày 26/11/2026",  # appointment
        "Trần Thị Mai",
    ):
        assert expected in text, expected
    assert "001190000001" not in text and "********0001" in text
    assert render_receipt(receipt()) == data  # reproducible: the receipt of record


def qr_modules(data: bytes) -> set[tuple[int, int]]:
    """Rebuild the QR code's dark modules from the filled squares drawn on the page."""
    reader = PdfReader(io.BytesIO(data))
    page = reader.pages[0]
    squares = []
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"re":
            x, y, w, h = (float(v) for v in operands)
            if abs(w - abs(h)) < 1e-6 and abs(w) < 5:
                squares.append((x, y, w))
    size = squares[0][2]
    x0, y_top = min(s[0] for s in squares), max(s[1] for s in squares)
    return {(round((y_top - y) / size), round((x - x0) / size)) for x, y, _ in squares}


def test_receipt_qr_code_holds_the_lookup_url() -> None:
    url = "https://dichvucong.example/tra-cuu?code=000.21.01.H56-261125-0001"
    drawn = qr_modules(render_receipt(receipt(lookup_url=url)))
    expected = {
        (r, c)
        for r, row in enumerate(segno.make(url, error="m", micro=False).matrix)
        for c, dark in enumerate(row)
        if dark
    }
    shift_r = min(r for r, _ in drawn) - min(r for r, _ in expected)
    shift_c = min(c for _, c in drawn) - min(c for _, c in expected)
    assert {(r - shift_r, c - shift_c) for r, c in drawn} == expected
    other = qr_modules(render_receipt(receipt(lookup_url=url + "X")))
    assert other != drawn


def test_apology_letter_names_the_delay_and_the_new_date() -> None:
    text = pdf_text(
        render_apology(
            ApologyData(
                agency_name="UBND phường Phú Lợi",
                dossier_code="000.21.01.H56-261125-0001",
                applicant_name="Nguyễn Văn Bình",
                procedure_name="Đăng ký khai sinh",
                received_at=RECEIVED,
                due_at=datetime(2026, 11, 26, 10, tzinfo=UTC),
                new_due_date=date(2026, 12, 3),
                delay_reason="Chờ kết quả xác minh của Công an xã",
                written_at=datetime(2026, 11, 27, 2, tzinfo=UTC),
                letter_number="12/XL-UBND",
                officer_name="Lê Văn Cường",
            )
        )
    )
    for expected in (
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "Kính gửi: Ông/Bà Nguyễn Văn Bình",
        "Chờ kết quả xác minh của Công an xã",
        "03/12/2026",
        "Số: 12/XL-UBND",
        "ngày 27 tháng 11 năm 2026",
    ):
        assert expected in text, expected


def test_missing_fonts_fail_with_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf_module, "FONT_DIRS", (tmp_path,))
    monkeypatch.delenv("LIENTHONG_FONT_DIR", raising=False)
    with pytest.raises(pdf_module.FontMissing, match="fonts-dejavu-core"):
        render_receipt(receipt())

"""Receiving at the counter: the catalogue picker, the eForm, uploads, and the receipt."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select

from engine.models import Document, Dossier
from engine.runtime import Engine
from tests.engine.conftest import KET_HON, KHAI_SINH, TEST_PROC
from tests.webui.conftest import csrf_token

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
APPLICANT = {
    "applicant.full_name": "Nguyễn Thị Lan",
    "applicant.cccd": "001190000001",
    "applicant.address": "Số 5, phường Phú Lợi",
    "applicant.phone": "0912345678",
}


@pytest.fixture
def engine_db_url(db_url: str) -> str:
    return db_url


@pytest.fixture
def mc(logged_in: Callable[[str], FlaskClient]) -> FlaskClient:
    return logged_in("mc")


def dossiers(engine: Engine) -> int:
    with engine.db.read() as s:
        return s.execute(select(func.count()).select_from(Dossier)).scalar_one()


def post(client: FlaskClient, code: str, data: dict, files: dict | None = None):  # noqa: ANN201
    body = {"csrf_token": csrf_token(client), **data}
    for name, items in (files or {}).items():
        body[name] = [(io.BytesIO(content), filename, ctype) for content, filename, ctype in items]
    return client.post(f"/quay/thu-tuc/{code}", data=body, content_type="multipart/form-data")


def test_picker_finds_procedures_without_diacritics(mc: FlaskClient) -> None:
    page = mc.get("/quay/?q=dang ky ket hon").get_data(as_text=True)
    assert KET_HON in page and KHAI_SINH not in page
    page = mc.get("/quay/?q=1.001193").get_data(as_text=True)
    assert "Đăng ký khai sinh" in page


def test_picker_treats_sql_metacharacters_as_text(mc: FlaskClient, engine: Engine) -> None:
    response = mc.get("/quay/?q=%27%3B DROP TABLE dossiers; --")
    assert response.status_code == 200
    assert "Không tìm thấy thủ tục phù hợp" in response.get_data(as_text=True)
    assert dossiers(engine) == 0


def test_only_receiving_officers_reach_the_counter(
    logged_in: Callable[[str], FlaskClient],
) -> None:
    assert logged_in("cv").get("/quay/").status_code == 403


def test_form_is_rendered_from_the_procedure_schema(mc: FlaskClient) -> None:
    page = mc.get(f"/quay/thu-tuc/{KHAI_SINH}").get_data(as_text=True)
    assert "Số định danh cá nhân (CCCD)" in page  # UI hint label
    assert 'type="file" name="documents.doc_04"' in page  # one upload per required document
    assert "Giấy chứng sinh" in page
    assert mc.get("/quay/thu-tuc/9.999999").status_code == 404


def test_invalid_form_gets_messages_per_field_and_creates_nothing(
    mc: FlaskClient, engine: Engine
) -> None:
    response = post(mc, TEST_PROC, {**APPLICANT, "applicant.full_name": "", "applicant.cccd": "12"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'data-field="applicant.full_name">Trường này là bắt buộc' in page
    assert 'data-field="applicant.cccd"' in page
    assert 'value="Số 5, phường Phú Lợi"' not in page  # address is a textarea: kept as typed
    assert "Số 5, phường Phú Lợi" in page
    assert dossiers(engine) == 0


def test_required_documents_must_be_attached(mc: FlaskClient, engine: Engine) -> None:
    response = post(mc, KHAI_SINH, APPLICANT)
    assert response.status_code == 400
    assert 'data-field="documents.doc_04"' in response.get_data(as_text=True)
    assert dossiers(engine) == 0


def test_receiving_creates_the_dossier_completes_receipt_and_prints_it(
    mc: FlaskClient, engine: Engine
) -> None:
    response = post(
        mc, TEST_PROC, APPLICANT, {"attachments": [(PDF, "../../to-khai.pdf", "application/pdf")]}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    code = response.headers["Location"].rsplit("/", 1)[1]
    d = engine.dossier(code)
    assert d.created_by == "mc" and d.channel == "counter" and d.applicant["cccd"] == "001190000001"
    assert [t.bpmn_id for t in engine.list_tasks(dossier_code=code)] == ["appraise"]
    docs = engine.dossier_documents(d.id)
    assert [(x.kind, x.filename) for x in docs] == [("attachments", "to-khai.pdf")]
    assert d.form_data["attachments"] == [f"sha256:{docs[0].sha256}"]

    pdf = mc.get(f"/quay/ho-so/{code}/giay-tiep-nhan.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert code in text and "Nguyễn Thị Lan" in text and "to-khai.pdf" in text
    assert "Thủ tục thử nghiệm" in text
    assert f"http://localhost/tra-cuu/?ma={code}" in text.replace("\n", "")  # the QR's target
    lookup = mc.get(f"/tra-cuu/?ma={code}").get_data(as_text=True)
    assert f'value="{code}"' in lookup  # the public page opens with the code filled in
    assert [a.what for a in engine.data_access_log(code)] == ["giấy tiếp nhận hồ sơ"]


@pytest.mark.parametrize(
    ("content", "filename", "ctype", "message"),
    [
        (b"<html><script>alert(1)</script>", "scan.pdf", "application/pdf", "không phải PDF"),
        (b"MZ\x90\x00\x03", "to-khai.pdf", "application/pdf", "không phải PDF"),
        (PDF + b" " * 5000, "big.pdf", "application/pdf", "vượt quá dung lượng"),
        (b"", "empty.pdf", "application/pdf", "rỗng"),
    ],
)
@pytest.mark.parametrize("engine_settings", [{"max_upload_bytes": 4000}])
def test_bad_uploads_are_refused_before_the_dossier_exists(
    mc: FlaskClient, engine: Engine, content: bytes, filename: str, ctype: str, message: str
) -> None:
    response = post(mc, TEST_PROC, APPLICANT, {"attachments": [(content, filename, ctype)]})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "<script>alert(1)" not in page
    assert dossiers(engine) == 0
    with engine.db.read() as s:
        assert s.execute(select(func.count()).select_from(Document)).scalar_one() == 0


def test_missing_csrf_token_is_refused(mc: FlaskClient, engine: Engine) -> None:
    response = mc.post(f"/quay/thu-tuc/{TEST_PROC}", data=APPLICANT)
    assert response.status_code == 400
    assert dossiers(engine) == 0


def test_xss_in_form_fields_is_shown_as_text(mc: FlaskClient, engine: Engine) -> None:
    name = '<script>alert("x")</script>'
    response = post(mc, TEST_PROC, {**APPLICANT, "applicant.full_name": name})
    code = response.headers["Location"].rsplit("/", 1)[1]
    for url in (f"/quay/ho-so/{code}", f"/ho-so/{code}"):
        page = mc.get(url).get_data(as_text=True)
        assert name not in page and "&lt;script&gt;alert(" in page

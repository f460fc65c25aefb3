"""Late dossiers: the leaders' list, and the apology letter written, kept and downloadable."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader

from engine.clock import ManualClock
from engine.models import Dossier
from engine.runtime import Engine
from tests.engine.conftest import KET_HON, TEST_PROC, Officers
from tests.webui.conftest import csrf_token


@pytest.fixture
def engine_db_url(db_url: str) -> str:
    return db_url


@pytest.fixture
def officers(engine: Engine) -> Officers:
    return Officers(engine, check_state=False)


@pytest.fixture
def late(officers: Officers, engine: Engine, clock: ManualClock) -> Dossier:
    """A marriage dossier (one working day) left at appraisal until it is late."""
    d = officers.submit(KET_HON, applicant={"full_name": "Phạm Thị Thu"})
    officers.do(d, "receive")
    clock.advance(days=3)
    engine.tick()
    engine.tick()
    return engine.dossier(d.code)


def test_leaders_see_late_and_near_due_dossiers_of_their_agency(
    late: Dossier, officers: Officers, logged_in: Callable[[str], FlaskClient]
) -> None:
    fresh = officers.submit(TEST_PROC, applicant={"full_name": "Không trễ"})
    page = logged_in("ld").get("/tre-han/").get_data(as_text=True)
    assert late.late and late.code in page and "Phạm Thị Thu" in page
    assert 'class="row-late"' in page and fresh.code not in page
    assert late.code not in logged_in("outsider").get("/tre-han/").get_data(as_text=True)
    assert logged_in("cv").get("/tre-han/").status_code == 403


def test_near_due_dossier_is_listed_apart(
    officers: Officers, clock: ManualClock, logged_in: Callable[[str], FlaskClient]
) -> None:
    d = officers.submit(KET_HON, applicant={"full_name": "Sắp hạn"})  # due in one working day
    page = logged_in("ld").get("/tre-han/").get_data(as_text=True)
    near = page.split('id="h-near"', 1)[1]
    assert d.code in near and 'class="row-near"' in near


def test_apology_task_writes_and_keeps_the_letter(
    late: Dossier, engine: Engine, logged_in: Callable[[str], FlaskClient]
) -> None:
    (row,) = [t for t in engine.list_tasks(dossier_code=late.code) if t.form == "apology"]
    engine.claim(row.id, user="mc")
    mc = logged_in("mc")
    url = f"/ho-so/{late.code}/viec/{row.id}"
    assert "được lập và lưu vào hồ sơ" in mc.get(url).get_data(as_text=True)
    bad = mc.post(url, data={"csrf_token": csrf_token(mc), "action": "complete"})
    assert bad.status_code == 400 and engine.dossier_documents(late.id) == []
    response = mc.post(
        url,
        data={"csrf_token": csrf_token(mc), "action": "complete",
              "delay_reason": "Chờ xác minh của cơ quan phối hợp",
              "new_due_date": "2026-12-04", "letter_number": "15/XL", "notify_by": ["sms"]},
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    (letter,) = engine.dossier_documents(late.id)
    assert letter.kind == "apology_letter" and letter.media_type == "application/pdf"
    assert letter.attached_by == "mc"
    download = mc.get(f"/ho-so/{late.code}/giay-to/{letter.id}")
    text = PdfReader(io.BytesIO(download.data)).pages[0].extract_text()
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "Phạm Thị Thu" in text and "04/12/2026" in text and "Chờ xác minh" in text
    history = mc.get(f"/ho-so/{late.code}").get_data(as_text=True)
    assert "Đính kèm giấy tờ" in history and "phieu-xin-loi-" in history

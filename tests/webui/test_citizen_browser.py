"""A citizen submits and pays online in a real chromium, on a phone-sized screen."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.registry import reset_registry
from adapters.settings import sim_people, sim_seed
from adapters.sim.world import world
from engine import payments
from engine.models import Procedure
from tests.engine.conftest import TEST_PROC
from tests.webui.api_helpers import PDF

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(
        base_url=live_server.url,
        locale="vi-VN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def registry_here(monkeypatch: Any, tmp_path: Any) -> Any:
    """Adapters on fresh simulators of this test (the process-wide registry is rebuilt)."""
    monkeypatch.setenv("LIENTHONG_SIM_DATA_DIR", str(tmp_path / "sims"))
    monkeypatch.setenv("LIENTHONG_ADAPTERS_MODE", "inprocess")
    monkeypatch.delenv("LIENTHONG_ADAPTERS_ALLOW", raising=False)
    reset_registry(None)
    yield
    reset_registry(None)


def test_a_citizen_submits_pays_and_follows_a_dossier(phone, engine, registry_here, tmp_path):
    from tests.webui.conftest import ARTIFACTS

    person = world(sim_seed(), sim_people()).people[0]
    with engine.db.write() as s:
        s.get(Procedure, TEST_PROC).meta = {"fee_vnd": 25_000}
    scan = tmp_path / "to-khai.pdf"
    scan.write_bytes(PDF)
    page = phone
    page.goto("/cong-dan/")
    page.get_by_role("link", name="Đăng nhập bằng VNeID").click()
    page.get_by_label("Số định danh cá nhân (12 chữ số)").fill(person.personal_id)
    page.get_by_role("button", name="Tiếp tục với VNeID").click()
    page.get_by_role("button", name="Đồng ý xác thực").click()
    assert page.locator(".flash-success").inner_text() == f"Xin chào {person.full_name}."
    page.get_by_label("Tên hoặc mã thủ tục").fill("thu nghiem")  # without diacritics
    page.get_by_role("button", name="Tìm").click()
    page.get_by_role("link", name="Thủ tục thử nghiệm").click()
    assert page.locator("[name='applicant.full_name']").input_value() == person.full_name
    page.locator("[name='applicant.phone']").fill("0912345678")
    page.locator("input[type=file]").first.set_input_files(str(scan))
    path = ARTIFACTS / "webui" / "citizen-submit-phone.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    page.get_by_role("button", name="Nộp hồ sơ").click()
    assert page.locator("#status").inner_text() == "Đã tiếp nhận"
    code = page.locator("h1").inner_text().removeprefix("Hồ sơ ").strip()
    page.get_by_role("button", name="Thanh toán trực tuyến").click()
    assert "25.000 đồng" in page.locator("main").inner_text()
    page.get_by_role("button", name="Xác nhận thanh toán").click()
    assert page.locator(".flash-success").inner_text() == "Thanh toán thành công."
    assert "đã thanh toán" in page.locator("#fee").inner_text()
    page.screenshot(path=str(ARTIFACTS / "webui" / "citizen-dossier-phone.png"), full_page=True)
    fee = payments.fee(engine, code)
    assert (fee.state, fee.channel, fee.amount) == ("paid", "online", 25_000)
    assert engine.dossier(code).applicant["id_number"] == person.personal_id
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"

"""A citizen looks up a dossier in a real chromium; an officer signs in and out."""

from __future__ import annotations

from typing import Any

import pytest

from engine.runtime import Engine
from tests.engine.conftest import AGENCY, KET_HON

pytestmark = pytest.mark.browser


def test_citizen_looks_up_a_dossier(page: Any, shot: Any, engine: Engine) -> None:
    applicant = {"full_name": "Nguyễn Văn Bình", "cccd": "079203004321", "phone": "0987654321"}
    dossier = engine.submit(KET_HON, applicant=applicant, agency_code=AGENCY, actor="mc")
    engine.record_data_access(dossier.code, "cv", "Xem tờ khai đăng ký kết hôn")
    page.goto("/tra-cuu/")
    page.get_by_label("Mã hồ sơ").fill(dossier.code)
    page.get_by_label("Số điện thoại hoặc 4 số cuối CCCD của người nộp").fill("4321")
    shot("lookup-form")
    page.get_by_role("button", name="Tra cứu").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=f"Hồ sơ {dossier.code}").is_visible()
    assert page.locator("dd.status").inner_text() == "Đã tiếp nhận"
    assert page.get_by_text("Xem tờ khai đăng ký kết hôn").is_visible()
    assert "Nguyễn Văn Bình" not in page.content()
    shot("lookup-result")
    page.set_viewport_size({"width": 375, "height": 800})  # a phone
    shot("lookup-result-mobile")
    page.goto("/tra-cuu/")
    page.get_by_label("Mã hồ sơ").fill(dossier.code)
    page.get_by_label("Số điện thoại hoặc 4 số cuối CCCD của người nộp").fill("0000")
    page.get_by_role("button", name="Tra cứu").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").inner_text().startswith("Không tìm thấy hồ sơ")
    shot("lookup-miss")


def test_the_language_switch_in_the_browser(page: Any, shot: Any) -> None:
    page.goto("/tra-cuu/")
    page.get_by_label("Ngôn ngữ").select_option("en")
    page.get_by_role("button", name="Đổi").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Look up a dossier").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    shot("lookup-english")

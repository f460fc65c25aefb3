"""A dossier from the counter to its result, in real headless chromium, across three officers.

The one-stop officer receives it (eForm, a scanned PDF, the receipt), the specialist appraises
it, the leader signs, and the one-stop officer returns the result; each works in a browser
context of their own. Screenshots of every stage are saved under ``test-artifacts/webui/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from engine.runtime import Engine
from tests.engine.conftest import TEST_PROC
from tests.webui.conftest import ARTIFACTS, PASSWORD, LiveServer

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Desk:
    """One officer's browser: own cookies, screenshots named after the test and the stage."""

    def __init__(self, browser: Any, server: LiveServer, username: str, test: str) -> None:
        self.context = browser.new_context(base_url=server.url, locale="vi-VN")
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.username, self.test = username, test
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.goto("/login")
        self.page.get_by_label("Tên đăng nhập").fill(username)
        self.page.get_by_label("Mật khẩu").fill(PASSWORD)
        self.page.get_by_role("button", name="Đăng nhập").last.click()
        self.page.wait_for_load_state()

    def shot(self, stage: str) -> None:
        path = ARTIFACTS / "webui" / f"{self.test}-{stage}-{self.username}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 1000

    def open_dossier(self, code: str) -> None:
        self.page.goto("/cong-viec/?scope=group")
        self.shot("board")
        self.page.get_by_role("link", name=code).click()
        self.page.wait_for_load_state()
        diagram = self.page.locator("#diagram")
        diagram.and_(self.page.locator('[data-state="ready"]')).wait_for()

    def work(self, step: str, fields: dict[str, str]) -> None:
        """Claim the open ``step`` on the dossier page, fill its form and complete it."""
        task = self.page.locator(f'.task[data-step="{step}"]')
        task.get_by_role("button", name="Nhận xử lý").click()
        self.page.wait_for_load_state()
        self.page.locator(f'.task[data-step="{step}"]').get_by_role("link", name="Xử lý").click()
        for label, value in fields.items():
            self.page.get_by_label(label).fill(value)
        self.shot(f"{step}-form")
        self.page.get_by_role("button", name="Hoàn thành", exact=True).click()
        self.page.wait_for_load_state()
        assert "Đã cập nhật hồ sơ" in self.page.content()

    def close(self) -> None:
        self.context.close()
        assert self.errors == [], self.errors


@pytest.fixture
def desks(browser: Any, live_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[Any]:
    opened: list[Desk] = []

    def open_desk(username: str) -> Desk:
        desk = Desk(browser, live_server, username, request.node.name)
        opened.append(desk)
        return desk

    yield open_desk
    for desk in opened:
        desk.close()


def test_dossier_from_counter_to_result(desks: Any, engine: Engine) -> None:
    # 1. The one-stop officer receives the dossier at the counter.
    mc = desks("mc")
    page = mc.page
    page.get_by_role("link", name="Tiếp nhận hồ sơ").first.click()
    page.get_by_label("Tìm thủ tục").fill("thu nghiem")
    page.get_by_role("button", name="Tìm").click()
    page.get_by_role("link", name=re.compile(re.escape(TEST_PROC))).click()
    page.get_by_label("Họ, chữ đệm và tên").fill("Nguyễn Thị Lan")
    page.get_by_label("Số định danh cá nhân (CCCD)").fill("001190000001")
    page.get_by_label("Nơi cư trú").fill("Số 5, phường Phú Lợi")
    page.get_by_label("Số điện thoại liên hệ").fill("0912345678")
    page.get_by_label("Giấy tờ kèm theo (bản quét)").set_input_files(
        [{"name": "to-khai.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    mc.shot("counter-form")
    page.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    code = page.get_by_test_id("dossier-code").inner_text().strip()
    assert re.fullmatch(r"000\.00\.00\.H56-\d{6}-\d{4}", code)
    mc.shot("received")
    receipt = page.request.get(
        page.get_by_role("link", name=re.compile("In giấy tiếp nhận")).get_attribute("href")
    )
    assert receipt.ok and receipt.body().startswith(b"%PDF-")

    # 2. The specialist finds it in the group's tasks, sees the diagram, appraises it.
    cv = desks("cv")
    cv.open_dossier(code)
    highlighted = cv.page.locator('#diagram [data-element-id="appraise"].active-step')
    assert highlighted.count() == 1
    cv.shot("dossier-appraise")
    cv.work("appraise", {"Ý kiến thẩm định": "Hồ sơ đầy đủ, hợp lệ; đề nghị phê duyệt."})

    # 3. The leader signs.
    ld = desks("ld")
    ld.open_dossier(code)
    assert ld.page.locator('#diagram [data-element-id="approve"].active-step').count() == 1
    ld.work("approve", {"Ý kiến lãnh đạo": "Đồng ý.", "Số, ký hiệu văn bản kết quả": "12/QĐ"})

    # 4. The one-stop officer returns the result.
    page.goto(f"/ho-so/{code}")
    mc.work("return_result", {})
    page.goto(f"/ho-so/{code}")
    assert page.get_by_test_id("dossier-status").inner_text() == "Đã trả kết quả"
    mc.shot("result-returned")

    d = engine.dossier(code)
    assert d.status == "result_returned"
    done = [e.actor for e in engine.history(d.id) if e.action == "complete"]
    assert done == ["mc", "cv", "ld", "mc"]
    assert {a.username for a in engine.data_access_log(code)} >= {"mc", "cv", "ld"}

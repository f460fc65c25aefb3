"""The admin's pages in a real chromium: every control labelled, a user created by form."""

from __future__ import annotations

from typing import Any

import pytest

from engine.runtime import Engine
from tests.webui.conftest import browser_login

pytestmark = pytest.mark.browser

UNLABELLED = """
() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label'))
  .map(el => el.outerHTML)
"""


def test_every_control_has_a_label(page: Any) -> None:
    for url in ("/login", "/tra-cuu/"):
        page.goto(url)
        assert page.evaluate(UNLABELLED) == [], url
    browser_login(page, "admin")
    for url in ("/admin/users", "/admin/users/new", "/admin/users/cv", "/admin/agencies",
                "/admin/agencies/new", "/account/password"):  # fmt: skip
        page.goto(url)
        assert page.evaluate(UNLABELLED) == [], url


def test_admin_creates_an_officer(page: Any, shot: Any, engine: Engine) -> None:
    browser_login(page, "admin")
    page.goto("/admin/users")
    page.get_by_role("link", name="Thêm tài khoản").click()
    page.get_by_label("Tên đăng nhập").fill("phuloi.motcua3")
    page.get_by_label("Họ và tên").fill("Trần Thị Thu")
    page.get_by_label("Cơ quan").select_option("000.00.00.H56")
    page.get_by_label("Cán bộ một cửa").check()
    page.get_by_label("Mật khẩu ban đầu").fill("mật khẩu ban đầu 1")
    shot("new-user-form")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_load_state()
    assert page.locator(".flash-success").inner_text() == "Đã tạo tài khoản phuloi.motcua3."
    row = page.get_by_role("row").filter(has_text="Trần Thị Thu")
    assert "Cán bộ một cửa" in row.inner_text() and "Hoạt động" in row.inner_text()
    shot("users-list")
    account = engine.account("phuloi.motcua3")
    assert account is not None and account.roles == ("one_stop_officer",)

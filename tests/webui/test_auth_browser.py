"""Signing in and out in a real chromium: labels, keyboard, the session across pages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.webui.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_sign_in_and_out_with_the_keyboard(page: Any, shot: Any) -> None:
    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.get_by_label("Tên đăng nhập").fill("cv")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    shot("login-form")
    page.get_by_label("Mật khẩu").press("Enter")
    page.wait_for_load_state()
    assert page.locator(".flash-success").inner_text() == "Xin chào, CV."
    shot("signed-in")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_load_state()
    assert page.get_by_text("Bạn đã đăng xuất.").is_visible()


def test_wrong_password_is_shown_in_vietnamese(page: Any, shot: Any) -> None:
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill("cv")
    page.get_by_label("Mật khẩu").fill("không-đúng-đâu")
    page.get_by_label("Mật khẩu").press("Enter")
    page.wait_for_load_state()
    assert page.get_by_text("Tên đăng nhập hoặc mật khẩu không đúng.").is_visible()
    shot("wrong-password")

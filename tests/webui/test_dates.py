"""Dates are typed and shown as dd/mm/yyyy whatever the browser's language (issue 5)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from flask.testing import FlaskClient

from engine.clock import ManualClock
from engine.runtime import Engine
from tests.engine.conftest import KET_HON, Officers
from tests.webui.conftest import PASSWORD
from tests.webui.test_tasks import board, received
from webui.counter_forms import Field, _value
from webui.dates import day_input, iso_or_raw, parse_day


@pytest.fixture
def officers(engine: Engine) -> Officers:
    return Officers(engine, check_state=False)


@pytest.mark.parametrize(
    ("typed", "day"),
    [("25/11/2026", date(2026, 11, 25)), ("5/1/2026", date(2026, 1, 5)),
     ("05.01.2026", date(2026, 1, 5)), ("2026-11-25", date(2026, 11, 25)),
     (" 01/12/2026 ", date(2026, 12, 1))],
)  # fmt: skip
def test_parse_day_reads_day_first(typed: str, day: date) -> None:
    assert parse_day(typed) == day


@pytest.mark.parametrize("typed", ["31/02/2026", "11/25/2026", "25/11/26", "hôm qua", "", "1'--"])
def test_parse_day_refuses_what_is_not_a_date(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_day(typed)
    assert iso_or_raw(typed) == typed  # left as typed: the validator names the field


def test_inputs_show_dd_mm_yyyy() -> None:
    assert day_input("2026-11-25") == "25/11/2026"
    assert day_input(date(2026, 1, 5)) == "05/01/2026"
    assert day_input("25/11/2026") == "25/11/2026" and day_input(None) == ""
    assert day_input("2026-13-45") == "2026-13-45"  # shown back as typed, never a crash


def test_an_eform_date_is_stored_iso() -> None:
    field = Field("born", {"type": "string", "format": "date"}, {"widget": "date"}, True)
    from werkzeug.datastructures import MultiDict

    assert _value(field, MultiDict({"born": "25/11/2026"})) == "2026-11-25"
    assert _value(field, MultiDict({"born": "31/02/2026"})) == "31/02/2026"


def test_task_list_filters_take_and_show_dd_mm_yyyy(
    officers: Officers, clock: ManualClock, logged_in: Callable[[str], FlaskClient]
) -> None:
    (d,) = received(officers, 1, KET_HON)
    cv = logged_in("cv")
    today = clock.now().date()
    typed = today.strftime("%d/%m/%Y")
    page = board(cv, received_from=typed, received_to=typed)
    assert d.code in page
    assert f'name="received_from" value="{typed}"' in page and 'type="date"' not in page
    assert 'placeholder="dd/mm/yyyy"' in page
    assert d.code not in board(cv, received_to="01/01/2026")
    page = board(cv, received_from=today.isoformat())  # old links and saved filters still work
    assert d.code in page and f'value="{typed}"' in page
    page = board(cv, due_from="31/02/2026")
    assert "không đúng định dạng ngày/tháng/năm" in page and d.code in page


def test_dashboard_range_takes_dd_mm_yyyy(logged_in: Callable[[str], FlaskClient]) -> None:
    ld = logged_in("ld")
    response = ld.get("/dashboard/", query_string={
        "period": "range", "from": "01/11/2026", "to": "30/11/2026"})  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:500]
    assert 'value="01/11/2026"' in page and 'value="30/11/2026"' in page


@pytest.mark.browser
def test_an_english_browser_still_types_and_sees_dd_mm_yyyy(
    browser: object, live_server: object, officers: Officers, clock: ManualClock
) -> None:
    (d,) = received(officers, 1, KET_HON)
    context = browser.new_context(base_url=live_server.url, locale="en-US")  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Tên đăng nhập").fill("cv")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").last.click()
        page.goto("/cong-viec/")
        typed = clock.now().date().strftime("%d/%m/%Y")
        page.locator("#f-rf").fill(typed)
        page.locator("#f-rt").fill(typed)
        page.locator("#f-rt").press("Enter")
        page.wait_for_load_state()
        assert page.locator("#f-rf").input_value() == typed
        assert page.get_by_role("link", name=d.code).count() >= 1
    finally:
        context.close()

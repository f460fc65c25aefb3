"""The leaders' dashboard page and its downloads show exactly the hand-known figures.

The history of tests/engine/metrics_history.py is walked through the real engine (SQLite
and PostgreSQL); the page's numbers, the CSV/JSON downloads and the report files are read
back and compared with the hand count and with the engine's own computation.
"""

from __future__ import annotations

import csv
import io
import json
import re
from io import BytesIO

import pytest
from openpyxl import load_workbook

from engine.metrics import RATIOS
from tests.engine.conftest import AGENCY, KET_HON
from tests.engine.metrics_history import COMMUNE_A, COMMUNE_B, EXPECTED, build_history

WEEK = "/dashboard/?period=week"
CARD = re.compile(r'data-figure="(\w+)" data-value="([^"]*)"')


@pytest.fixture
def engine_db_url(db_url: str) -> str:
    return db_url


@pytest.fixture
def engine_settings() -> dict:
    return {"executor": "deferred"}


@pytest.fixture
def history(engine):  # noqa: ANN001, ANN201
    return build_history(engine)


def cards(html: str) -> dict[str, str]:
    return dict(CARD.findall(html))


def test_page_shows_every_figure_as_counted(history, logged_in) -> None:  # noqa: ANN001
    client = logged_in("ld")
    html = client.get(WEEK).get_data(as_text=True)
    shown = cards(html)
    for name in set(shown) - set(RATIOS):
        assert int(shown[name]) == EXPECTED[name], name
    assert float(shown["on_time_rate"]) == pytest.approx(3 / 5)
    assert float(shown["online_share"]) == pytest.approx(3 / 11)
    assert float(shown["online_payment_share"]) == pytest.approx(1 / 2)
    assert float(shown["satisfaction_share"]) == pytest.approx(1 / 2)
    assert float(shown["reuse_share"]) == pytest.approx(2 / 11)
    assert "(1 trễ hạn, 1 sắp đến hạn)" in html
    assert "60,0%" in html  # the on-time rate as people read it
    assert re.search(rf'data-code="{COMMUNE_A}" data-rank="1" data-change="1"', html)
    assert re.search(rf'data-code="{COMMUNE_B}" data-rank="2" data-change="-1"', html)
    rows = re.findall(r'<tr data-code="([^"]+)" data-late="(true|false)"', html)
    assert rows == [(history.codes["A7"], "true"), (history.codes["A9"], "false")]
    assert "Tiếp nhận hồ sơ — mc (17,5 giờ)" in html
    assert html.count('<svg class="chart"') == 3


def test_downloads_say_what_the_page_says(history, logged_in) -> None:  # noqa: ANN001
    client = logged_in("ld")
    got = client.get("/dashboard/data/figures.json?period=week")
    assert got.headers["Content-Disposition"].startswith("attachment")
    body = got.get_json()
    values = {row[0]: row[1] for row in body["rows"]}
    assert {k: values[k] for k in EXPECTED} == EXPECTED
    text = client.get("/dashboard/data/figures.csv?period=week").get_data(as_text=True)
    rows = {r[0]: r[1] for r in csv.reader(io.StringIO(text.lstrip("\ufeff")))}
    assert {k: int(rows[k]) for k in EXPECTED} == EXPECTED
    channels = client.get("/dashboard/data/channels.json?period=week").get_json()
    assert channels["columns"] == ["period", "start", "counter", "online", "post"]
    this_week = channels["rows"][-1]
    assert this_week[2:] == [7, 3, 1]
    assert channels["rows"][-2][2:] == [1, 1, 0]  # the week before: PA at the desk, PB online
    trend = client.get("/dashboard/data/trend.json?period=week").get_json()["rows"]
    assert trend[-1][2:5] == [11, 5, 3] and trend[-2][2:5] == [2, 2, 1]
    ranking = client.get("/dashboard/data/communes.json?period=week").get_json()["rows"]
    assert [(r[0], r[1], r[5], r[6]) for r in ranking] == [
        (1, COMMUNE_A, 2, 1),
        (2, COMMUNE_B, 1, -1),
    ]
    backlog = client.get("/dashboard/data/backlog_by_agency.json?period=week").get_json()
    assert [r for r in backlog["rows"] if r[0] == AGENCY][0][2:] == [4, 1, 1]
    xlsx = client.get("/dashboard/report.xlsx?period=week")
    wb = load_workbook(BytesIO(xlsx.data))
    assert wb["Trễ hạn"]["A2"].value == history.codes["A7"]
    pdf = client.get("/dashboard/report.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert client.get("/dashboard/data/nothing.json").status_code == 404
    assert client.get("/dashboard/data/figures.xml").status_code == 404


def test_filters_narrow_the_figures(history, logged_in) -> None:  # noqa: ANN001
    client = logged_in("ld")
    shown = cards(client.get(f"{WEEK}&agency={COMMUNE_A}").get_data(as_text=True))
    assert (shown["received"], shown["settled_early"], shown["settled_late"]) == ("1", "1", "0")
    shown = cards(client.get(f"{WEEK}&procedure={KET_HON}").get_data(as_text=True))
    assert shown["received"] == "6"
    shown = cards(
        client.get("/dashboard/?period=range&from=2026-11-16&to=2026-11-29").get_data(as_text=True)
    )
    assert shown["received"] == "13" and shown["settled"] == "7"


def test_bad_filters_get_a_clear_answer(history, logged_in) -> None:  # noqa: ANN001
    client = logged_in("ld")
    for query, message in (
        ("period=fortnight", "Kỳ báo cáo không hợp lệ"),
        ("period=range&from=2026-11-30&to=2026-11-01", "Ngày kết thúc phải sau ngày bắt đầu"),
        ("period=range&from=hôm-qua", "YYYY-MM-DD"),
        ("agency=000.99.99.H56", "Không có cơ quan"),
        ("procedure=9.999999", "Không có thủ tục"),
    ):
        got = client.get(f"/dashboard/?{query}")
        assert got.status_code == 400, query
        assert message in got.get_data(as_text=True), query


def test_only_leaders_see_it_and_units_see_their_own(history, engine, client, logged_in) -> None:  # noqa: ANN001
    from sqlalchemy import select, update

    from engine.models import User

    assert client.get(WEEK).status_code == 302  # to the sign-in page
    logged_in("cv")
    assert client.get(WEEK).status_code == 403
    engine.ensure_user("tpxa", "Trưởng phòng xã", COMMUNE_A, ["head_of_unit"])
    with engine.db.write() as s:
        hashed = s.execute(select(User.password_hash).where(User.username == "tp")).scalar()
        s.execute(update(User).where(User.username == "tpxa").values(password_hash=hashed))
    other = client.application.test_client()
    from tests.webui.conftest import login

    assert login(other, "tpxa").status_code == 302
    shown = cards(other.get(WEEK).get_data(as_text=True))
    assert (shown["received"], shown["settled"]) == ("1", "1")
    assert other.get(f"{WEEK}&agency={AGENCY}").status_code == 403
    heat = other.get(f"/dashboard/procedure/{KET_HON}?period=week").get_data(as_text=True)
    done = re.search(
        r'data-step="receive"><td>[^<]*<small>\(receive\)</small></td><td class="num">(\d+)<', heat
    )
    assert done and done.group(1) == "1"  # commune A's own dossier only (3 province-wide)


def test_procedure_heatmap_page(history, logged_in) -> None:  # noqa: ANN001
    client = logged_in("ld")
    html = client.get(f"/dashboard/procedure/{KET_HON}?period=week").get_data(as_text=True)
    steps = json.loads(
        re.search(r'data-steps="([^"]*)"', html)
        .group(1)
        .replace("&#34;", '"')
        .replace("&quot;", '"')
    )
    by_step = {s["step"]: s for s in steps}
    assert (by_step["receive"]["done"], by_step["receive"]["open"]) == (3, 2)
    assert by_step["receive"]["heat"] == 4  # the longest wait of the procedure
    assert 'data-measure="human_steps"' in html
    xml = client.get(f"/dashboard/procedure/{KET_HON}/diagram.bpmn")
    assert xml.mimetype == "application/xml" and b"bpmn" in xml.data
    assert client.get("/dashboard/procedure/9.999999").status_code == 404


@pytest.mark.browser
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_dashboard_in_a_browser(history, page, shot) -> None:  # noqa: ANN001
    from tests.webui.conftest import browser_login

    browser_login(page, "ld")
    page.goto(WEEK)
    assert page.locator('[data-figure="received"] .value').inner_text() == "11"
    assert page.locator('[data-figure="on_time_rate"] .value').inner_text() == "60,0%"
    assert page.locator("#chart-trend svg circle").count() >= 2
    shot("dashboard")
    page.get_by_role("link", name="Bản đồ nhiệt").first.click()
    page.wait_for_selector('#heatmap[data-ready="true"]')
    assert page.locator(".heat-badge").count() >= 4
    assert page.locator('.heat-badge[data-step="receive"]').inner_text().startswith("3 / 2")
    shot("heatmap")

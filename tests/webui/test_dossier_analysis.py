"""The dossier page's intermediary-step panel shows `Engine.analyse_dossier`'s figures, and the
same measures as the dashboard (issue 7), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from adapters.sim.world import World
from engine.metrics_flows import MEASURES, dossier_measures
from engine.models import User
from engine.runtime import Engine
from tests.engine import flowkit
from tests.engine.flowkit import COMMUNE, POLICE, Desk, docs
from tests.engine.test_analysis import finished_birth_dossier
from tests.engine.test_flows_birth import CODE, submit
from tests.webui.conftest import csrf_token

flow_engine, people, registry = flowkit.flow_engine, flowkit.people, flowkit.registry


@pytest.fixture
def engine(flow_engine: Engine, password_hash: str) -> Iterator[Engine]:
    """The liên thông test province (commune, police, social insurance…), every password set."""
    with flow_engine.db.write() as s:
        s.execute(update(User).values(password_hash=password_hash))
    yield flow_engine


def _figures(html: str) -> dict[str, float]:
    return {
        key: float(value)
        for key, value in re.findall(
            r'<tr data-measure="(\w+)"><th scope="row">[^<]*</th><td class="num" '
            r'data-value="([^"]+)"',
            html,
        )
    }


def _panel(html: str) -> str:
    start = html.index('id="buoc-trung-gian"')
    return html[start : html.index("</section>", start)]


def test_finished_dossier_panel_equals_analyse_dossier(
    engine: Engine, people: World, client: FlaskClient, logged_in: Any
) -> None:
    d = finished_birth_dossier(engine, people)
    f = engine.analyse_dossier(d.code)
    logged_in("chutich.phucuong")
    page = client.get(f"/ho-so/{d.code}")
    assert page.status_code == 200
    html = _panel(page.get_data(as_text=True))
    shown = _figures(html)
    assert list(shown) == [key for key, _ in MEASURES]
    assert shown == pytest.approx(dossier_measures(f))
    assert shown["handoffs"] == 2 and shown["agencies"] == 2 and shown["human_steps"] == 5
    assert shown["elapsed_working_days"] == 1.0
    assert re.findall(r'<li data-from="([^"]+)" data-to="([^"]+)"', html) == [
        (COMMUNE, POLICE),
        (POLICE, COMMUNE),
    ]
    assert "UBND phường Phú Cường (000.25.41.H56) (sign_birth) → Công an" in html
    waited = dict(re.findall(r'<tr data-party="([^"]+)">.*?data-value="([^"]+)"', html))
    assert {k: float(v) for k, v in waited.items()} == f.waited_on
    assert f'data-touchpoint="visits">{f.visits}<' in html and f.visits == 2
    assert 'data-deadline="20 working_days"' in html and "20 ngày làm việc" in html
    assert 'data-on-time="True"' in html and "đúng hạn" in html


def test_the_dashboard_shows_the_same_figures_for_its_only_dossier(
    engine: Engine, people: World, client: FlaskClient, logged_in: Any
) -> None:
    d = finished_birth_dossier(engine, people)
    logged_in("chutich.phucuong")
    on_dossier = _figures(_panel(client.get(f"/ho-so/{d.code}").get_data(as_text=True)))
    dashboard = client.get(f"/dashboard/procedure/{CODE}?period=month").get_data(as_text=True)
    on_dashboard = {
        key: float(value)
        for key, value in re.findall(
            r'<tr data-measure="(\w+)"><th>[^<]*</th><td class="num">([^<]+)</td>', dashboard
        )
    }
    assert list(on_dashboard) == list(on_dossier)
    assert on_dashboard == pytest.approx(on_dossier, abs=0.005)  # the dashboard rounds to 0.01


def test_open_dossier_is_measured_up_to_now_and_the_police_see_it_too(
    engine: Engine, people: World, client: FlaskClient, logged_in: Any
) -> None:
    desk = Desk(engine)
    d = submit(engine, people)
    desk.do(d, "receive", {"documents": docs("to_khai_lien_thong", "giay_chung_sinh")}, hours=1)
    desk.do(d, "appraise_birth", {"opinion": "Đủ"}, hours=1)
    desk.do(d, "sign_birth", {"opinion": "Đồng ý", "result_number": "KS-1"}, hours=1)
    engine.clock.advance(hours=2)  # type: ignore[attr-defined]
    logged_in("congan.cutru")
    html = _panel(client.get(f"/ho-so/{d.code}").get_data(as_text=True))
    f = engine.analyse_dossier(d.code)
    assert f.ready_at is None and "tính đến hiện tại" in html
    assert _figures(html) == pytest.approx(dossier_measures(f))
    assert _figures(html)["handoffs"] == 1
    assert re.search(rf'<tr data-party="{re.escape(POLICE)}">', html)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    logged_in("bhxh.chuyenvien")  # social insurance has no task of it yet: not theirs to see
    assert client.get(f"/ho-so/{d.code}").status_code == 404

"""Flow 1 through the officers' pages in real chromium: four officers of two agencies.

The family submits online (birth + residence + health card); the commune's one-stop officer
ticks the documents received, the civil-status officer checks the declaration, the chairman
signs; the electronic civil-status system registers the birth and social insurance issues the
card (simulators); the police officer finds the dossier in the police's own task list and
registers the residence; the one-stop officer returns the three results. Screenshots of each
stage go to ``test-artifacts/webui/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update

from adapters.registry import Registry
from adapters.sim.world import World
from engine.clock import ManualClock
from engine.models import User
from engine.runtime import Engine
from engine.settings import load
from tests.engine import flowkit
from tests.engine.flowkit import COMMUNE, POLICE, setup_flows
from tests.engine.test_flows_birth import declaration
from tests.webui.conftest import LiveServer
from tests.webui.test_e2e_browser import Desk

pytestmark = pytest.mark.browser
people, registry = flowkit.people, flowkit.registry


@pytest.fixture
def engine(engine_db_url: str, clock: ManualClock, password_hash: str,
           registry: Registry) -> Iterator[Engine]:  # fmt: skip
    """The flows' engine (every agency, the simulators) instead of the web tests' default."""

    def call(operation: str, params: dict, *, idempotency_key: str) -> Any:
        return registry.call(operation, params, idempotency_key=idempotency_key)

    e = Engine(load({"database_url": engine_db_url}), clock=clock, service_caller=call)
    setup_flows(e)
    with e.db.write() as s:
        s.execute(update(User).values(password_hash=password_hash))
    yield e
    e.db.dispose()


class Officer(Desk):
    """One officer's own browser context (signed in), working the flow's steps."""

    def work(self, code: str, step: str, fill: dict[str, str] | None = None,
             tick: tuple[str, ...] = ()) -> None:  # fmt: skip
        """Open the dossier, claim ``step``, fill and tick its form, complete it."""
        page = self.page
        page.goto(f"/ho-so/{code}")
        page.locator(f'.task[data-step="{step}"]').get_by_role("button", name="Nhận xử lý").click()
        page.wait_for_load_state()
        page.locator(f'.task[data-step="{step}"]').get_by_role("link", name="Xử lý").click()
        for label, value in (fill or {}).items():
            page.get_by_label(label).fill(value)
        for label in tick:
            page.get_by_label(label).check()
        self.shot(f"{step}-form")
        page.get_by_role("button", name="Hoàn thành", exact=True).click()
        page.wait_for_load_state()
        assert "Đã cập nhật hồ sơ" in page.content(), page.content()[:2000]

    def close(self) -> None:
        self.context.close()
        assert self.errors == [], self.errors


@pytest.fixture
def officers(browser: Any, live_server: LiveServer,
             request: pytest.FixtureRequest) -> Iterator[Any]:  # fmt: skip
    opened: list[Officer] = []

    def open_desk(username: str) -> Officer:
        officer = Officer(browser, live_server, username, request.node.name)
        opened.append(officer)
        return officer

    yield open_desk
    for officer in opened:
        officer.close()


def test_birth_residence_card_through_the_officers_pages(
    officers: Any, engine: Engine, people: World, clock: ManualClock
) -> None:
    d = engine.submit("2.000986", applicant={"full_name": "Nguyễn Văn An"},
                      data=declaration(people, nth=7), channel="online",
                      agency_code=COMMUNE)  # fmt: skip

    counter = officers("motcua.phucuong")
    counter.work(d.code, "receive", tick=(
        "Tờ khai đăng ký khai sinh, đăng ký thường trú, cấp thẻ BHYT cho trẻ em dưới 6 tuổi",
        "Giấy chứng sinh (bản chính)"))  # fmt: skip
    officers("hotich.phucuong").work(
        d.code, "appraise_birth", {"Ý kiến thẩm định": "Tờ khai đầy đủ, đúng quy định."})
    officers("chutich.phucuong").work(
        d.code, "sign_birth",
        {"Ý kiến lãnh đạo": "Đồng ý.", "Số, ký hiệu văn bản kết quả": "KS-125/2026"})  # fmt: skip

    # Officers take time: without it every step shares one timestamp and the hand-offs
    # (ordered by time) could not be told apart.
    clock.advance(minutes=20)
    # The police officer sees the dossier in the police's own task list, nothing else.
    police = officers("congan.cutru")
    police.page.goto("/cong-viec/?scope=group")
    assert police.page.get_by_role("link", name=d.code).count() >= 1
    police.shot("police-task-list")
    [row] = engine.list_tasks(dossier_code=d.code)
    assert (row.bpmn_id, row.agency_code) == ("police_residence", POLICE)
    police.page.goto(f"/ho-so/{d.code}")
    police.page.locator('.task[data-step="police_residence"]').get_by_role(
        "button", name="Nhận xử lý").click()  # fmt: skip
    police.page.locator('.task[data-step="police_residence"]').get_by_role(
        "link", name="Xử lý").click()  # fmt: skip
    police.page.get_by_label("Đăng ký thường trú", exact=True).check()
    police.shot("police_residence-form")
    police.page.get_by_role("button", name="Hoàn thành", exact=True).click()
    police.page.wait_for_load_state()
    assert "Đã cập nhật hồ sơ" in police.page.content()

    clock.advance(minutes=20)
    counter.work(d.code, "return_result")
    counter.page.goto(f"/ho-so/{d.code}")
    assert counter.page.get_by_test_id("dossier-status").inner_text() == "Đã trả kết quả"
    counter.shot("result-returned")

    done = engine.dossier(d.code)
    assert done.status == "result_returned"
    actors = [ev.actor for ev in engine.history(d.id) if ev.action == "complete"]
    assert actors == ["motcua.phucuong", "hotich.phucuong", "chutich.phucuong",
                      "congan.cutru", "motcua.phucuong"]  # fmt: skip
    figures = engine.analyse_dossier(d.code)
    assert figures.human_steps_by_agency == {COMMUNE: 4, POLICE: 1}
    assert len(figures.handoffs) == 2 and figures.system_steps == 3

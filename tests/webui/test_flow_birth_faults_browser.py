"""Flow 1 when a partner fails, through the officers' pages in real chromium.

Two faults the happy path never meets: social insurance's system is down in the middle of the
flow (the call is retried, then becomes an incident a head of unit retries from the incidents
page once the system answers again — the dossier is not lost and finishes), and social
insurance refuses the card (the child is over 6): the birth and residence results stand and
the dossier page shows the citizen what happened, what stands and what to do. Screenshots go
to ``test-artifacts/webui/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
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
from tests.engine.flowkit import COMMUNE, START, Desk, setup_flows
from tests.engine.test_flows_birth import declaration
from tests.webui import test_flow_birth_browser as happy_path
from tests.webui.test_flow_birth_browser import Officer

pytestmark = pytest.mark.browser
people, registry, officers = flowkit.people, flowkit.registry, happy_path.officers

HEAD = "truongphong.phucuong"  # the commune's head of unit: decides about incidents
DOCUMENTS = ("Tờ khai đăng ký khai sinh, đăng ký thường trú, cấp thẻ BHYT cho trẻ em dưới 6 tuổi",
             "Giấy chứng sinh (bản chính)")  # fmt: skip


@pytest.fixture
def engine(engine_db_url: str, clock: ManualClock, password_hash: str,
           registry: Registry) -> Iterator[Engine]:  # fmt: skip
    """The flows' engine with the engine tests' retry pace and a head of unit at the commune."""

    def call(operation: str, params: dict, *, idempotency_key: str) -> Any:
        return registry.call(operation, params, idempotency_key=idempotency_key)

    e = Engine(load({"database_url": engine_db_url, "service_retry_base_s": 60}), clock=clock,
               service_caller=call)  # fmt: skip
    setup_flows(e)
    e.ensure_user(HEAD, "Trưởng phòng Phú Cường", COMMUNE, [e.settings.escalation_role])
    with e.db.write() as s:
        s.execute(update(User).values(password_hash=password_hash))
    yield e
    e.db.dispose()


def commune_part(officers: Any, code: str) -> Officer:
    """Receive, appraise, sign: the civil-status system then registers the birth and the
    police and social insurance work at once. Returns the counter's desk."""
    counter = officers("motcua.phucuong")
    counter.work(code, "receive", tick=DOCUMENTS)
    officers("hotich.phucuong").work(
        code, "appraise_birth", {"Ý kiến thẩm định": "Tờ khai đầy đủ, đúng quy định."})
    officers("chutich.phucuong").work(
        code, "sign_birth",
        {"Ý kiến lãnh đạo": "Đồng ý.", "Số, ký hiệu văn bản kết quả": "KS-125/2026"})  # fmt: skip
    return counter


def police_register(officers: Any, code: str) -> None:
    police = officers("congan.cutru")
    task = police.page.locator('.task[data-step="police_residence"]')
    police.page.goto(f"/ho-so/{code}")
    task.get_by_role("button", name="Nhận xử lý").click()
    task.get_by_role("link", name="Xử lý").click()
    police.page.get_by_label("Đăng ký thường trú", exact=True).check()
    police.page.get_by_role("button", name="Hoàn thành", exact=True).click()
    police.page.wait_for_load_state()
    assert "Đã cập nhật hồ sơ" in police.page.content()


def card_job(engine: Engine, d: Any) -> Any:
    [job] = [j for j in Desk(engine).jobs(d) if j.operation.startswith("social_insurance")]
    return job


def test_social_insurance_outage_is_retried_from_the_incidents_page(
    officers: Any, engine: Engine, people: World, registry: Registry
) -> None:
    sim = registry.adapter("social_insurance").simulator()
    sim.faults.set(error_rate=1.0)  # social insurance's system is down
    d = engine.submit("2.000986", applicant={"full_name": "Nguyễn Văn An"},
                      data=declaration(people, nth=5), channel="online",
                      agency_code=COMMUNE)  # fmt: skip
    counter = commune_part(officers, d.code)
    assert (card_job(engine, d).state, card_job(engine, d).attempts) == ("pending", 1)
    police_register(officers, d.code)
    for _ in range(engine.settings.service_max_attempts):
        engine.clock.advance(hours=4)
        engine.tick()
    assert card_job(engine, d).state == "failed"  # retries spent: an incident

    head = officers(HEAD)
    head.page.get_by_role("link", name="Sự cố").first.click()
    row = head.page.locator(f'tr[data-job="{card_job(engine, d).id}"][data-state="failed"]')
    assert d.code in row.inner_text() and "social_insurance" in row.inner_text()
    head.shot("incident-listed")
    [waiting] = Desk(engine).open(d)  # the dossier waits at the failed call, not lost
    assert (waiting.bpmn_id, waiting.state) == ("svc_health_card", "open")
    assert engine.dossier(d.code).status == "in_process"

    sim.faults.reset()  # the system answers again
    row.get_by_role("button", name="Gọi lại ngay").click()
    head.page.wait_for_load_state()
    assert "thành công" in head.page.locator(".flashes").inner_text()
    assert head.page.get_by_test_id("no-incidents").is_visible()
    head.shot("incident-retried")
    card = card_job(engine, d)
    assert card.state == "done" and card.result["refused"] is False

    counter.work(d.code, "return_result")
    counter.page.goto(f"/ho-so/{d.code}")
    assert counter.page.get_by_test_id("dossier-status").inner_text() == "Đã trả kết quả"
    assert counter.page.locator("[data-notice]").count() == 0
    counter.shot("result-returned")
    actions = [ev.action for ev in engine.history(d.id)]
    assert "incident" in actions and "service_retry_requested" in actions
    assert engine.notices(d.code) == []


def test_social_insurance_refuses_the_card_and_the_dossier_page_tells_the_citizen(
    officers: Any, engine: Engine, people: World
) -> None:
    born = (START - timedelta(days=7 * 366)).date()  # a late registration: the child is 7
    d = engine.submit("2.000986", applicant={"full_name": "Nguyễn Văn An"},
                      data=declaration(people, nth=6, born=born), channel="online",
                      agency_code=COMMUNE)  # fmt: skip
    counter = commune_part(officers, d.code)
    card = card_job(engine, d)
    assert card.state == "done" and card.result["refused"] is True
    police_register(officers, d.code)
    counter.work(d.code, "return_result")

    counter.page.goto(f"/ho-so/{d.code}")
    page = counter.page
    assert page.get_by_test_id("dossier-status").inner_text() == "Đã trả kết quả"
    notice = page.locator('[data-notice="health_card_refused"]')
    assert "Chưa cấp được thẻ bảo hiểm y tế cho trẻ" in notice.inner_text()
    happened = notice.locator('[data-notice-part="what_happened"]').inner_text()
    assert happened.startswith("Cơ quan Bảo hiểm xã hội không cấp thẻ BHYT")
    assert card.result["reason"] in happened
    kept = notice.locator('[data-notice-part="results_kept"]').inner_text()
    assert "Giấy khai sinh" in kept and "Số định danh cá nhân của trẻ" in kept
    to_do = notice.locator('[data-notice-part="what_to_do"]').inner_text()
    assert "Bảo hiểm xã hội" in to_do and "không phải nộp lại hồ sơ khai sinh" in to_do
    notice.scroll_into_view_if_needed()
    counter.shot("card-refused-notice")

    jobs = {j.operation: j.state for j in Desk(engine).jobs(d)}
    assert jobs["civil_status.register_birth"] == "done"  # the other results stand
    assert jobs["population.register_residence"] == "done"
    assert [n["id"] for n in engine.notices(d.code)] == ["health_card_refused"]

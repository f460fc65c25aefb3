"""Flow 1 end to end: birth + permanent residence + health card, one submission, three agencies."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from adapters.registry import Registry
from adapters.sim.world import World
from bpmn.flows import cases
from engine.runtime import Engine
from tests.engine import flowkit
from tests.engine.flowkit import COMMUNE, POLICE, START, Desk

flow_engine, people, registry = flowkit.flow_engine, flowkit.people, flowkit.registry

CODE = "2.000986"


def declaration(people: World, *, nth: int = 0, born: date | None = None) -> dict:
    born = born or (START.date() - timedelta(days=10))
    return cases.birth_declaration(cases.fathers(people)[nth], born=born)


def submit(e: Engine, people: World, **kw) -> object:  # noqa: ANN003
    return e.submit(CODE, applicant={"full_name": "Nguyễn Văn An"}, data=declaration(people, **kw),
                    agency_code=COMMUNE, actor="motcua.phucuong")  # fmt: skip


def commune_part(desk: Desk, d) -> None:  # noqa: ANN001
    for step in ("receive", "appraise_birth", "sign_birth"):
        desk.do(d, step, cases.STEPS[CODE][step])


def test_one_submission_three_results(flow_engine: Engine, people: World) -> None:
    e, desk = flow_engine, Desk(flow_engine)
    d = submit(e, people)
    assert d.due_at is not None  # 20 working days
    commune_part(desk, d)
    # the civil-status system registered the birth; police and social insurance work at once
    [police] = desk.open(d)
    assert (police.bpmn_id, police.agency_code, police.role) == (
        "police_residence", POLICE, "specialist")  # fmt: skip
    assert e.list_tasks(agency_code=COMMUNE, dossier_code=d.code) == []
    jobs = {j.operation: j.state for j in desk.jobs(d)}
    assert jobs == {"civil_status.register_birth": "done",
                    "social_insurance.issue_child_health_card": "done"}  # fmt: skip
    desk.do(d, "police_residence", {"residence_result": "registered"}, hours=20)
    assert desk.steps(d) == ["return_result"]
    assert e.dossier(d.code).status == "settled"
    desk.do(d, "return_result")
    done = e.dossier(d.code)
    assert done.status == "result_returned"
    card = [j for j in desk.jobs(d) if j.operation.startswith("social")][0]
    assert card.result["card_number"].startswith("TE174") and card.result["refused"] is False
    assert e.notices(d.code) == []


def test_social_insurance_refuses_the_card_birth_and_residence_stand(
    flow_engine: Engine, people: World
) -> None:
    e, desk = flow_engine, Desk(flow_engine)
    late = START.date().replace(year=START.year - 7)  # a late registration: the child is 7
    d = submit(e, people, nth=1, born=late)
    commune_part(desk, d)
    card = [j for j in desk.jobs(d) if j.operation.startswith("social")][0]
    assert card.state == "done" and card.result["refused"] is True
    assert "chỉ cấp cho trẻ dưới 6 tuổi" in card.result["reason"]
    desk.do(d, "police_residence", {"residence_result": "registered"})
    desk.do(d, "return_result")
    assert e.dossier(d.code).status == "result_returned"
    ops = {j.operation: j.state for j in desk.jobs(d)}
    assert ops["population.register_residence"] == "done"  # the other results stand
    [notice] = e.notices(d.code)
    assert notice["id"] == "health_card_refused"
    assert notice["what_happened"] == (
        "Cơ quan Bảo hiểm xã hội không cấp thẻ BHYT: " + card.result["reason"]
    )
    assert "Bảo hiểm xã hội" in notice["what_to_do"]


def test_police_refuse_residence_card_still_issued(flow_engine: Engine, people: World) -> None:
    e, desk = flow_engine, Desk(flow_engine)
    d = submit(e, people, nth=2)
    commune_part(desk, d)
    desk.do(d, "police_residence", {"residence_result": "refused",
                                    "residence_refusal_reason": "Chỗ ở chưa hợp pháp"})  # fmt: skip
    desk.do(d, "return_result")
    ops = {j.operation: j.state for j in desk.jobs(d)}
    assert "population.register_residence" not in ops
    assert ops["social_insurance.issue_child_health_card"] == "done"
    [notice] = e.notices(d.code)
    assert notice["id"] == "residence_refused"
    assert "Chỗ ở chưa hợp pháp" in notice["what_happened"]


def test_outage_of_social_insurance_is_an_incident_then_recovered(
    flow_engine: Engine, people: World, registry: Registry
) -> None:
    e, desk = flow_engine, Desk(flow_engine)
    sim = registry.adapter("social_insurance").simulator()
    sim.faults.set(error_rate=1.0)  # the social insurance system is down
    d = submit(e, people, nth=3)
    commune_part(desk, d)
    card = [j for j in desk.jobs(d) if j.operation.startswith("social")][0]
    assert (card.state, card.attempts) == ("pending", 1)  # retried later, nothing lost
    desk.do(d, "police_residence", {"residence_result": "registered"})
    for _ in range(e.settings.service_max_attempts):
        e.clock.advance(hours=4)
        e.tick()
    card = [j for j in desk.jobs(d) if j.operation.startswith("social")][0]
    assert card.state == "failed"  # an incident a person must look at
    actions = [ev.action for ev in e.history(d.id)]
    assert "incident" in actions
    [waiting] = desk.open(d)  # the dossier waits at the failed service task, not lost
    assert (waiting.bpmn_id, waiting.kind, waiting.state) == ("svc_health_card", "service", "open")
    assert e.dossier(d.code).status == "in_process"
    sim.faults.reset()
    assert e.retry_job(card.id, user="motcua.phucuong") == "pending"
    card = [j for j in desk.jobs(d) if j.operation.startswith("social")][0]
    assert card.state == "done" and card.result["refused"] is False
    assert desk.steps(d) == ["return_result"]
    desk.do(d, "return_result")
    assert e.dossier(d.code).status == "result_returned"


def test_receive_without_every_document_is_refused_and_nothing_lost(
    flow_engine: Engine, people: World
) -> None:
    e, desk = flow_engine, Desk(flow_engine)
    d = submit(e, people, nth=4)
    from engine.errors import InvalidInput

    with pytest.raises(InvalidInput) as err:
        desk.do(d, "receive", {"documents": {"to_khai_lien_thong": True}})  # no birth notice
    assert err.value.errors == {"documents.giay_chung_sinh": ["Trường này là bắt buộc"]}
    assert desk.steps(d) == ["receive"]
    assert e.dossier(d.code).status == "received"

"""Flow 2 end to end: death + deregistration of residence + funeral allowance."""

from __future__ import annotations

from datetime import timedelta

from adapters.sim.world import World
from bpmn.flows import cases
from engine.runtime import Engine
from tests.engine import flowkit
from tests.engine.flowkit import COMMUNE, POLICE, START, Desk

flow_engine, people, registry = flowkit.flow_engine, flowkit.people, flowkit.registry

CODE = "L.000201"


def insured(people: World, nth: int = 0):  # noqa: ANN201
    return cases.insured_elders(people)[nth]


uninsured = cases.uninsured


def run_commune(e: Engine, desk: Desk, deceased, claimant):  # noqa: ANN001, ANN201
    died = START.date() - timedelta(days=2)
    d = e.submit(CODE, applicant={"full_name": claimant.full_name},
                 data=cases.death_declaration(deceased, claimant, died=died), agency_code=COMMUNE,
                 actor="motcua.phucuong")  # fmt: skip
    for step in ("receive", "appraise_death", "sign_death"):
        desk.do(d, step, cases.STEPS[CODE][step])
    return d


def test_death_deregistration_and_allowance_in_one_go(flow_engine: Engine, people: World) -> None:
    e, desk = flow_engine, Desk(flow_engine)
    deceased, claimant = insured(people), people.people[0]
    d = run_commune(e, desk, deceased, claimant)
    assert d.due_at is None  # the joint deadline is unknown: no legal clock is invented
    [police] = desk.open(d)
    assert (police.bpmn_id, police.agency_code) == ("police_deregister", POLICE)
    desk.do(d, "police_deregister", {"deregister_result": "deregistered"})
    desk.do(d, "return_result")
    assert e.dossier(d.code).status == "result_returned"
    jobs = {j.operation: j for j in desk.jobs(d)}
    assert jobs["social_insurance.funeral_allowance"].result["amount"] == 23_400_000
    assert jobs["population.deregister_residence"].state == "done"
    assert e.notices(d.code) == []


def test_allowance_refused_death_and_deregistration_stand(
    flow_engine: Engine, people: World
) -> None:
    e, desk = flow_engine, Desk(flow_engine)
    deceased, claimant = uninsured(people), people.people[1]
    d = run_commune(e, desk, deceased, claimant)
    funeral = [j for j in desk.jobs(d) if j.operation.startswith("social")][0]
    assert funeral.state == "done" and funeral.result["refused"] is True
    desk.do(d, "police_deregister", {"deregister_result": "deregistered"})
    desk.do(d, "return_result")
    assert e.dossier(d.code).status == "result_returned"
    assert {j.operation: j.state for j in desk.jobs(d)}["population.deregister_residence"] == "done"
    [notice] = e.notices(d.code)
    assert notice["id"] == "funeral_allowance_refused"
    assert notice["what_happened"] == (
        "Cơ quan Bảo hiểm xã hội không giải quyết trợ cấp mai táng: người mất chưa có quá trình "
        "tham gia bảo hiểm xã hội"
    )
    assert notice["results_kept"] == ["Trích lục khai tử", "Xóa đăng ký thường trú"]
    actions = [ev.action for ev in e.history(d.id)]
    assert "partner_refused" in actions and "incident" not in actions


def test_police_cannot_deregister_both_notices_are_kept(flow_engine: Engine, people: World) -> None:
    e, desk = flow_engine, Desk(flow_engine)
    deceased, claimant = uninsured(people), people.people[2]
    d = run_commune(e, desk, deceased, claimant)
    desk.do(d, "police_deregister", {"deregister_result": "refused",
                                     "deregister_refusal_reason": "Người mất đăng ký thường trú "
                                     "ở tỉnh khác"})  # fmt: skip
    desk.do(d, "return_result")
    assert sorted(n["id"] for n in e.notices(d.code)) == [
        "deregistration_refused", "funeral_allowance_refused"]  # fmt: skip

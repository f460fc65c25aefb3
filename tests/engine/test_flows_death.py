"""Flow 2 end to end: death + deregistration of residence + funeral allowance."""

from __future__ import annotations

from datetime import timedelta

from adapters.sim.world import WORLD_DATE, World
from engine.runtime import Engine
from tests.engine import flowkit
from tests.engine.flowkit import COMMUNE, POLICE, START, Desk, docs

flow_engine, people, registry = flowkit.flow_engine, flowkit.people, flowkit.registry

CODE = "L.000201"


def declaration(deceased, claimant) -> dict:  # noqa: ANN001
    return {
        "deceased_id": deceased.personal_id,
        "date_of_death": (START.date() - timedelta(days=2)).isoformat(),
        "place_of_death": "Tại nhà",
        "commune_code": deceased.commune_code,
        "claimant_id": claimant.personal_id,
    }


def insured(people: World, nth: int = 0):  # noqa: ANN201
    found = [
        p for p in people.people
        if p.social_insurance_code and WORLD_DATE.year - p.date_of_birth.year > 45
    ]  # fmt: skip
    return found[nth]


def uninsured(people: World):  # noqa: ANN201
    return next(
        p for p in people.people
        if not p.social_insurance_code and WORLD_DATE.year - p.date_of_birth.year > 30
    )  # fmt: skip


def run_commune(e: Engine, desk: Desk, deceased, claimant):  # noqa: ANN001, ANN201
    d = e.submit(CODE, applicant={"full_name": claimant.full_name},
                 data=declaration(deceased, claimant), agency_code=COMMUNE,
                 actor="motcua.phucuong")  # fmt: skip
    desk.do(d, "receive", {"documents": docs("to_khai_lien_thong", "giay_bao_tu")})
    desk.do(d, "appraise_death", {"opinion": "Đủ điều kiện đăng ký khai tử"})
    desk.do(d, "sign_death", {"opinion": "Đồng ý", "result_number": "KT-07/2026"})
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
    assert "no social insurance record" in notice["what_happened"]
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

"""Flow 3 end to end: enterprise registration shared with tax and social insurance."""

from __future__ import annotations

from adapters.identifiers import check_enterprise_code
from adapters.sim.world import World
from bpmn.flows import cases
from engine.runtime import Engine
from tests.engine import flowkit
from tests.engine.flowkit import BUSINESS, SOCIAL, Desk

flow_engine, people, registry = flowkit.flow_engine, flowkit.people, flowkit.registry

CODE = "2.001583"


def run_office(e: Engine, desk: Desk, people: World, name: str):  # noqa: ANN201
    owner = people.people[3]
    d = e.submit(CODE, applicant={"full_name": owner.full_name}, channel="online",
                 data=cases.enterprise_registration(owner, name), agency_code=BUSINESS,
                 actor="dkkd.motcua")  # fmt: skip
    for step in ("receive", "appraise", "approve"):
        desk.do(d, step, cases.STEPS[CODE][step])
    return d


def test_registration_shares_tax_and_insurance(flow_engine: Engine, people: World) -> None:
    e, desk = flow_engine, Desk(flow_engine)
    d = run_office(e, desk, people, "Cơ khí Tân Uyên")
    jobs = {j.operation: j for j in desk.jobs(d)}
    code = jobs["business.register_enterprise"].result["enterprise_code"]
    assert check_enterprise_code(code) == code  # the enterprise code is the tax code
    assert jobs["tax.business_obligations"].result["refused"] is False
    assert jobs["population.lookup_citizen"].state == "done"
    [si] = desk.open(d)
    assert (si.bpmn_id, si.agency_code) == ("si_register", SOCIAL)
    assert e.list_tasks(agency_code=SOCIAL)[0].dossier_id == d.id  # in BHXH's own list
    desk.do(d, "si_register", cases.STEPS[CODE]["si_register"])
    desk.do(d, "return_result")
    assert e.dossier(d.code).status == "result_returned"


def test_insurance_unit_refused_enterprise_stands(flow_engine: Engine, people: World) -> None:
    e, desk = flow_engine, Desk(flow_engine)
    d = run_office(e, desk, people, "Gỗ Mỹ Phước")
    reason = "Địa chỉ trụ sở chưa xác minh được"
    desk.do(d, "si_register", {"si_result": "refused", "si_refusal_reason": reason})
    desk.do(d, "return_result")
    assert e.dossier(d.code).status == "result_returned"
    [notice] = e.notices(d.code)
    assert notice["id"] == "social_insurance_unit_refused"
    assert "Giấy chứng nhận đăng ký doanh nghiệp" in notice["results_kept"]

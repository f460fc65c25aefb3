"""Flow 4 end to end: land-use right transfer with the tax authority and the payment."""

from __future__ import annotations

from adapters.registry import Registry
from adapters.sim.world import World
from bpmn.flows import cases
from engine.runtime import Engine
from tests.engine import flowkit
from tests.engine.flowkit import LAND, TAX, Desk

flow_engine, people, registry = flowkit.flow_engine, flowkit.people, flowkit.registry

CODE = "1.013831"


def run_to_payment(e: Engine, desk: Desk, people: World, nth: int):  # noqa: ANN201
    parcel = people.parcels[nth]
    buyer = people.people[-1 - nth]
    d = e.submit(CODE, applicant={"full_name": buyer.full_name},
                 data=cases.land_transfer(parcel, buyer), agency_code=LAND,
                 actor="datdai.motcua")  # fmt: skip
    for step in ("receive", "appraise_land"):
        desk.do(d, step, cases.STEPS[CODE][step])
    [tax] = desk.open(d)
    assert (tax.bpmn_id, tax.agency_code) == ("tax_review", TAX)
    desk.do(d, "tax_review", cases.STEPS[CODE]["tax_review"])
    return d, parcel, buyer


def test_transfer_after_payment_updates_the_certificate(flow_engine: Engine, people: World) -> None:
    e, desk = flow_engine, Desk(flow_engine)
    d, parcel, buyer = run_to_payment(e, desk, people, 1)
    notice = {j.operation: j for j in desk.jobs(d)}["tax.land_obligations"].result
    assert notice["notice_no"].startswith("TB-") and notice["total"] > 0
    desk.do(d, "confirm_payment", {"receipt_no": "BL-0099"}, hours=30)  # the citizen pays
    desk.do(d, "sign_certificate", {"opinion": "Đồng ý", "result_number": "CS-01"})
    transfer = {j.operation: j for j in desk.jobs(d)}["land.register_transfer"].result
    assert transfer["parcel"]["owner_id"] == buyer.personal_id
    assert transfer["parcel"]["certificate_no"] != parcel.certificate_no
    desk.do(d, "return_result")
    assert e.dossier(d.code).status == "result_returned"
    figures = e.analyse_dossier(d.code)
    assert figures.payments == 1
    [pay] = [t for t in e.list_tasks(dossier_code=d.code, state="completed")
             if t.bpmn_id == "confirm_payment"]  # fmt: skip
    waited = e.calendar.working_days_between(pay.created_at, pay.completed_at)
    assert waited > 1  # 30 hours of waiting for the citizen to pay
    assert figures.citizen_wait_working_days == round(waited, 3)
    assert figures.agency_working_days < figures.elapsed_working_days


def test_unpaid_obligations_stop_the_dossier_nothing_registered(
    flow_engine: Engine, people: World
) -> None:
    e, desk = flow_engine, Desk(flow_engine)
    d, parcel, _ = run_to_payment(e, desk, people, 2)
    desk.do(d, "confirm_payment", {"reasons": ["Quá 30 ngày chưa nộp tiền theo thông báo"]},
            action="refuse")  # fmt: skip
    desk.do(d, "notify_refusal")
    done = e.dossier(d.code)
    assert (done.status, done.outcome) == ("refused", "refused")
    assert "land.register_transfer" not in {j.operation for j in desk.jobs(d)}
    [notice] = e.notices(d.code)
    assert notice["id"] == "obligations_unpaid"
    assert "Quá 30 ngày" in notice["what_happened"] and "TB-" in notice["what_happened"]


def test_tax_system_outage_is_retried_without_losing_the_dossier(
    flow_engine: Engine, people: World, registry: Registry
) -> None:
    e, desk = flow_engine, Desk(flow_engine)
    registry.adapter("tax").simulator().faults.set(error_next=2)  # both attempts of one call
    d, _, _ = run_to_payment(e, desk, people, 3)
    [job] = [j for j in desk.jobs(d) if j.operation == "tax.land_obligations"]
    assert (job.state, job.attempts) == ("pending", 1)
    assert [t.bpmn_id for t in desk.open(d)] == ["svc_obligations"]
    e.clock.advance(minutes=5)
    e.tick()
    [job] = [j for j in desk.jobs(d) if j.operation == "tax.land_obligations"]
    assert (job.state, job.attempts) == ("done", 2)
    assert desk.steps(d) == ["confirm_payment"]
    assert "service_retry" in [ev.action for ev in e.history(d.id)]

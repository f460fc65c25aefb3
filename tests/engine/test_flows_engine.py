"""What the engine adds for liên thông flows: partner lanes, refusals told from outages."""

from __future__ import annotations

import uuid

import pytest

from adapters.errors import Refused
from adapters.registry import Registry
from adapters.sim.world import World
from engine.errors import AdapterError, InvalidInput, NotAllowed, UnknownProcedure
from engine.runtime import Engine
from tests.engine import flowkit
from tests.engine.flowkit import COMMUNE, POLICE, SOCIAL, Desk, docs
from tests.engine.test_flows_birth import commune_part, submit

flow_engine, people, registry = flowkit.flow_engine, flowkit.people, flowkit.registry


def test_lane_keys_map_to_agencies_and_bad_maps_change_nothing(flow_engine: Engine) -> None:
    e = flow_engine
    with pytest.raises(InvalidInput, match="không có cơ quan"):
        e.set_lane_agencies("2.000986", {"police": "000.99.99.H56"})
    with pytest.raises(InvalidInput):
        e.set_lane_agencies("2.000986", {"receiving": COMMUNE})
    with pytest.raises(InvalidInput):
        e.set_lane_agencies("2.000986", {})
    with pytest.raises(UnknownProcedure):
        e.set_lane_agencies("9.999999", {"police": POLICE})
    assert e.set_lane_agencies("2.000986", {"tax": flowkit.TAX}) == {
        "police": POLICE, "tax": flowkit.TAX}  # fmt: skip


def test_partner_task_is_only_in_its_agency_list(flow_engine: Engine, people: World) -> None:
    e, desk = flow_engine, Desk(flow_engine)
    d = submit(e, people, nth=6)
    commune_part(desk, d)
    [row] = desk.open(d)
    assert [t.id for t in e.list_tasks(agency_code=POLICE)] == [row.id]
    assert e.list_tasks(agency_code=COMMUNE) == []
    with pytest.raises(NotAllowed, match="thuộc cơ quan"):
        e.claim(row.id, user="hotich.phucuong")  # the commune's specialist is not the police
    with pytest.raises(NotAllowed):
        e.claim(row.id, user="bhxh.chuyenvien")
    assert e.claim(row.id, user="congan.cutru").assignee == "congan.cutru"


def test_refusal_is_an_incident_where_the_model_does_not_accept_it(
    flow_engine: Engine, people: World
) -> None:
    """The card procedure done alone declares no refusal: an over-six child is an incident."""
    e, desk = flow_engine, Desk(flow_engine)
    data = {"personal_id": "074318000778", "full_name": "Lê Minh", "date_of_birth": "2018-01-01",
            "commune_code": "25741"}  # fmt: skip
    d = e.submit("L.000103", applicant={"full_name": "Lê Văn Minh"}, data=data,
                 agency_code=SOCIAL, actor="system")  # fmt: skip
    desk.do(d, "receive", {"documents": docs("to_khai_tk1_ts", "giay_khai_sinh")})
    desk.do(d, "appraise", {"opinion": "Đủ"})
    desk.do(d, "approve", {"opinion": "Đồng ý"})
    [job] = desk.jobs(d)
    assert job.state == "failed" and "chỉ cấp cho trẻ dưới 6 tuổi" in job.last_error
    actions = [ev.action for ev in e.history(d.id)]
    assert "incident" in actions and "partner_refused" not in actions
    assert e.notices(d.code) == []


def test_adapters_tell_a_refusal_from_an_outage(registry: Registry) -> None:
    too_old = {"personal_id": "074318000779", "full_name": "Lê Hân", "date_of_birth": "2018-01-01",
               "commune_code": "25741"}  # fmt: skip
    with pytest.raises(Refused) as refused:
        registry.call("social_insurance.issue_child_health_card", too_old,
                      idempotency_key=uuid.uuid4().hex)  # fmt: skip
    assert (refused.value.code, refused.value.retryable) == ("adapter_refused", False)
    registry.adapter("social_insurance").simulator().faults.set(error_next=5)
    with pytest.raises(AdapterError) as down:
        registry.call("social_insurance.issue_child_health_card",
                      {**too_old, "personal_id": "074318000780"},
                      idempotency_key=uuid.uuid4().hex)  # fmt: skip
    assert not isinstance(down.value, Refused) and down.value.retryable


def test_demo_seed_deploys_the_commune_flows_with_partner_lanes(make_engine) -> None:  # noqa: ANN001
    from engine.demo import seed
    from engine.models import Procedure

    e = make_engine()
    e.create_schema()
    first = seed(e)["procedures"]
    assert first["2.000986"] == 1 and first["L.000201"] == 1
    assert seed(e)["procedures"] == first  # idempotent
    with e.db.read() as s:
        proc = s.get(Procedure, "2.000986")
        assert proc.meta["lane_agencies"] == {"police": "000.00.30.H56"}
        assert (proc.deadline_amount, proc.agency_code) == (20, "000.21.01.H56")
    assert len(e.analyse_procedure("L.000201").handoffs) == 2

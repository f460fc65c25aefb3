"""The dossiers `bpmn.flows.cases` hands out go through every flow to every result.

The load benchmark submits thousands of them without looking; here a few of each flow are
worked by the province's officers (`bpmn.flows.province`) with the happy path's form data,
against the real adapters and fresh simulators, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from adapters.sim.world import World
from bpmn.flows import cases, province
from engine.runtime import Engine
from tests.engine import flowkit
from tests.engine.flowkit import START, Desk

flow_engine, people, registry = flowkit.flow_engine, flowkit.people, flowkit.registry


def work_to_the_end(desk: Desk, code: str) -> int:
    """Complete each open user task with its `cases.STEPS` data until none is left."""
    steps = 0
    while rows := [r for r in desk.open(code) if r.kind == "user"]:
        for row in rows:
            desk.do(code, row.bpmn_id, cases.STEPS[row.procedure_code][row.bpmn_id])
            steps += 1
    return steps


def test_every_flow_reaches_every_result(flow_engine: Engine, people: World) -> None:
    e, desk = flow_engine, Desk(flow_engine)
    dossiers = cases.Dossiers(people, START.date())
    assert dossiers.capacity() >= 2
    for code in cases.RESULTS:
        for nth in range(2):  # the second one may not reuse the first one's deceased or parcel
            sub = dossiers.submission(code, nth)
            assert (sub.agency_code, sub.actor) == (
                province.receiving(code), province.counter(sub.agency_code))  # fmt: skip
            d = sub.submit(e)
            assert work_to_the_end(desk, d.code) == len(cases.STEPS[code])
            assert e.dossier(d.code).status == "result_returned"
            jobs = {j.operation: j for j in desk.jobs(d)}
            assert set(jobs) == set(cases.RESULTS[code])
            assert all(j.state == "done" and not j.result.get("refused") for j in jobs.values())
            assert e.notices(d.code) == []


def test_one_time_parties_are_used_once(people: World) -> None:
    dossiers = cases.Dossiers(people, START.date())
    n = dossiers.capacity()
    deaths = [dossiers.submission("L.000201", k).data["deceased_id"] for k in range(n)]
    sales = [
        (s.data["commune_code"], s.data["map_sheet"], s.data["parcel_no"], s.data["seller_id"])
        for s in (dossiers.submission("1.013831", k) for k in range(n))
    ]
    assert len(set(deaths)) == n and len({sale[:3] for sale in sales}) == n
    parents = {p.personal_id for p in dossiers.parents} | {p.spouse_id for p in dossiers.parents}
    assert not parents & set(deaths)  # nobody declares a birth after their own death
    assert all(s.data["buyer_id"] != s.data["seller_id"]
               for s in (dossiers.submission("1.013831", k) for k in range(n)))  # fmt: skip

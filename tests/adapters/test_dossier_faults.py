"""Each injected fault, seen from a dossier: a clear incident, nothing lost, done exactly once.

A dossier's service task calls `judicial_records.request_certificate` (a write) on the real
simulator through the process-wide registry, on SQLite and PostgreSQL. After every fault the
simulator holds exactly one request for the dossier, whatever was retried.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from adapters.registry import Registry, reset_registry
from adapters.sim.world import WORLD_DATE
from engine.clock import ManualClock
from engine.runtime import Engine
from engine.settings import load
from tests.adapters.conftest import FAST

VN = ZoneInfo("Asia/Ho_Chi_Minh")
AGENCY = "000.00.00.H56"
PROC = "S.000777"
MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    xmlns:lt="urn:lienthong:bpmn:1" id="defs_lltp" targetNamespace="urn:lienthong:tests">
  <bpmn:process id="lltp" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_front" name="Một cửa" lt:role="one_stop_officer">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>check</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>done</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_system" name="Hệ thống" lt:role="system">
        <bpmn:flowNodeRef>request</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:serviceTask id="request" name="Gửi yêu cầu cấp Phiếu lý lịch tư pháp">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="judicial_records.request_certificate"
            resultVariable="lltp">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="personal_id" type="str" value="applicant['cccd']"/>
            <spiffworkflow:parameter id="form" type="str" value="'1'"/>
            <spiffworkflow:parameter id="purpose" type="str" value="'Bổ sung hồ sơ xin việc'"/>
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:userTask id="check" name="Kiểm tra kết quả"/>
    <bpmn:endEvent id="done"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="request"/>
    <bpmn:sequenceFlow id="f2" sourceRef="request" targetRef="check"/>
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="done"/>
  </bpmn:process>
</bpmn:definitions>
""".encode()


@pytest.fixture
def registry(monkeypatch, tmp_path):
    for key, value in {**FAST, "LIENTHONG_ADAPTERS_TIMEOUT": "0.5"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LIENTHONG_ADAPTERS_ALLOW", "judicial_records")
    monkeypatch.setenv("LIENTHONG_SIM_DATA_DIR", str(tmp_path / "sims"))
    registry = Registry.from_entry_points()
    reset_registry(registry)
    yield registry
    reset_registry()
    for adapter in registry.adapters.values():
        if adapter._simulator is not None:
            adapter._simulator.faults.reset()
        adapter.close()


@pytest.fixture
def engine(db_url, registry):
    clock = ManualClock(datetime(2026, 11, 25, 8, 30, tzinfo=VN))
    e = Engine(load({"database_url": db_url}), clock=clock)
    e.create_schema()
    e.ensure_agency(AGENCY, "UBND tỉnh (thử nghiệm)")
    e.ensure_user("tp", "Trưởng phòng", AGENCY, ["head_of_unit"])
    e.deploy(PROC, MODEL, name="Cấp Phiếu lý lịch tư pháp (thử)", deadline=(10, "working_days"))
    yield e
    e.db.dispose()


def faults(registry):
    return registry.adapter("judicial_records").simulator().faults


def requests_for(registry, personal_id: str) -> int:
    path = registry.adapter("judicial_records").simulator().db_path
    with sqlite3.connect(path) as db:
        sql = "SELECT COUNT(*) FROM requests WHERE personal_id = ?"
        return db.execute(sql, (personal_id,)).fetchone()[0]


def applicant(people, nth: int):
    adults = [p for p in people.people if WORLD_DATE.year - p.date_of_birth.year >= 18]
    return adults[nth]


def submit(engine, person):
    return engine.submit(
        PROC, applicant={"full_name": person.full_name, "cccd": person.personal_id},
        agency_code=AGENCY,
    )  # fmt: skip


def steps(engine, dossier) -> list[str]:
    return sorted(t.bpmn_id for t in engine.list_tasks(dossier_code=dossier.code))


@pytest.mark.parametrize(
    ("fault", "outcome"),
    [
        ({"error_next": 1}, "503 answered once, retried by the client"),
        ({"timeout_next": 1, "hang_s": 2}, "answer held back after the write, replayed"),
        ({"garbage_next": 1}, "truncated JSON after the write, replayed"),
        ({"duplicate_next": 1}, "request delivered twice, written once"),
        ({"latency_ms": 60}, "slow answer"),
    ],
)
def test_transient_fault_completes_the_step_once(engine, registry, people, fault, outcome):
    faults(registry).set(**fault)
    person = applicant(people, 0)
    dossier = submit(engine, person)
    assert steps(engine, dossier) == ["check"], outcome
    [job] = engine.dossier_view(dossier.code).jobs
    assert job.state == "done" and job.result["request_no"].startswith("LLTP-074-")
    assert requests_for(registry, person.personal_id) == 1
    assert engine.list_incidents() == []


def test_outage_is_an_incident_then_one_retry_completes_it(engine, registry, people):
    faults(registry).set(error_rate=1.0)
    person = applicant(people, 1)
    dossier = submit(engine, person)
    [incident] = engine.list_incidents(dossier=dossier.code)
    assert incident.operation == "judicial_records.request_certificate"
    assert "HTTP 503" in incident.error and incident.state == "retrying"
    assert steps(engine, dossier) == ["request"]  # the step waits: nothing lost
    assert requests_for(registry, person.personal_id) == 0
    faults(registry).reset()
    assert engine.retry_incident(incident.job_id, user="tp") == "done"
    assert steps(engine, dossier) == ["check"]
    assert requests_for(registry, person.personal_id) == 1
    engine.tick(engine.clock.now() + timedelta(hours=2))  # a late automatic retry: no-op
    assert requests_for(registry, person.personal_id) == 1
    assert engine.list_incidents() == []


def test_answer_lost_after_the_write_is_retried_by_tick_exactly_once(engine, registry, people):
    # Every attempt of the first call writes, then its answer is lost: the dossier waits.
    faults(registry).set(garbage_next=3)
    person = applicant(people, 2)
    dossier = submit(engine, person)
    [incident] = engine.list_incidents(dossier=dossier.code)
    assert "trả về dữ liệu không phải JSON hợp lệ" in incident.error
    assert requests_for(registry, person.personal_id) == 1  # written once, by the first try
    engine.tick(incident.next_attempt_at + timedelta(seconds=1))
    assert steps(engine, dossier) == ["check"]
    [job] = engine.dossier_view(dossier.code).jobs
    assert job.state == "done" and requests_for(registry, person.personal_id) == 1

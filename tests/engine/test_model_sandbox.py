"""Test-runs of drafts in a sandbox: the path taken, branches, failures, nothing real touched."""

from __future__ import annotations

import pytest

from engine.errors import InvalidInput
from engine.model_sandbox import ScenarioStep, run_scenario
from engine.model_versions import ModelVersions
from tests.adapters.test_dossier_faults import MODEL as LLTP_MODEL

from .conftest import AGENCY, FORM_DATA, KET_HON, TEMPLATE

HAPPY = [
    ScenarioStep("receive", FORM_DATA["receive"]),
    ScenarioStep("appraise", FORM_DATA["appraise"]),
    ScenarioStep("approve", FORM_DATA["approve"]),
    ScenarioStep("return_result"),
]


def test_happy_path_shows_every_step_and_branch():
    run = run_scenario(TEMPLATE, HAPPY)
    assert run.ok and run.steps_run == 4 and run.error is None
    assert run.status == "result_returned" and run.open_steps == []
    steps = [p.bpmn_id for p in run.path if p.kind == "userTask"]
    assert steps == ["receive", "appraise", "approve", "return_result"]
    assert run.branches == {
        "gw_receive": ["processing"],
        "gw_appraise": ["approve"],
        "gw_approve": ["settled"],
        "gw_after_processing": ["return_result"],
    }
    assert [p.bpmn_id for p in run.path][-3:] == ["gw_after_processing", "return_result",
                                                 "result_returned"]  # fmt: skip


def test_refusal_at_the_counter_takes_the_refusal_branch():
    run = run_scenario(TEMPLATE, [ScenarioStep("receive", action="refuse")])
    assert run.ok and run.branches == {"gw_receive": ["notify_refusal"]}
    assert run.open_steps == ["notify_refusal"]
    assert [p.bpmn_id for p in run.path] == ["start", "receive", "gw_receive"]


def test_supplementation_and_refusal_after_appraisal():
    scenario = [
        ScenarioStep("receive", FORM_DATA["receive"]),
        ScenarioStep("appraise", action="supplement"),
    ]
    run = run_scenario(TEMPLATE, scenario)
    assert run.ok, run.error
    assert run.branches["gw_appraise"] == ["needs_supplement"]
    assert run.branches["gw_after_processing"] == ["supplement"]
    assert run.open_steps == ["supplement"]


def test_bad_data_stops_the_run_with_the_form_errors():
    run = run_scenario(TEMPLATE, [ScenarioStep("receive", FORM_DATA["receive"]),
                                  ScenarioStep("appraise", {})])  # fmt: skip
    assert not run.ok and run.steps_run == 1
    assert run.error.startswith("appraise: ") and "opinion" in str(run.error_fields)
    assert run.open_steps == ["appraise"]
    wrong = run_scenario(TEMPLATE, [ScenarioStep("approve", FORM_DATA["approve"])])
    assert not wrong.ok and "bước chưa mở (đang mở: receive)" in wrong.error


def test_a_model_the_engine_refuses_is_reported_not_raised():
    run = run_scenario(b"<bpmn:definitions/>", HAPPY)
    assert (run.ok, run.status) == (False, "not_started") and run.error
    with pytest.raises(InvalidInput):
        run_scenario(TEMPLATE, [ScenarioStep("receive", action="fly")])


def test_service_tasks_call_sandbox_simulators_only(monkeypatch, tmp_path):
    real = tmp_path / "real-sims"
    monkeypatch.setenv("LIENTHONG_SIM_DATA_DIR", str(real))
    from adapters.settings import sim_people, sim_seed
    from adapters.sim.world import world

    person = next(p for p in world(sim_seed(), sim_people()).people if p.date_of_birth.year < 2000)
    run = run_scenario(
        LLTP_MODEL, [ScenarioStep("check")],
        applicant={"full_name": person.full_name, "cccd": person.personal_id},
    )  # fmt: skip
    assert run.ok, run.error
    assert run.service_calls == [
        {"operation": "judicial_records.request_certificate", "state": "done", "error": None}
    ]
    assert [p.bpmn_id for p in run.path if p.kind == "serviceTask"] == ["request"]
    assert not real.exists()  # the configured simulators were never built


def test_a_draft_is_test_run_from_the_studio(engine):
    engine.ensure_user("tk", "Thiết kế viên", AGENCY, ["designer"])
    studio = ModelVersions(engine)
    draft = studio.save_draft(KET_HON, TEMPLATE, user="tk")
    run = studio.test_run_draft(draft.id, HAPPY)
    assert run.ok and run.status == "result_returned"
    assert engine.list_tasks(procedure_code="SANDBOX") == []  # the real engine saw nothing


def test_saved_scenarios_are_replayed_on_a_draft(engine):
    engine.ensure_user("tk", "Thiết kế viên", AGENCY, ["designer"])
    studio = ModelVersions(engine)
    happy = [{"step": s.step, "data": s.data} for s in HAPPY]
    studio.save_scenario(KET_HON, "Hồ sơ hợp lệ", happy, user="tk",
                         expect_status="result_returned")  # fmt: skip
    studio.save_scenario(KET_HON, "Từ chối tiếp nhận", [{"step": "receive", "action": "refuse"}],
                         user="tk", expect_status="refused")  # fmt: skip
    assert [s["name"] for s in studio.scenarios(KET_HON)] == ["Hồ sơ hợp lệ", "Từ chối tiếp nhận"]
    draft = studio.save_draft(KET_HON, TEMPLATE, user="tk")
    results = {r.name: r for r in studio.run_scenarios(draft.id)}
    assert results["Hồ sơ hợp lệ"].passed
    refused = results["Từ chối tiếp nhận"]  # the refusal letter is still to be handed over
    assert refused.run.ok and refused.run.status == "in_process" and not refused.passed
    # A draft that drops the approval step fails the happy scenario, with the reason.
    skip = TEMPLATE.replace(b'targetRef="approve" />', b'targetRef="settled" />')
    broken = studio.save_draft(KET_HON, skip, user="tk")
    failed = {r.name: r for r in studio.run_scenarios(broken.id)}["Hồ sơ hợp lệ"]
    assert not failed.passed and "approve: bước chưa mở" in failed.run.error
    with pytest.raises(InvalidInput, match="bước 1 của kịch bản"):
        studio.save_scenario(KET_HON, "Sai", [{"step": "receive", "action": "fly"}], user="tk")

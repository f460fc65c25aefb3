"""Generated models: schema-valid, parse and run in SpiffWorkflow, lint clean, laid out."""

from __future__ import annotations

import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from adapters.registry import get_registry
from bpmn.catalog.entry import CatalogueEntry, RequiredDocument
from bpmn.generator import generate_model, operation_for, process_id_for
from bpmn.geometry import boxes, problems
from bpmn.geometry_edges import line_problems
from bpmn.lint import lint_model
from engine.errors import InvalidInput

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "lt": "urn:lienthong:bpmn:1",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}  # fmt: skip
KNOWN = get_registry().operations()  # the operations the adapters really offer
ENTRIES = [
    CatalogueEntry(code="1.001193", name="Đăng ký khai sinh", competent_agency="UBND cấp xã",
                   documents=[RequiredDocument("Tờ khai")], partners=["population"]),
    CatalogueEntry(code="1.013831", name="Chuyển nhượng quyền sử dụng đất",
                   competent_agency="Văn phòng đăng ký đất đai",
                   coordinating_agencies=["Chi cục Thuế", "UBND cấp xã"],
                   partners=["land", "tax", "population"]),
    CatalogueEntry(code="2.000815", name="Chứng thực bản sao từ bản chính"),
    CatalogueEntry(code="9.000001", name="[Tổng hợp] thủ tục", synthetic=True,
                   coordinating_agencies=["Sở Y tế"], partners=["business_registration"]),
]  # fmt: skip


def _form_exists(form_id: str) -> bool:
    return form_id.startswith("proc_") or form_id in {"appraise", "approve", "supplement",
                                                       "apology"}  # fmt: skip


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.code)
def test_generated_model_is_valid_and_lints_clean(entry):
    data = generate_model(entry)
    root = etree.fromstring(data)
    VALIDATOR.validate(root)
    assert lint_model(data, known_operations=KNOWN, form_exists=_form_exists) == []
    process = root.find("bpmn:process", NS)
    assert process.get("id") == process_id_for(entry.code) == "proc_" + entry.code.replace(".", "_")
    receive = process.find(".//bpmn:userTask[@id='receive']", NS)
    assert receive.get(f"{{{NS['lt']}}}form") == f"proc_{entry.code.replace('.', '_')}_receive"
    operations = [op.get("id") for op in root.iterfind(".//spiffworkflow:serviceTaskOperator", NS)]
    assert sorted(operations) == sorted(operation_for(p)[0] for p in entry.partners)
    lanes = {lane.get("name"): lane.get(f"{{{NS['lt']}}}role") for lane in
             root.iterfind(".//bpmn:lane", NS)}  # fmt: skip
    for agency in entry.coordinating_agencies:
        assert lanes[f"Cơ quan phối hợp – {agency}"] == "specialist"
    if entry.competent_agency:
        assert lanes[f"Lãnh đạo – {entry.competent_agency}"] == "leader"
    assert ("Hệ thống" in lanes) == bool(entry.partners)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.code)
def test_layout_draws_every_element_and_flow_cleanly(entry):
    """Every element has a shape, every flow a line, and the drawing keeps `bpmn.geometry`'s
    promises: no shape over another, each in its subprocess, pool and lane, lines attached
    to their ends and clear of other shapes."""
    data = generate_model(entry)
    root = etree.fromstring(data)
    drawn = boxes(root)
    ids = {el.get("id") for el in root.iterfind(".//bpmn:process//bpmn:*[@id]", NS)
           if etree.QName(el).localname not in ("laneSet", "sequenceFlow", "timerEventDefinition",
                                                "serviceTaskOperator")}  # fmt: skip
    assert ids <= set(drawn)
    edges = {e.get("bpmnElement") for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    assert edges == {f.get("id") for f in root.iterfind(".//bpmn:sequenceFlow", NS)}
    assert problems(data) == [] and line_problems(data) == []


def test_generated_model_runs_supplementation_and_result():
    data = generate_model(ENTRIES[2])
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(data)
    pid = process_id_for(ENTRIES[2].code)
    workflow = BpmnWorkflow(parser.get_spec(pid), parser.get_subprocess_specs(pid))
    workflow.do_engine_steps()
    trail = []
    plan = {"appraise": ["supplement", "supplement", "complete"]}
    while not workflow.is_completed():
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        assert len(ready) == 1
        task = ready[0]
        trail.append(task.task_spec.bpmn_id)
        decisions = plan.get(trail[-1], [])
        task.set_data(decision=decisions.pop(0) if decisions else "complete",
                      dossier_due="2999-01-01T00:00:00+00:00")  # fmt: skip
        task.run()
        workflow.do_engine_steps()
    assert trail == ["receive", "appraise", "supplement", "appraise", "supplement", "appraise",
                     "approve", "return_result"]  # fmt: skip


def test_information_only_procedures_have_no_model():
    with pytest.raises(InvalidInput, match="information-only"):
        generate_model(CatalogueEntry(code="1.000001", name="Tra cứu", mode="info"))


def test_unknown_partner_gets_a_flagged_operation():
    assert operation_for("population")[0] == "population.lookup_citizen"
    assert operation_for("tax")[0] == "tax.land_obligations"
    data = generate_model(CatalogueEntry(code="1.000002", name="x", partners=["weather"]))
    findings = lint_model(data, known_operations=KNOWN, form_exists=_form_exists)
    assert [(f.code, f.element_id) for f in findings] == [
        ("E-UNKNOWN-OPERATION", "svc_weather_exchange")
    ]

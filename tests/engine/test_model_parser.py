"""engine.model_parser: a model enters the engine checked, described and ready to run."""

import hashlib
import time
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer import DEFAULT_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.errors import InvalidModel
from engine.model_parser import ElementInfo, LaneInfo, parse_model
from engine.script_engine import LienThongScriptEngine

DATA = Path(__file__).parent / "data" / "bpmn"
SMALL = (DATA / "small_valid.bpmn").read_bytes()
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'xmlns:lt="urn:lienthong:bpmn:1" id="d" targetNamespace="t">'
)


def model(body: str) -> bytes:
    return (HEAD + body + "</bpmn:definitions>").encode()


def test_small_model_is_described():
    parsed = parse_model(SMALL, filename="small.bpmn")
    assert parsed.process_id == "small_procedure"
    assert parsed.content_hash == hashlib.sha256(SMALL).hexdigest()
    assert isinstance(parsed.spec, BpmnProcessSpec) and parsed.subprocess_specs == {}
    assert parsed.lanes == {
        "Front desk": LaneInfo("Front desk", "one_stop_officer", "receiving"),
        "Specialist": LaneInfo("Specialist", "specialist", "competent"),
        "System": LaneInfo("System", "system", None),
    }
    assert parsed.elements["receive"] == ElementInfo(
        bpmn_id="receive", kind="userTask", name="Receive dossier", lane="Front desk",
        form="receive_form", deadline_share=0.25, actions=("supplement", "refuse"),
        operation=None,
    )  # fmt: skip
    assert parsed.elements["register"].operation == "portal.register"
    assert parsed.elements["register"].kind == "serviceTask"
    assert parsed.elements["decide"].kind == "exclusiveGateway"
    assert parsed.elements["late_timer"].kind == "boundaryEvent"
    # Lane names are what SpiffWorkflow puts on task specs, so the two always agree.
    assert parsed.spec.task_specs["receive"].lane in parsed.lanes


def test_service_tasks_are_manual_and_stay_manual_through_serialization():
    parsed = parse_model(SMALL)
    assert parsed.spec.task_specs["register"].manual is True
    assert parsed.spec.task_specs["decide"].manual is False
    engine = LienThongScriptEngine(service_handler=lambda task, op, params: {"ok": True})
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=engine)
    workflow.do_engine_steps()
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))
    restored = serializer.deserialize_json(serializer.serialize_json(workflow))
    restored.script_engine = engine
    assert restored.spec.task_specs["register"].manual is True
    (receive,) = restored.get_tasks(state=TaskState.READY, manual=True)
    receive.set_data(decision="complete", dossier_code="D", fee=1)
    receive.run()
    restored.do_engine_steps()
    (register,) = restored.get_tasks(state=TaskState.READY)
    assert register.task_spec.bpmn_id == "register" and not restored.is_completed()
    assert restored.get_tasks(state=TaskState.READY, manual=False) == []


def test_service_tasks_inside_subprocesses_are_manual_too():
    parsed = parse_model(model(
        '<bpmn:process id="outer" isExecutable="true">'
        '<bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
        '<bpmn:subProcess id="sub"><bpmn:incoming>f1</bpmn:incoming>'
        '<bpmn:outgoing>f2</bpmn:outgoing>'
        '<bpmn:startEvent id="ss"><bpmn:outgoing>g1</bpmn:outgoing></bpmn:startEvent>'
        '<bpmn:serviceTask id="call"><bpmn:extensionElements>'
        '<spiffworkflow:serviceTaskOperator id="x.y" resultVariable="r">'
        "<spiffworkflow:parameters/></spiffworkflow:serviceTaskOperator>"
        "</bpmn:extensionElements><bpmn:incoming>g1</bpmn:incoming>"
        "<bpmn:outgoing>g2</bpmn:outgoing></bpmn:serviceTask>"
        '<bpmn:endEvent id="se"><bpmn:incoming>g2</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="g1" sourceRef="ss" targetRef="call"/>'
        '<bpmn:sequenceFlow id="g2" sourceRef="call" targetRef="se"/></bpmn:subProcess>'
        '<bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="sub"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="e"/></bpmn:process>'
    ))  # fmt: skip
    assert parsed.subprocess_specs["sub"].task_specs["call"].manual is True
    assert parsed.elements["call"].operation == "x.y"


@pytest.mark.parametrize(
    ("name", "element_id", "reason"),
    [
        ("condition_escape.bpmn", "f_refuse", "__class__"),
        ("parameter_escape.bpmn", "register", "__import__"),
        ("timer_escape.bpmn", "late_timer", "'open' không được dùng"),
        ("script_import.bpmn", "compute", "__import__"),
        ("script_subclasses.bpmn", "compute", "__subclasses__"),
        ("unknown_role.bpmn", "lane_specialist", "janitor"),
        ("bad_share.bpmn", "receive", "1.5"),
        ("bad_action.bpmn", "receive", "delete"),
        ("dangling_flow.bpmn", "decide", "nowhere"),
    ],
)
def test_broken_or_hostile_models_name_the_element(name, element_id, reason):
    with pytest.raises(InvalidModel, match=element_id) as caught:
        parse_model((DATA / name).read_bytes(), filename=name)
    assert str(caught.value).startswith(name)
    assert any(
        f["element_id"] == element_id and reason in f["message"] for f in caught.value.findings
    ), caught.value.findings


@pytest.mark.parametrize(
    "name", ["xxe_file.bpmn", "xxe_network.bpmn", "billion_laughs.bpmn", "external_dtd.bpmn"]
)
def test_hostile_xml_is_refused_before_spiffworkflow_sees_it(name):
    with pytest.raises(InvalidModel, match="DOCTYPE"):
        parse_model((DATA / name).read_bytes())


def test_a_loop_script_passes_the_static_check():
    # Only running can tell it never ends: the sandbox bounds it (test_script_engine).
    assert parse_model((DATA / "script_loop.bpmn").read_bytes()).elements["compute"]


def test_schema_violations_are_invalid_model():
    with pytest.raises(InvalidModel, match="BPMN không hợp lệ.*fooTask"):
        parse_model(model('<bpmn:process id="p" isExecutable="true"><bpmn:fooTask id="x"/>'
                          "</bpmn:process>"))  # fmt: skip


def test_service_task_without_operator_is_invalid_model():
    with pytest.raises(InvalidModel, match="'call'.*must have an operator"):
        parse_model(model(
            '<bpmn:process id="p" isExecutable="true">'
            '<bpmn:startEvent id="s"><bpmn:outgoing>f</bpmn:outgoing></bpmn:startEvent>'
            '<bpmn:serviceTask id="call"><bpmn:incoming>f</bpmn:incoming></bpmn:serviceTask>'
            '<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="call"/></bpmn:process>'
        ))  # fmt: skip


def test_process_choice():
    two = model(
        '<bpmn:process id="a" isExecutable="true"><bpmn:startEvent id="s1"/></bpmn:process>'
        '<bpmn:process id="b" isExecutable="true"><bpmn:startEvent id="s2"/></bpmn:process>'
    )
    with pytest.raises(InvalidModel, match="nhiều quy trình chạy được \\(a, b\\)"):
        parse_model(two)
    assert parse_model(two, process_id="b").process_id == "b"
    with pytest.raises(InvalidModel, match="không có quy trình 'c'.*có: a, b"):
        parse_model(two, process_id="c")
    with pytest.raises(InvalidModel, match="không có quy trình nào chạy được"):
        parse_model(model('<bpmn:process id="a" isExecutable="false"/>'))


def test_lane_without_name_is_refused():
    with pytest.raises(InvalidModel, match="làn 'L' chưa có tên"):
        parse_model(model(
            '<bpmn:process id="p" isExecutable="true"><bpmn:laneSet id="ls">'
            '<bpmn:lane id="L"><bpmn:flowNodeRef>s</bpmn:flowNodeRef></bpmn:lane>'
            '</bpmn:laneSet><bpmn:startEvent id="s"/></bpmn:process>'
        ))  # fmt: skip


def test_parse_is_fast():
    parse_model(SMALL)
    started = time.perf_counter()
    for _ in range(20):
        parse_model(SMALL)
    per_parse_ms = (time.perf_counter() - started) / 20 * 1000
    assert per_parse_ms < 50, per_parse_ms

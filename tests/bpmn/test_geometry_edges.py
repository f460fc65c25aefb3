"""The line check sees each badly drawn sequence flow and warns about it in lint, in
Vietnamese too, and leaves a well-drawn line alone: a small hand-written model, one line
spoilt at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from bpmn.geometry import CROSSES, DETACHED, MISSING, WAYPOINTS, problems
from bpmn.geometry_edges import line_problems
from bpmn.lint import lint_model

EDGE_CODES = (MISSING, WAYPOINTS, DETACHED, CROSSES)
# start (100,182)-(136,218) → ask, a gateway drawn large, (200,160)-(300,240) → end
# (600,182)-(636,218); the note step (400,160)-(500,240) lies between ask and end, reached
# from ask by a line over it, while ask's other line to end goes under it
GOOD = {
    "f_start_ask": "136,200 200,200",
    "f_ask_note": "250,160 250,120 450,120 450,160",
    "f_note_end": "500,200 600,200",
    "f_ask_end": "250,240 250,280 618,280 618,218",
}
MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
  id="defs" targetNamespace="urn:test">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f_start_ask</bpmn:outgoing></bpmn:startEvent>
    <bpmn:parallelGateway id="ask" name="Hỏi cả hai">
      <bpmn:incoming>f_start_ask</bpmn:incoming>
      <bpmn:outgoing>f_ask_note</bpmn:outgoing><bpmn:outgoing>f_ask_end</bpmn:outgoing>
    </bpmn:parallelGateway>
    <bpmn:manualTask id="note" name="Ghi">
      <bpmn:incoming>f_ask_note</bpmn:incoming><bpmn:outgoing>f_note_end</bpmn:outgoing>
    </bpmn:manualTask>
    <bpmn:endEvent id="end">
      <bpmn:incoming>f_note_end</bpmn:incoming><bpmn:incoming>f_ask_end</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="f_start_ask" sourceRef="start" targetRef="ask" />
    <bpmn:sequenceFlow id="f_ask_note" sourceRef="ask" targetRef="note" />
    <bpmn:sequenceFlow id="f_note_end" sourceRef="note" targetRef="end" />
    <bpmn:sequenceFlow id="f_ask_end" sourceRef="ask" targetRef="end" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="plane" bpmnElement="p">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start">
      <dc:Bounds x="100" y="182" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="ask_di" bpmnElement="ask">
      <dc:Bounds x="200" y="160" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="note_di" bpmnElement="note">
      <dc:Bounds x="400" y="160" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="end_di" bpmnElement="end">
      <dc:Bounds x="600" y="182" width="36" height="36" /></bpmndi:BPMNShape>
    {edges}
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def model(**lines: str | None) -> bytes:
    """The model with some lines redrawn (``"x,y x,y ..."``) or left out (None)."""
    drawn = {**GOOD, **lines}
    edges = []
    for flow, points in drawn.items():
        if points is None:
            continue
        waypoints = "".join(
            f'<di:waypoint x="{p.split(",")[0]}" y="{p.split(",")[1]}" />' for p in points.split()
        )
        edges.append(f'<bpmndi:BPMNEdge id="{flow}_di" bpmnElement="{flow}">{waypoints}'
                     "</bpmndi:BPMNEdge>")  # fmt: skip
    return MODEL.format(edges="\n    ".join(edges)).encode()


def warned(xml: bytes) -> set[tuple[str | None, str]]:
    findings = [f for f in lint_model(xml) if f.code in EDGE_CODES]
    assert all(f.severity == "warning" and f.message_vi for f in findings)
    return {(f.element_id, f.code) for f in findings}


def test_a_well_drawn_model_has_no_line_warning() -> None:
    xml = model()
    assert problems(xml) == [] and line_problems(xml) == []
    assert [f for f in lint_model(xml) if f.severity == "error"] == []
    assert warned(xml) == set()


BAD = {
    "a flow without a line": ({"f_note_end": None}, MISSING, "chưa có đường nối"),
    "a line of one point": ({"f_note_end": "500,200"}, WAYPOINTS, "chỉ có 1 điểm"),
    "a line of no point": ({"f_note_end": ""}, WAYPOINTS, "chỉ có 0 điểm"),
    "a line left behind when its source moved": (
        {"f_start_ask": "40,200 200,200"}, DETACHED, "bắt đầu tại (40, 200), cách xa start"),
    "a line stopping short of its target": (
        {"f_note_end": "500,200 570,200"}, DETACHED, "kết thúc tại (570, 200), cách xa end"),
    "a line ending in the middle of its target": (
        {"f_start_ask": "136,200 250,200"}, DETACHED, "kết thúc tại (250, 200), cách xa ask"),
    "a line straight through the step between": (
        {"f_ask_end": "300,200 600,200"}, CROSSES, "cắt ngang note"),
    "a line that turns inside the step between": (
        {"f_ask_end": "300,200 450,200 450,300 618,300 618,218"}, CROSSES, "cắt ngang note"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD)
def test_a_badly_drawn_line_is_seen_and_warned_about(case: str) -> None:
    lines, code, said = BAD[case]
    xml = model(**lines)
    [flow] = lines
    assert any(said in p for p in line_problems(xml)), line_problems(xml)
    assert problems(xml) == []  # the shapes' check is about shapes only
    assert warned(xml) == {(flow, code)}
    errors = {f.code for f in lint_model(xml) if f.severity == "error"}
    # the engine runs it all the same; only the schema itself asks for two waypoints an edge
    assert errors == ({"E-XSD"} if code == WAYPOINTS else set())


GRAZING = {
    "an end a few pixels off its shape": {"f_start_ask": "136,200 195,200"},
    "an end on an event's circle, inside its box": {"f_note_end": "500,200 605,187"},
    "a line along a step's border": {"f_ask_end": "300,240 500,240 618,240 618,218"},
}


@pytest.mark.parametrize("case", GRAZING)
def test_what_reads_as_attached_and_clear_is_not_warned_about(case: str) -> None:
    assert warned(model(**GRAZING[case])) == set()


def test_a_model_without_a_diagram_is_not_asked_for_lines() -> None:
    xml = model(**dict.fromkeys(GOOD))
    no_shapes = xml.replace(b"<bpmndi:BPMNShape", b"<!--").replace(b"</bpmndi:BPMNShape>", b"-->")
    assert warned(no_shapes) == set()
    assert warned(xml) == {(flow, MISSING) for flow in GOOD}


MIWG = sorted(Path("/work/shared/bpmn-miwg-reference").glob("*.bpmn"))


@pytest.mark.parametrize("path", MIWG, ids=lambda p: p.name)
def test_the_reference_drawings_lines_are_clean(path: Path) -> None:
    """Other modelers' lines (Signavio, Camunda, Bonita...): the tolerances fit what they write."""
    assert line_problems(path.read_bytes()) == []

"""The drawing check sees each broken promise, says it in lint as a warning, and leaves alone
what BPMN allows: the MIWG reference drawings, with several diagrams in one file, expanded
call activities, nested subprocesses and annotations outside their pool, are clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from bpmn.geometry import BPMNDI, DC, OUTSIDE, OVERLAP, problems
from bpmn.lint import lint_model
from engine.xml_safety import parse_xml

ROOT = Path(__file__).resolve().parents[2]
BIRTH = (ROOT / "bpmn" / "flows" / "birth_residence_card.bpmn").read_bytes()
MIWG = Path("/work/shared/bpmn-miwg-reference")
REFERENCE = sorted(MIWG.glob("*.bpmn"))


def moved(xml: bytes, element: str, **bounds: float) -> bytes:
    """The model with one shape's bounds changed, as a designer's drag would."""
    tree = parse_xml(xml)
    [shape] = [s for s in tree.iter(f"{{{BPMNDI}}}BPMNShape") if s.get("bpmnElement") == element]
    for key, value in bounds.items():
        shape.find(f"{{{DC}}}Bounds").set(key, str(value))
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def drawing(xml: bytes) -> set[tuple[str | None, str]]:
    return {(f.element_id, f.code) for f in lint_model(xml) if f.code in (OVERLAP, OUTSIDE)}


# Each case moves one shape of the birth flow where a careless drag would put it.
CASES = {
    "a step on another": (("sign_birth", {"x": 1020, "y": 400}), "chồng lên sign_birth"),
    "the counter's refusal on the subprocess": (
        ("notify_refusal", {"y": 380}), "notify_refusal nằm đè lên quy trình con processing"),
    "a step out of its subprocess": (
        ("appraise_birth", {"x": 600}), "appraise_birth lòi ra ngoài quy trình con"),
    "a step out of the pool": (
        ("receive", {"y": 20}), "receive lòi ra ngoài pool"),
    "a step in another agency's lane": (
        ("receive", {"y": 420}), "receive được vẽ ngoài làn lane_one_stop"),
}  # fmt: skip


def test_the_shipped_flow_is_clean_to_start_with() -> None:
    assert problems(BIRTH) == []
    assert drawing(BIRTH) == set()


@pytest.mark.parametrize("case", CASES)
def test_a_careless_drag_is_seen_and_warned_about(case: str) -> None:
    (element, bounds), said = CASES[case]
    xml = moved(BIRTH, element, **bounds)
    assert any(said in p for p in problems(xml)), problems(xml)
    findings = lint_model(xml)
    warned = [f for f in findings if said in f.message and f.code in (OVERLAP, OUTSIDE)]
    assert warned and all(f.severity == "warning" and f.message_vi for f in warned)
    assert [f for f in findings if f.severity == "error"] == []  # the engine runs it all the same


def test_shapes_without_bounds_are_left_out_not_a_crash() -> None:
    tree = parse_xml(BIRTH)
    bounds = next(tree.iter(f"{{{DC}}}Bounds"))
    del bounds.attrib["width"]
    findings = lint_model(etree.tostring(tree))
    assert "E-INTERNAL" not in {f.code for f in findings}


def test_the_reference_models_are_there() -> None:
    assert len(REFERENCE) >= 20, f"expected the MIWG reference models in {MIWG}"


@pytest.mark.parametrize("path", REFERENCE, ids=lambda p: p.name)
def test_a_reference_drawing_is_clean(path: Path) -> None:
    assert problems(path.read_bytes()) == []


def test_each_diagram_of_a_file_is_measured_on_its_own() -> None:
    """C.4.0 draws four pools in four diagrams at overlapping coordinates: clean; yet a shape
    dragged onto its neighbour in one of them is seen."""
    data = (MIWG / "C.4.0.bpmn").read_bytes()
    tree = parse_xml(data)
    planes = list(tree.iter(f"{{{BPMNDI}}}BPMNPlane"))
    assert len(planes) == 4 and problems(data) == []
    shapes = [s for s in planes[1].iter(f"{{{BPMNDI}}}BPMNShape")
              if not s.get("isHorizontal")][:2]  # fmt: skip
    a, b = (s.find(f"{{{DC}}}Bounds") for s in shapes)
    a.set("x", b.get("x"))
    a.set("y", b.get("y"))
    found = problems(etree.tostring(tree))
    assert any(shapes[0].get("bpmnElement") in p and "chồng lên" in p for p in found), found

"""Every diagram the product ships or generates is clean: no shape over another, every node
inside its subprocess, its pool and its lane (`bpmn.geometry`), every sequence flow drawn as a
line from its source's border to its target's through no other shape (`bpmn.geometry_edges`).

The shipped files (the liên thông flows, their separate-procedure baselines, the standard
template), the real catalogue's models, one synthetic model of each shape the synthetic
catalogue produces (and, in one test, every synthetic model), and the service-call models are
all measured.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bpmn.catalog.importer import import_path
from bpmn.catalog.synthetic import generate_synthetic
from bpmn.diagram import Diagram, Lane, Node, to_xml
from bpmn.flows import MODELS
from bpmn.flows.build import render
from bpmn.generator import generate_model, has_model
from bpmn.geometry import boxes
from bpmn.geometry import problems as shape_problems
from bpmn.geometry_edges import line_problems
from bpmn.layout import layout
from engine.xml_safety import parse_xml
from tests.service_models import Call, service_model

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted([*(ROOT / "bpmn" / "flows").glob("*.bpmn"),
                  *(ROOT / "bpmn" / "templates").glob("*.bpmn")])  # fmt: skip
REAL = [e for e in import_path(ROOT / "bpmn" / "catalog" / "real").entries if has_model(e)]


def _synthetic_shapes() -> list:
    """One synthetic entry per diagram shape: what shapes a model is its partners and lanes."""
    shapes: dict[tuple, object] = {}
    for entry in generate_synthetic():
        if has_model(entry):
            shapes.setdefault((tuple(entry.partners), tuple(entry.coordinating_agencies)), entry)
    return list(shapes.values())


def problems(xml: bytes) -> list[str]:
    """What the drawing breaks, its shapes and its lines."""
    return shape_problems(xml) + line_problems(xml)


SYNTHETIC = _synthetic_shapes()
CALLS = [Call("first", "Tra cứu", "test.echo"), Call("second", "Cập nhật", "test.echo")]


def test_every_flow_and_baseline_is_shipped_and_measured() -> None:
    assert {ROOT / "bpmn" / "flows" / m.file for m in MODELS.values()} <= set(SHIPPED)
    assert ROOT / "bpmn" / "templates" / "standard_one_stop.bpmn" in SHIPPED
    assert len(REAL) >= 40 and len(SYNTHETIC) >= 5  # the samples are not empty by accident


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_model_is_drawn_clean(path: Path) -> None:
    assert problems(path.read_bytes()) == []


@pytest.mark.parametrize("code", list(MODELS))
def test_built_flow_is_drawn_clean(code: str) -> None:
    assert problems(render(MODELS[code].builder)) == []


@pytest.mark.parametrize("entry", REAL, ids=lambda e: e.code)
def test_real_catalogue_model_is_drawn_clean(entry) -> None:
    assert problems(generate_model(entry)) == []


@pytest.mark.parametrize("entry", SYNTHETIC, ids=lambda e: e.code)
def test_synthetic_catalogue_model_is_drawn_clean(entry) -> None:
    assert problems(generate_model(entry)) == []


def test_every_synthetic_catalogue_model_is_drawn_clean() -> None:
    """The whole catalogue, not a sample: a line's route depends on more than the shape."""
    entries = [e for e in generate_synthetic() if has_model(e)]
    bad = {e.code: found for e in entries if (found := problems(generate_model(e)))}
    assert len(entries) >= 1000 and bad == {}


@pytest.mark.parametrize("parallel", [False, True])
def test_service_call_model_is_drawn_clean(parallel: bool) -> None:
    assert problems(service_model("calls", CALLS, parallel=parallel)) == []


def _one_stop_subprocess(*, outside_above: bool) -> Diagram:
    """A subprocess whose first step is in the pool's first lane, a timer on its top edge."""
    d = Diagram("p", "p", lanes=[Lane("one", "Một cửa", "one_stop_officer"),
                                 Lane("spec", "Chuyên viên", "specialist")])  # fmt: skip
    d.add(Node("start", "startEvent", None, "one"))
    d.add(Node("gw", "exclusiveGateway", None, "one"))
    if outside_above:
        d.add(Node("refuse", "userTask", "Từ chối", "one", anchor="gw"))
        d.add(Node("refused", "endEvent", None, "one"))
    d.add(Node("sub", "subProcess", "Giải quyết", None))
    d.add(Node("late", "boundaryEvent", "Quá hạn", "one", attached_to="sub"))
    d.add(Node("inner_start", "startEvent", None, "one", parent="sub"))
    d.add(Node("pay", "userTask", "Nộp tiền", "one", parent="sub"))
    d.add(Node("check", "userTask", "Kiểm tra", "spec", parent="sub"))
    d.add(Node("inner_end", "endEvent", None, "spec", parent="sub"))
    d.add(Node("end", "endEvent", None, "one"))
    for source, target in [("start", "gw"), ("gw", "sub"), ("inner_start", "pay"),
                           ("pay", "check"), ("check", "inner_end"), ("sub", "end")]:  # fmt: skip
        d.flow(source, target)
    if outside_above:
        d.flow("gw", "refuse")
        d.flow("refuse", "refused")
    return d


@pytest.mark.parametrize("outside_above", [True, False])
def test_a_subprocess_in_the_first_lane_leaves_room_above_it(outside_above: bool) -> None:
    """Nodes outside the box in its columns go above it; its timer stays inside the pool."""
    d = _one_stop_subprocess(outside_above=outside_above)
    layout(d)
    xml = to_xml(d)
    assert problems(xml) == []
    drawn = boxes(parse_xml(xml))
    if outside_above:
        assert drawn["refuse"].y + drawn["refuse"].height < drawn["sub"].y < drawn["pay"].y
    assert drawn["pool_p"].y < drawn["late"].y

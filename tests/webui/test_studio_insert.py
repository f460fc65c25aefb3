"""The studio's "insert step" makes room: after several inserts no shape lies over another,
no flow line runs through a shape or hangs loose, every node keeps its lane (its role), flows
keep their ids and conditions, and lint stays clean.

The insertion is bpmn-js modeling done in the browser (``static/studio_insert.js``), so it is
tested there: the module runs with bpmn-js in Chromium on a blank page (no server), and the
XML it saves is measured here (`bpmn.geometry`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from bpmn.geometry import BPMN, BPMNDI, DC, DI, boxes, lanes_of, problems
from bpmn.geometry_edges import line_problems, waypoints
from bpmn.lint import lint_model
from engine.xml_safety import parse_xml
from tests.webui.conftest import ROOT

pytestmark = pytest.mark.browser

FLOWS = ROOT / "bpmn" / "flows"
MIWG = Path("/work/shared/bpmn-miwg-reference")
MODELS = {
    "birth": FLOWS / "birth_residence_card.bpmn",
    "death": FLOWS / "death_residence_funeral.bpmn",
    "enterprise": FLOWS / "enterprise_tax_insurance.bpmn",
    "land (payment step at the counter)": FLOWS / "land_transfer_tax.bpmn",
    **{path.stem: path for path in sorted(FLOWS.glob("sep_*.bpmn"))},  # one agency's own part
    "one-stop template": ROOT / "bpmn" / "templates" / "standard_one_stop.bpmn",
    "MIWG C.1.0 (two pools)": MIWG / "C.1.0.bpmn",
    "MIWG C.2.0 (four pools, a subprocess)": MIWG / "C.2.0.bpmn",
    "MIWG C.3.0 (no pool, boundary events)": MIWG / "C.3.0.bpmn",
}
SCRIPTS = (
    ROOT / "node_modules" / "bpmn-js" / "dist" / "bpmn-modeler.production.min.js",
    ROOT / "webui" / "static" / "studio_moddle.js",
    ROOT / "webui" / "static" / "studio_routing.js",
    ROOT / "webui" / "static" / "studio_insert.js",
)
OPEN = """async xml => {
  if (window.modeler) { window.modeler.destroy(); }
  window.modeler = new BpmnJS({ container: "#canvas",
    additionalModules: [StudioInsertModule], moddleExtensions: { lt: LT_MODDLE } });
  await window.modeler.importXML(xml);
}"""
INSERT = """id => {
  const m = window.modeler;
  const shape = m.get("studioInsert").insertStep(m.get("elementRegistry").get(id));
  return shape && shape.id;
}"""
#: a user task is in no lane in a model without lanes, as the model's own user tasks are
UNLANED = {"E-LANE-ROLE"}
SAVE = "async () => (await window.modeler.saveXML({ format: true })).xml"


@pytest.fixture
def studio(browser: Any) -> Iterator[Any]:
    """A blank page with bpmn-js, the studio's moddle extension and its insert module."""
    context = browser.new_context()
    page = context.new_page()
    page.set_content('<div id="canvas" style="width: 1600px; height: 1000px"></div>')
    for script in SCRIPTS:
        page.add_script_tag(path=str(script))
    yield page
    context.close()


def open_model(page: Any, data: bytes) -> None:
    page.evaluate(OPEN, data.decode("utf-8"))


def saved(page: Any) -> bytes:
    return page.evaluate(SAVE).encode("utf-8")


def flows(xml: bytes) -> dict[str, etree._Element]:
    return {f.get("id"): f for f in parse_xml(xml).iter(f"{{{BPMN}}}sequenceFlow")}


def lines(xml: bytes) -> dict[str, list[tuple[float, float]]]:
    """Flow id → its line's waypoints."""
    return {
        edge.get("bpmnElement"): waypoints(edge)
        for edge in parse_xml(xml).iter(f"{{{BPMNDI}}}BPMNEdge")
    }


def errors(xml: bytes) -> set[tuple[str | None, str]]:
    return {(f.element_id, f.code) for f in lint_model(xml) if f.severity == "error"}


def insert_points(xml: bytes) -> list[str]:
    """Where a designer would insert: after the start, inside a subprocess, on a gateway's
    second branch (a selected flow), after a boundary event — whichever the model has."""
    tree = parse_xml(xml)
    out: dict[str, list[etree._Element]] = {}
    for flow in tree.iter(f"{{{BPMN}}}sequenceFlow"):
        out.setdefault(flow.get("sourceRef"), []).append(flow)
    drawn = boxes(tree)

    def first(xpath: str) -> str | None:
        for el in tree.xpath(xpath, namespaces={"b": BPMN}):
            if el.get("id") in drawn and out.get(el.get("id")):
                return el.get("id")
        return None

    branches = [
        out[g.get("id")][1].get("id")
        for g in tree.xpath("//*[contains(local-name(), 'Gateway')]")
        if len(out.get(g.get("id"), [])) > 1
    ]
    picks = [
        first("//b:process/b:startEvent"),
        first("//b:subProcess/b:userTask | //b:subProcess/b:task | //b:subProcess/b:serviceTask"),
        branches[0] if branches else None,
        first("//b:boundaryEvent"),
    ]
    return [p for p in picks if p]


def transposed(xml: bytes) -> bytes:
    """The same diagram drawn top to bottom: a vertical pool whose lanes are columns."""
    tree = parse_xml(xml)
    for el in tree.iter(f"{{{DC}}}Bounds", f"{{{DI}}}waypoint"):
        x, y = el.get("x"), el.get("y")
        el.set("x", y)
        el.set("y", x)
        if el.get("width") is not None:
            w, h = el.get("width"), el.get("height")
            el.set("width", h)
            el.set("height", w)
    for shape in tree.iter(f"{{{BPMNDI}}}BPMNShape"):
        if shape.get("isHorizontal") is not None or shape.get("bpmnElement", "").startswith(
            ("pool_", "lane_")
        ):
            shape.set("isHorizontal", "false")
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("name", [*MODELS, "birth, drawn top to bottom"])
def test_several_inserts_leave_no_shape_over_another(studio: Any, name: str) -> None:
    path = MODELS.get(name, MODELS["birth"])
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    before = path.read_bytes() if name in MODELS else transposed(path.read_bytes())
    assert problems(before) == line_problems(before) == []  # the check starts from a clean drawing
    open_model(studio, before)
    lanes, old_flows = lanes_of(before), flows(before)
    points = insert_points(before)
    assert len(points) >= 2, points
    added: dict[str, tuple[str, str | None]] = {}  # new step → (its source, the flow it is on)
    for point in points:
        new = studio.evaluate(INSERT, point)
        flow = point if point in old_flows else None
        source = old_flows[flow].get("sourceRef") if flow else point
        added[new] = (source, flow)
        again = studio.evaluate(INSERT, new)  # a second step right after the first
        added[again] = (new, None)
    after = saved(studio)
    new_flows = flows(after)
    target = {f.get("sourceRef"): f.get("targetRef") for f in new_flows.values()}

    assert problems(after) == []
    assert line_problems(after) == []  # moved and new lines run around every shape, attached
    now = lanes_of(after)
    assert {n: now[n] for n in lanes} == lanes  # nothing changed lane (nor role)
    for new, (source, _) in added.items():
        assert now[new] == now[source], new
    found = errors(after)
    assert {e for e in found if e[0] not in added} <= errors(before)  # no new error elsewhere
    if not errors(before):  # the product's models: the new steps lint clean too
        assert found == set()
    for new, (source, _) in added.items():  # else a new step errs only as its neighbours do
        said = {code for element, code in found if element == new}
        near = {code for element, code in found if element in (source, target[new])}
        assert said <= near | UNLANED, new
    for new, (_, flow) in added.items():
        if flow:  # the selected flow keeps its id and condition, and now ends at the new step
            assert new_flows[flow].get("targetRef") == new
            assert new_flows[flow].get("sourceRef") == old_flows[flow].get("sourceRef")
    tree = parse_xml(after)
    for gateway in tree.iter(f"{{{BPMN}}}exclusiveGateway"):
        if gateway.get("default"):
            assert new_flows[gateway.get("default")].get("sourceRef") == gateway.get("id")


def test_the_check_sees_a_step_dropped_without_room(studio: Any) -> None:
    """The studio's old insertion (halfway along the flow, nothing moved) fails the check."""
    before = MODELS["birth"].read_bytes()
    open_model(studio, before)
    studio.evaluate(
        """() => { const m = window.modeler, r = m.get("elementRegistry");
        const s = r.get("receive"), t = r.get("gw_receive");
        m.get("modeling").createShape({ type: "bpmn:UserTask" },
          { x: (s.x + s.width / 2 + t.x + t.width / 2) / 2, y: s.y + s.height / 2 }, s.parent); }"""
    )
    assert any("chồng lên" in p for p in problems(saved(studio)))


def test_one_undo_takes_an_insert_back_whole(studio: Any) -> None:
    before = MODELS["birth"].read_bytes()
    open_model(studio, before)
    first = studio.evaluate(INSERT, "appraise_birth")  # inside the subprocess
    studio.evaluate(INSERT, "receive")
    inserted = saved(studio)
    studio.evaluate("() => { const s = window.modeler.get('commandStack'); s.undo(); s.undo(); }")
    undone = saved(studio)
    assert boxes(parse_xml(undone)) == boxes(parse_xml(before))
    assert lines(undone) == lines(before)  # the lines drawn again are taken back too
    assert lanes_of(undone) == lanes_of(before)
    studio.evaluate("() => { const s = window.modeler.get('commandStack'); s.redo(); s.redo(); }")
    redone = saved(studio)
    assert boxes(parse_xml(redone)) == boxes(parse_xml(inserted))
    assert lines(redone) == lines(inserted)
    assert lanes_of(redone)[first] == "lane_civil_status"


def test_nothing_is_inserted_where_no_flow_leaves(studio: Any) -> None:
    before = MODELS["birth"].read_bytes()
    open_model(studio, before)
    assert studio.evaluate(INSERT, "result_returned") is None  # an end event
    assert boxes(parse_xml(saved(studio))) == boxes(parse_xml(before))


def test_a_line_broken_before_the_insert_stays_as_the_designer_drew_it(studio: Any) -> None:
    """Only lines the insert broke are drawn again: one the designer routed over a shape
    elsewhere is theirs to fix (lint tells them), not the insert's to move."""
    before = MODELS["birth"].read_bytes()
    open_model(studio, before)
    studio.evaluate(
        """() => { const m = window.modeler, r = m.get("elementRegistry");
        const f = r.get("f_gw_receive__notify_refusal"), over = r.get("receive");
        m.get("modeling").updateWaypoints(f, [f.waypoints[0],
          { x: f.waypoints[0].x, y: over.y + over.height / 2 },
          { x: over.x + over.width / 2, y: over.y + over.height / 2 },
          { x: over.x + over.width / 2, y: over.y - 20 },
          { x: f.waypoints[f.waypoints.length - 1].x, y: over.y - 20 },
          f.waypoints[f.waypoints.length - 1]]); }"""
    )
    drawn = saved(studio)
    assert any("f_gw_receive__notify_refusal cắt ngang receive" in p for p in line_problems(drawn))
    studio.evaluate(INSERT, "appraise_birth")  # far from that line: nothing there moves
    after = saved(studio)
    flow = "f_gw_receive__notify_refusal"
    assert lines(after)[flow] == lines(drawn)[flow]
    assert set(line_problems(after)) == set(line_problems(drawn))

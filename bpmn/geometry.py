"""What a readable diagram promises, read from a model's BPMNDI: no shape over another.

Flow nodes lie apart, each expanded subprocess is drawn around its own content only, and every
node lies inside its pool and inside the lane that names it. The layout (`bpmn.layout`) keeps
these promises for every model the product generates, the studio's "insert step" keeps them
when a designer edits one, and lint warns a designer whose drawing breaks them (a warning:
the engine never reads the diagram). `problems(xml)` lists each broken promise in words.
Sequence-flow lines have promises of their own (`bpmn.geometry_edges`: drawn, attached to
their ends, through no other shape); lint warns about both kinds, with the codes below.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from bpmn.lint import Finding, warning
from bpmn.lint_rules import lanes_by_node
from engine.xml_safety import parse_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
CONTAINERS = ("participant", "lane", "group")  # drawn around other shapes by design
BOXES = ("subProcess", "transaction", "adHocSubProcess")  # expanded: drawn around their content
#: drawn anywhere, inside a pool or not (an annotation beside it, a database outside it)
ARTIFACTS = ("textAnnotation", "association", "dataObjectReference", "dataStoreReference",
             "dataInput", "dataOutput")  # fmt: skip
OVERLAP, OUTSIDE = "W-SHAPE-OVERLAP", "W-SHAPE-OUTSIDE"
MISSING, WAYPOINTS = "W-EDGE-MISSING", "W-EDGE-WAYPOINTS"
DETACHED, CROSSES = "W-EDGE-DETACHED", "W-EDGE-CROSSES-SHAPE"
_VI = {OVERLAP: "Hình vẽ chồng lên hình khác", OUTSIDE: "Hình vẽ nằm ngoài phần chứa nó",
       MISSING: "Luồng tuần tự chưa có đường nối trên hình vẽ",
       WAYPOINTS: "Đường nối có ít hơn hai điểm",
       DETACHED: "Đầu đường nối không chạm hình nguồn hoặc hình đích",
       CROSSES: "Đường nối cắt ngang hình khác"}  # fmt: skip


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    def overlaps(self, other: Box) -> bool:
        """Share area (touching edges do not count)."""
        return (
            self.x < other.x + other.width
            and other.x < self.x + self.width
            and self.y < other.y + other.height
            and other.y < self.y + self.height
        )

    def holds(self, other: Box) -> bool:
        return (
            self.x <= other.x
            and self.y <= other.y
            and other.x + other.width <= self.x + self.width
            and other.y + other.height <= self.y + self.height
        )

    def holds_centre_of(self, other: Box) -> bool:
        cx, cy = other.x + other.width / 2, other.y + other.height / 2
        return self.x <= cx <= self.x + self.width and self.y <= cy <= self.y + self.height


@dataclass(frozen=True)
class Problem:
    """One broken promise: the element drawn wrongly, which promise (a lint code), in words."""

    element_id: str | None
    code: str
    text: str


def boxes(root: etree._ElementTree) -> dict[str, Box]:
    """Element id → the bounds of its shape (shapes without complete bounds are left out)."""
    found = {}
    for shape in root.iter(f"{{{BPMNDI}}}BPMNShape"):
        bounds = shape.find(f"{{{DC}}}Bounds")
        try:
            found[shape.get("bpmnElement")] = Box(
                *(float(bounds.get(k)) for k in ("x", "y", "width", "height"))
            )
        except (AttributeError, TypeError, ValueError):  # a hand-edited file: nothing to measure
            continue
    return found


def expanded(root: etree._ElementTree) -> set[str]:
    return {
        s.get("bpmnElement")
        for s in root.iter(f"{{{BPMNDI}}}BPMNShape")
        if s.get("isExpanded") == "true"
    }


def problems(xml: bytes) -> list[str]:
    """Every overlap or misplaced node in the model's diagram, in words."""
    return [p.text for p in drawing_problems(parse_xml(xml))]


def lint_drawing(root: etree._ElementTree) -> list[Finding]:
    """Warn where the drawing breaks a promise, so a designer sees what a viewer would hide."""
    from bpmn.geometry_edges import edge_problems  # it measures lines with this module's boxes

    found = drawing_problems(root) + edge_problems(root)
    return [warning(p.element_id, p.code, p.text, _VI[p.code]) for p in found]


def drawing_problems(root: etree._ElementTree) -> list[Problem]:
    """Every overlap or misplaced node in a parsed model's diagrams, each measured alone."""
    by_id = {e.get("id"): e for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    lanes = lanes_by_node(root)
    found = []
    for plane in root.iter(f"{{{BPMNDI}}}BPMNPlane"):
        found += _plane_problems(plane, by_id, lanes)
    return found


def _plane_problems(plane: etree._Element, by_id: dict, lanes: dict) -> list[Problem]:
    """What one diagram breaks (a file may draw its pools in several, placed independently)."""
    box = boxes(plane)
    kind = {i: etree.QName(by_id[i]).localname for i in box if i in by_id}
    opened = expanded(plane)
    open_boxes = opened & {i for i in box if kind.get(i) in BOXES}
    # an expanded call activity draws another process's content: none of its own to check
    skip = {i for i in box if kind.get(i) in CONTAINERS or (kind.get(i) == "callActivity"
                                                            and i in opened)}  # fmt: skip
    host = {i: by_id[i].get("attachedToRef") for i in box if kind.get(i) == "boundaryEvent"}
    nodes = [i for i in box if i not in skip and i not in open_boxes]
    found = []
    for n, a in enumerate(nodes):
        for b in nodes[n + 1 :]:
            if host.get(a) == b or host.get(b) == a:
                continue  # a boundary event sits on its host's border
            if box[a].overlaps(box[b]):
                found.append(Problem(a, OVERLAP, f"{a} chồng lên {b}"))
    for sub in open_boxes:
        on_border = {i for i, h in host.items() if h == sub}
        found += _subprocess(sub, box, by_id, open_boxes, skip | on_border)
    return found + _pools(box, by_id) + _lanes(box, lanes, host)


def _subprocess(sub: str, box: dict, by_id: dict, open_boxes: set, skip: set) -> list[Problem]:
    """A subprocess's content inside its box, and nothing else over it but its enclosers."""
    inner = {e.get("id") for e in by_id[sub].iterdescendants() if e.get("id") in box}
    found = []
    for other in box:
        if other == sub or other in skip:
            continue
        if other in inner and not box[sub].holds(box[other]):
            found.append(Problem(other, OUTSIDE, f"{other} lòi ra ngoài quy trình con {sub}"))
        elif other not in inner and box[sub].overlaps(box[other]):
            if not (other in open_boxes and inner_of(by_id[sub], other)):
                found.append(Problem(other, OVERLAP, f"{other} nằm đè lên quy trình con {sub}"))
    return found


def _lanes(box: dict, lanes: dict, host: dict) -> list[Problem]:
    """Each node drawn in the lane that names it (a boundary event: on its host instead)."""
    found = []
    for node, lane in lanes.items():
        if node in box and lane is not None and lane.get("id") in box:
            own = node in {(r.text or "").strip() for r in lane.iter(f"{{{BPMN}}}flowNodeRef")}
            if own and node not in host and not box[lane.get("id")].holds_centre_of(box[node]):
                text = f"{node} được vẽ ngoài làn {lane.get('id')} của nó"
                found.append(Problem(node, OUTSIDE, text))
    return found


def inner_of(element: etree._Element, ancestor_id: str) -> bool:
    return any(a.get("id") == ancestor_id for a in element.iterancestors())


def _pools(box: dict[str, Box], by_id: dict) -> list[Problem]:
    """Each flow node of a drawn pool's process inside that pool."""
    found = []
    pools = [by_id[i] for i in box if i in by_id and etree.QName(by_id[i]).localname
             == "participant"]  # fmt: skip
    for pool in pools:
        process = by_id.get(pool.get("processRef"))
        if process is None:
            continue
        for el in process.iterdescendants():
            nid = el.get("id") if isinstance(el.tag, str) else None
            if nid not in box or etree.QName(el).localname in ARTIFACTS:
                continue
            if not box[pool.get("id")].holds(box[nid]):
                text = f"{nid} lòi ra ngoài pool {pool.get('id')}"
                found.append(Problem(nid, OUTSIDE, text))
    return found


def lanes_of(xml: bytes) -> dict[str, str | None]:
    """Flow node id → the id of the lane the engine gives it (SpiffWorkflow's rule)."""
    tree = parse_xml(xml)
    return {
        node: (lane.get("id") if lane is not None else None)
        for node, lane in lanes_by_node(tree).items()
    }

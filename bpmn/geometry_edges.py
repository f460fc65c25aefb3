"""What a readable diagram promises of its sequence-flow lines, read from a model's BPMNDI.

Every sequence flow whose two ends are drawn is drawn too, as a line of at least two waypoints
that starts on the border of its source, ends on the border of its target and passes through
no other flow node: a viewer draws whatever the file says, so a line left behind by a drag, or
routed over a step, reads as a flow that is not there. `bpmn.geometry` reports these beside
its shape checks, as lint warnings (the engine never reads the diagram). `line_problems(xml)`
is kept apart from `bpmn.geometry.problems(xml)`: the studio's "insert step" promises room
for the new shape, not yet new routes for the lines around it.
"""

from __future__ import annotations

from itertools import pairwise

from lxml import etree

from bpmn.geometry import (
    ARTIFACTS,
    BOXES,
    BPMN,
    BPMNDI,
    CONTAINERS,
    CROSSES,
    DETACHED,
    DI,
    MISSING,
    WAYPOINTS,
    Box,
    Problem,
    boxes,
    expanded,
)
from bpmn.routing import crosses
from engine.xml_safety import parse_xml

#: how far from its shape's outline a line's end may stop and still read as attached: bpmn-js
#: docks ends exactly on the outline, hand-drawn files and integer rounding stray a few pixels
NEAR = 10.0
#: how far inside an end may sit: an event's circle and a gateway's diamond lie inside their
#: bounds (a diamond's side is 12.5 px in from a 50 px gateway's box), a task's edge does not
INSIDE = 15.0
Point = tuple[float, float]


def line_problems(xml: bytes) -> list[str]:
    """Every badly drawn sequence-flow line in the model's diagram, in words."""
    return [p.text for p in edge_problems(parse_xml(xml))]


def edge_problems(root: etree._ElementTree) -> list[Problem]:
    """Every sequence flow drawn badly, or not at all though both its ends are drawn."""
    by_id = {e.get("id"): e for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    flows = {i: e for i, e in by_id.items() if etree.QName(e).localname == "sequenceFlow"}
    drawn: set[str] = set()
    found: list[Problem] = []
    shown: list[set[str]] = []  # the shapes of each diagram
    for plane in root.iter(f"{{{BPMNDI}}}BPMNPlane"):
        box = boxes(plane)
        shown.append(set(box))
        obstacles = _obstacles(plane, box, by_id)
        for edge in plane.iter(f"{{{BPMNDI}}}BPMNEdge"):
            flow = flows.get(edge.get("bpmnElement"))
            if flow is not None:
                drawn.add(flow.get("id"))
                found += _edge(flow, waypoints(edge), box, obstacles)
    for fid, flow in flows.items():
        ends = {flow.get("sourceRef"), flow.get("targetRef")}
        if fid not in drawn and any(ends <= shapes for shapes in shown):
            text = f"luồng tuần tự {fid} chưa có đường nối trên hình vẽ"
            found.append(Problem(fid, MISSING, text))
    return found


def waypoints(edge: etree._Element) -> list[Point]:
    """The line's points in order (a point without both coordinates is left out)."""
    points = []
    for point in edge.iter(f"{{{DI}}}waypoint"):
        try:
            points.append((float(point.get("x")), float(point.get("y"))))
        except (TypeError, ValueError):
            continue
    return points


def _obstacles(plane: etree._Element, box: dict[str, Box], by_id: dict) -> dict[str, Box]:
    """The shapes a line may not pass through: flow nodes, not pools, lanes or annotations.

    An expanded call activity draws another process's content, which the line may not know.
    """
    opened = expanded(plane)
    found = {}
    for sid, bounds in box.items():
        kind = etree.QName(by_id[sid]).localname if sid in by_id else None
        if kind is None or kind in CONTAINERS or kind in ARTIFACTS:
            continue
        if kind == "callActivity" and sid in opened:
            continue
        found[sid] = bounds
    return found


def _edge(flow: etree._Element, points: list[Point], box: dict[str, Box],
          obstacles: dict[str, Box]) -> list[Problem]:  # fmt: skip
    """What one drawn sequence flow breaks: too few points, a loose end, a shape crossed."""
    fid, source, target = flow.get("id"), flow.get("sourceRef"), flow.get("targetRef")
    if len(points) < 2:
        return [Problem(fid, WAYPOINTS, f"đường nối của {fid} chỉ có {len(points)} điểm")]
    found = []
    for end, node, point in (("bắt đầu", source, points[0]), ("kết thúc", target, points[-1])):
        if node in box and not attached(point, box[node]):
            x, y = point
            text = f"đường nối của {fid} {end} tại ({x:g}, {y:g}), cách xa {node}"
            found.append(Problem(fid, DETACHED, text))
    passed = _excused(flow, source, target)
    for sid, bounds in obstacles.items():
        if sid not in passed and any(crosses(a, b, bounds) for a, b in pairwise(points)):
            found.append(Problem(fid, CROSSES, f"đường nối của {fid} cắt ngang {sid}"))
    return found


def _excused(flow: etree._Element, source: str | None, target: str | None) -> set[str]:
    """Shapes a flow's line may cross: its ends, the subprocesses it lies in, its ends' hosts
    and boundary events (a line leaves a boundary event over its host, and an event sits on
    the border its host's lines dock on)."""
    excused = {source, target} | {a.get("id") for a in flow.iterancestors()
                                  if etree.QName(a).localname in BOXES}  # fmt: skip
    root = flow.getroottree()
    for node in (source, target):
        for el in root.iter(f"{{{BPMN}}}boundaryEvent"):
            if el.get("id") == node or el.get("attachedToRef") == node:
                excused |= {el.get("id"), el.get("attachedToRef")}
    return excused


def attached(point: Point, bounds: Box) -> bool:
    """Whether a line's end lies on the shape's outline, give or take a few pixels."""
    x, y = point
    right, bottom = bounds.x + bounds.width, bounds.y + bounds.height
    outside = max(bounds.x - x, 0.0, x - right), max(bounds.y - y, 0.0, y - bottom)
    if outside != (0.0, 0.0):
        return (outside[0] ** 2 + outside[1] ** 2) ** 0.5 <= NEAR
    return min(x - bounds.x, right - x, y - bounds.y, bottom - y) <= INSIDE

"""A small in-memory BPMN diagram (lanes, nodes, flows) that serializes to BPMN 2.0 XML.

The generator builds one of these per procedure; `bpmn.layout` gives every node and flow its
geometry; `to_xml` writes the semantic model and the BPMNDI that viewers need.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
LT = "urn:lienthong:bpmn:1"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "lt": LT,
         "spiffworkflow": SPIFF, "xsi": XSI}  # fmt: skip
SIZES = {"task": (100, 80), "event": (36, 36), "gateway": (50, 50)}


@dataclass
class Lane:
    id: str
    name: str
    role: str
    agency: str | None = None
    y: float = 0.0
    height: float = 0.0


@dataclass
class Node:
    id: str
    kind: str  # BPMN local name: userTask, serviceTask, startEvent, subProcess...
    name: str | None
    lane: str | None  # lane id; None for the subprocess itself (see the template's note)
    parent: str | None = None  # id of the enclosing subProcess
    attrs: dict[str, str] = field(default_factory=dict)  # lt: attributes, without prefix
    default: str | None = None  # gateways: id of the default flow
    operation: str | None = None  # service tasks: "adapter.operation"
    parameters: dict[str, str] = field(default_factory=dict)  # service task id → expression
    attached_to: str | None = None  # boundary events
    timer_date: str | None = None  # boundary timer expression
    anchor: str | None = None  # layout: place right after this node, drawing others as loops
    x: float = 0.0  # bounds, filled in by the layout
    y: float = 0.0
    width: float = 0.0
    height: float = 0.0

    @property
    def shape(self) -> str:
        if self.kind.endswith("Gateway"):
            return "gateway"
        if self.kind.endswith("Event"):
            return "event"
        return "task"


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str | None = None
    condition: str | None = None
    waypoints: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class Diagram:
    process_id: str
    name: str
    lanes: list[Lane] = field(default_factory=list)
    nodes: dict[str, Node] = field(default_factory=dict)
    flows: list[Flow] = field(default_factory=list)
    documentation: str = ""
    pool: tuple[float, float, float, float] = (0, 0, 0, 0)

    def add(self, node: Node) -> Node:
        self.nodes[node.id] = node
        return node

    def flow(self, source: str, target: str, name: str | None = None,
             condition: str | None = None) -> Flow:  # fmt: skip
        flow = Flow(f"f_{source}__{target}", source, target, name, condition)
        self.flows.append(flow)
        return flow


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _sub(parent: etree._Element, ns: str, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, _q(ns, tag), {k: v for k, v in attrs.items() if v is not None})


def to_xml(diagram: Diagram) -> bytes:
    """Serialize the diagram (semantic model + BPMNDI) as UTF-8 BPMN 2.0 XML."""
    pid = diagram.process_id
    root = etree.Element(_q(BPMN, "definitions"), nsmap=NSMAP, id=f"defs_{pid}",
                         targetNamespace="urn:lienthong:catalogue", exporter="LiênThông generator",
                         exporterVersion="1")  # fmt: skip
    collab = _sub(root, BPMN, "collaboration", id=f"collab_{pid}")
    _sub(collab, BPMN, "participant", id=f"pool_{pid}", name=diagram.name, processRef=pid)
    process = _sub(root, BPMN, "process", id=pid, name=diagram.name, isExecutable="true")
    if diagram.documentation:
        _sub(process, BPMN, "documentation").text = diagram.documentation
    lane_set = _sub(process, BPMN, "laneSet", id=f"lanes_{pid}")
    for lane in diagram.lanes:
        el = _sub(lane_set, BPMN, "lane", id=lane.id, name=lane.name)
        el.set(_q(LT, "role"), lane.role)
        if lane.agency:
            el.set(_q(LT, "agency"), lane.agency)
        for node in diagram.nodes.values():
            if node.lane == lane.id:
                _sub(el, BPMN, "flowNodeRef").text = node.id
    containers = {None: process}
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for flow in diagram.flows:
        outgoing.setdefault(flow.source, []).append(flow.id)
        incoming.setdefault(flow.target, []).append(flow.id)
    for node in diagram.nodes.values():  # parents are added before their children
        el = _sub(containers[node.parent], BPMN, node.kind, id=node.id, name=node.name)
        for key, value in node.attrs.items():
            el.set(_q(LT, key), value)
        if node.default:
            el.set("default", node.default)
        if node.attached_to:
            el.set("attachedToRef", node.attached_to)
            el.set("cancelActivity", "false")
        if node.operation:
            ext = _sub(el, BPMN, "extensionElements")
            op = _sub(ext, SPIFF, "serviceTaskOperator", id=node.operation,
                      resultVariable=node.operation.replace(".", "_"))  # fmt: skip
            params = _sub(op, SPIFF, "parameters")
            for pid_, value in node.parameters.items():
                _sub(params, SPIFF, "parameter", id=pid_, type="str", value=value)
        for flow_id in incoming.get(node.id, []):
            _sub(el, BPMN, "incoming").text = flow_id
        for flow_id in outgoing.get(node.id, []):
            _sub(el, BPMN, "outgoing").text = flow_id
        if node.timer_date:
            timer = _sub(el, BPMN, "timerEventDefinition", id=f"{node.id}_def")
            date = _sub(timer, BPMN, "timeDate")
            date.set(_q(XSI, "type"), "bpmn:tFormalExpression")
            date.text = node.timer_date
        if node.kind == "subProcess":
            containers[node.id] = el
    for flow in diagram.flows:
        parent = diagram.nodes[flow.source].parent
        el = _sub(containers[parent], BPMN, "sequenceFlow", id=flow.id, name=flow.name,
                  sourceRef=flow.source, targetRef=flow.target)  # fmt: skip
        if flow.condition:
            cond = _sub(el, BPMN, "conditionExpression")
            cond.set(_q(XSI, "type"), "bpmn:tFormalExpression")
            cond.text = flow.condition
    _write_di(root, diagram)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _bounds(parent: etree._Element, x: float, y: float, w: float, h: float) -> None:
    _sub(parent, DC, "Bounds", x=_n(x), y=_n(y), width=_n(w), height=_n(h))


def _n(value: float) -> str:
    return str(int(round(value)))


def _write_di(root: etree._Element, diagram: Diagram) -> None:
    pid = diagram.process_id
    dia = _sub(root, BPMNDI, "BPMNDiagram", id=f"diagram_{pid}")
    plane = _sub(dia, BPMNDI, "BPMNPlane", id=f"plane_{pid}", bpmnElement=f"collab_{pid}")
    pool = _sub(plane, BPMNDI, "BPMNShape", id=f"pool_{pid}_di", bpmnElement=f"pool_{pid}",
                isHorizontal="true")  # fmt: skip
    _bounds(pool, *diagram.pool)
    px, _, pw, _ = diagram.pool
    for lane in diagram.lanes:
        shape = _sub(plane, BPMNDI, "BPMNShape", id=f"{lane.id}_di", bpmnElement=lane.id,
                     isHorizontal="true")  # fmt: skip
        _bounds(shape, px + 30, lane.y, pw - 30, lane.height)
    for node in diagram.nodes.values():
        shape = _sub(plane, BPMNDI, "BPMNShape", id=f"{node.id}_di", bpmnElement=node.id)
        if node.kind == "subProcess":
            shape.set("isExpanded", "true")
        if node.kind.endswith("Gateway"):
            shape.set("isMarkerVisible", "true")
        _bounds(shape, node.x, node.y, node.width, node.height)
    for flow in diagram.flows:
        edge = _sub(plane, BPMNDI, "BPMNEdge", id=f"{flow.id}_di", bpmnElement=flow.id)
        for x, y in flow.waypoints:
            _sub(edge, DI, "waypoint", x=_n(x), y=_n(y))

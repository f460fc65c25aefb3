"""Turn BPMN bytes into a SpiffWorkflow spec plus the LiênThông facts the engine needs.

This is the one door through which a process model enters the engine: the bytes are parsed by
the hardened parser, schema-checked, handed to SpiffWorkflow, and every expression or script
in them is checked statically, so a model that is hostile or broken fails here, at deploy
time, with `InvalidModel` — never later inside a running dossier.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from lxml import etree
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask as ServiceTaskMixin
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from engine.errors import InvalidModel
from engine.expressions import check as check_expression
from engine.sandbox import check_script
from engine.working_timers import read_working_time
from engine.xml_safety import BPMN_MODEL_NS, DEFAULT_MAX_BYTES, parse_xml

LT_NS = "urn:lienthong:bpmn:1"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NSMAP = {"bpmn": BPMN_MODEL_NS, "lt": LT_NS, "spiffworkflow": SPIFF_NS}
ROLES = frozenset({"one_stop_officer", "specialist", "head_of_unit", "leader", "citizen", "system"})
ACTIONS = frozenset({"supplement", "refuse", "forward"})


@dataclass(frozen=True)
class LaneInfo:
    """A lane of the diagram: who (role) of which agency may take the tasks in it."""

    name: str
    role: str | None
    agency: str | None


@dataclass(frozen=True)
class ElementInfo:
    """One flow node of the diagram with the `lt:` attributes the engine acts on."""

    bpmn_id: str
    kind: str  # the BPMN element's local name: 'userTask', 'serviceTask', 'exclusiveGateway'...
    name: str | None
    lane: str | None
    form: str | None
    deadline_share: float | None
    actions: tuple[str, ...]
    operation: str | None  # adapter operation ("adapter.operation") for service tasks
    #: `lt:workingDays`/`lt:workingHours` of a timer event (`engine.working_timers`).
    timer_amount: float | None = None
    timer_unit: str | None = None


@dataclass
class ParsedModel:
    """Everything the engine keeps from one parsed model version."""

    process_id: str
    content_hash: str  # sha256 hex of the raw bytes
    spec: BpmnProcessSpec
    subprocess_specs: dict
    lanes: dict[str, LaneInfo]  # keyed by lane name (SpiffWorkflow's task_spec.lane)
    elements: dict[str, ElementInfo]


def parse_model(
    data: bytes,
    *,
    process_id: str | None = None,
    filename: str = "model.bpmn",
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ParsedModel:
    """Parse and check a BPMN model; raise `InvalidModel` for anything unusable or unsafe."""
    tree = parse_xml(data, max_bytes=max_bytes)
    findings = check_model_code(tree)
    if findings:
        first = findings[0]
        raise InvalidModel(
            f"{filename}: {len(findings)} biểu thức/script không an toàn hoặc không hợp lệ; "
            f"chỗ đầu tiên ở {first['element_id']}: {first['message']}",
            findings,
        )
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(tree, filename=filename)
        chosen = _choose_process(parser, tree, process_id, filename)
        spec = parser.get_spec(chosen)
        subprocess_specs = parser.get_subprocess_specs(chosen)
    except InvalidModel:
        raise
    except SpiffWorkflowException as exc:
        raise _from_spiff(exc, filename) from None
    except Exception as exc:  # SpiffWorkflow raises bare KeyError/AttributeError on odd XML
        raise InvalidModel(
            f"{filename}: không phân tích được mô hình BPMN ({type(exc).__name__}: {exc})"
        ) from None
    lanes = _lanes(tree, filename)
    all_specs = [spec, *subprocess_specs.values()]
    elements = _elements(tree, all_specs, lanes, filename)
    for proc_spec in all_specs:
        for task_spec in proc_spec.task_specs.values():
            if isinstance(task_spec, ServiceTaskMixin):
                # The engine runs service tasks itself, through an executor and outside the
                # caller's transaction: do_engine_steps must stop at them.
                task_spec.manual = True
    return ParsedModel(
        process_id=chosen,
        content_hash=hashlib.sha256(bytes(data)).hexdigest(),
        spec=spec,
        subprocess_specs=subprocess_specs,
        lanes=lanes,
        elements=elements,
    )


def _from_spiff(exc: SpiffWorkflowException, filename: str) -> InvalidModel:
    """Translate a SpiffWorkflow parse/validation error into `InvalidModel` with its element."""
    element_id = getattr(exc, "id", "") or None
    line = getattr(exc, "line_number", "") or None
    where = f" ở phần tử {element_id!r}" if element_id else ""
    where += f" (dòng {line})" if line else ""
    message = str(exc).strip() or type(exc).__name__
    finding = {"element_id": element_id, "message": message}
    return InvalidModel(f"{filename}: BPMN không hợp lệ{where}: {message}", [finding])


def _choose_process(parser: SpiffBpmnParser, tree, process_id: str | None, filename: str) -> str:
    """Pick the requested process, or the single executable top-level process."""
    known = list(parser.process_parsers)
    if process_id is not None:
        if process_id not in known:
            raise InvalidModel(
                f"{filename}: mô hình không có quy trình {process_id!r} "
                f"(các quy trình có: {', '.join(known)})"
            )
        return process_id
    executable = parser.get_process_ids()
    called = set(tree.xpath("//bpmn:callActivity/@calledElement", namespaces=NSMAP))
    top = [pid for pid in executable if pid not in called]
    if len(top) == 1:
        return top[0]
    if not top:
        raise InvalidModel(
            f"{filename}: không có quy trình nào chạy được "
            '(hãy đặt isExecutable="true" cho một bpmn:process)'
        )
    raise InvalidModel(
        f"{filename}: có nhiều quy trình chạy được ({', '.join(top)}); "
        "hãy chỉ rõ quy trình cần dùng"
    )


def _lanes(tree, filename: str) -> dict[str, LaneInfo]:
    """Read every lane's `lt:role`/`lt:agency`, keyed by lane name as SpiffWorkflow keys them."""
    lanes: dict[str, LaneInfo] = {}
    for lane in tree.xpath("//bpmn:lane", namespaces=NSMAP):
        lane_id = lane.get("id")
        name = (lane.get("name") or "").strip()
        role = lane.get(f"{{{LT_NS}}}role")
        agency = lane.get(f"{{{LT_NS}}}agency")
        if not name:
            raise InvalidModel(
                f"{filename}: làn {lane_id!r} chưa có tên; công việc được giao theo tên làn",
                [{"element_id": lane_id, "message": "làn chưa có tên"}],
            )
        if role is not None and role not in ROLES:
            raise InvalidModel(
                f"{filename}: làn {lane_id!r} có lt:role {role!r} không xác định "
                f"(các vai trò: {', '.join(sorted(ROLES))})",
                [{"element_id": lane_id, "message": f"vai trò {role!r} không xác định"}],
            )
        info = LaneInfo(name=name, role=role, agency=agency or None)
        if name in lanes and lanes[name] != info:
            raise InvalidModel(
                f"{filename}: hai làn cùng tên {name!r} nhưng khác vai trò hoặc cơ quan",
                [{"element_id": lane_id, "message": f"trùng tên làn {name!r}"}],
            )
        lanes[name] = info
    return lanes


def _elements(tree, specs, lanes: dict[str, LaneInfo], filename: str) -> dict[str, ElementInfo]:
    """Describe every diagram element that became a task spec, with its `lt:` attributes."""
    nodes = {node.get("id"): node for node in tree.xpath("//bpmn:*[@id]", namespaces=NSMAP)}
    elements: dict[str, ElementInfo] = {}
    for proc_spec in specs:
        for task_spec in proc_spec.task_specs.values():
            bpmn_id = getattr(task_spec, "bpmn_id", None)
            node = nodes.get(bpmn_id)
            if bpmn_id is None or node is None or bpmn_id in elements:
                continue
            elements[bpmn_id] = _element(node, task_spec, lanes, filename)
    return elements


def _element(node, task_spec, lanes: dict[str, LaneInfo], filename: str) -> ElementInfo:
    """Build one `ElementInfo`, validating the `lt:` attribute values."""
    bpmn_id = node.get("id")
    lane = getattr(task_spec, "lane", None)
    if lane is not None and lane not in lanes:
        lane = None
    share = node.get(f"{{{LT_NS}}}deadlineShare")
    deadline_share = None
    if share is not None:
        try:
            deadline_share = float(share)
        except ValueError:
            deadline_share = -1.0
        if not 0.0 <= deadline_share <= 1.0:  # 0 = the same working day
            raise InvalidModel(
                f"{filename}: phần tử {bpmn_id!r} có lt:deadlineShare={share!r}; "
                "giá trị phải là số từ 0 đến 1",
                [{"element_id": bpmn_id, "message": f"lt:deadlineShare {share!r} không hợp lệ"}],
            )
    actions = tuple((node.get(f"{{{LT_NS}}}actions") or "").split())
    unknown = [action for action in actions if action not in ACTIONS]
    if unknown:
        raise InvalidModel(
            f"{filename}: phần tử {bpmn_id!r} có lt:actions không xác định: {', '.join(unknown)} "
            f"(các giá trị: {', '.join(sorted(ACTIONS))})",
            [{"element_id": bpmn_id, "message": f"lt:actions không xác định: {unknown}"}],
        )
    try:
        working = read_working_time(node)
    except ValueError as exc:
        raise InvalidModel(
            f"{filename}: phần tử {bpmn_id!r}: {exc}",
            [{"element_id": bpmn_id, "message": str(exc)}],
        ) from None
    return ElementInfo(
        bpmn_id=bpmn_id,
        kind=etree.QName(node).localname,
        name=node.get("name"),
        lane=lane,
        form=node.get(f"{{{LT_NS}}}form") or None,
        deadline_share=deadline_share,
        actions=actions,
        operation=getattr(task_spec, "operation_name", None),
        timer_amount=working.amount if working else None,
        timer_unit=working.unit if working else None,
    )


# Where SpiffWorkflow finds code in a diagram: XPath → whether it is a script (else expression).
_CODE_PATHS = (
    ("//bpmn:conditionExpression", False),
    ("//bpmn:timerEventDefinition/*", False),
    ("//bpmn:loopCardinality", False),
    ("//bpmn:completionCondition", False),
    ("//bpmn:conditionalEventDefinition/bpmn:condition", False),
    ("//bpmn:correlationPropertyRetrievalExpression/*", False),
    ("//spiffworkflow:messagePayload", False),
    ("//spiffworkflow:parameter/@value", False),
    ("//bpmn:scriptTask/bpmn:script", True),
    ("//spiffworkflow:preScript", True),
    ("//spiffworkflow:postScript", True),
)


def check_model_code(tree) -> list[dict]:
    """Statically check every expression and script in the diagram; return the findings."""
    findings = []
    for path, is_script in _CODE_PATHS:
        for found in tree.xpath(path, namespaces=NSMAP):
            text = str(found) if isinstance(found, str) else (found.text or "")
            node = found.getparent() if isinstance(found, str) else found
            if not text.strip():
                continue
            problems = check_script(text) if is_script else check_expression(text)
            for problem in problems:
                findings.append({"element_id": _owner_id(node), "message": problem})
    return findings


def _owner_id(node) -> str | None:
    """Find the id of the nearest diagram element that holds `node`."""
    while node is not None:
        qname = etree.QName(node)
        if (
            node.get("id")
            and qname.namespace == BPMN_MODEL_NS
            and not qname.localname.endswith("EventDefinition")
        ):
            return node.get("id")
        node = node.getparent()
    return None

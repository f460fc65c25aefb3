"""Say what changed between two versions of a model, element by element, in words.

The designer studio shows this before a deploy and for any two deployed versions: steps,
lanes and flows added, removed or changed, each with the element id (to highlight it on the
diagram) and a Vietnamese sentence. XML is read through the hardened parser only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .xml_safety import parse_xml

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
LT = "{urn:lienthong:bpmn:1}"
NODE_KINDS = {
    "userTask": "bước của cán bộ",
    "manualTask": "bước thủ công",
    "serviceTask": "bước gọi hệ thống",
    "scriptTask": "bước tự động",
    "sendTask": "bước gửi",
    "receiveTask": "bước nhận",
    "task": "bước",
    "businessRuleTask": "bước áp dụng quy tắc",
    "callActivity": "bước gọi quy trình",
    "subProcess": "quy trình con",
    "transaction": "giao dịch",
    "adHocSubProcess": "quy trình con tự do",
    "exclusiveGateway": "điểm rẽ nhánh",
    "inclusiveGateway": "điểm rẽ nhánh (nhiều nhánh)",
    "parallelGateway": "điểm song song",
    "eventBasedGateway": "điểm chờ sự kiện",
    "startEvent": "sự kiện bắt đầu",
    "endEvent": "sự kiện kết thúc",
    "intermediateCatchEvent": "sự kiện chờ",
    "intermediateThrowEvent": "sự kiện phát",
    "boundaryEvent": "sự kiện biên",
}
NODE_FIELDS = {  # attribute → how a designer calls it
    "name": "tên",
    "kind": "loại",
    "lane": "làn",
    "form": "biểu mẫu",
    "deadline_share": "phần thời hạn",
    "actions": "thao tác",
    "operation": "dịch vụ gọi",
    "timer": "hẹn giờ",
    "script": "tập lệnh",
}
LANE_FIELDS = {"name": "tên", "role": "vai trò", "agency": "cơ quan"}
FLOW_FIELDS = {"source": "điểm đầu", "target": "điểm cuối", "condition": "điều kiện"}
Change = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class ElementChange:
    """One difference: which element, what happened, the attributes that changed, in words."""

    element_id: str
    element: Literal["node", "lane", "flow"]
    change: Change
    fields: tuple[str, ...]
    text: str


@dataclass
class ModelDiff:
    """Every difference from `old` to `new`, nodes first, then lanes, then flows."""

    changes: list[ElementChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.changes

    def lines(self) -> list[str]:
        return [c.text for c in self.changes]

    def counts(self) -> dict[str, int]:
        out = {"added": 0, "removed": 0, "changed": 0}
        for c in self.changes:
            out[c.change] += 1
        return out


def diff_models(old: bytes, new: bytes) -> ModelDiff:
    """Compare two BPMN documents (`InvalidModel` if one is not safe, readable XML)."""
    before, after = _describe(old), _describe(new)
    result = ModelDiff()
    for element in ("node", "lane", "flow"):
        result.changes += _compare(element, before[element], after[element], before, after)
    return result


# -- reading a model -----------------------------------------------------------------------
def _describe(data: bytes) -> dict[str, dict[str, dict[str, Any]]]:
    root = parse_xml(data)
    lanes: dict[str, dict[str, Any]] = {}
    lane_of: dict[str, str] = {}
    for lane in root.iter(f"{BPMN}lane"):
        lid = lane.get("id") or ""
        lanes[lid] = {
            "name": lane.get("name") or "",
            "role": lane.get(f"{LT}role") or "",
            "agency": lane.get(f"{LT}agency") or "",
        }
        for ref in lane.iter(f"{BPMN}flowNodeRef"):
            if ref.text and ref.text.strip():
                lane_of.setdefault(ref.text.strip(), lanes[lid]["name"] or lid)
    nodes: dict[str, dict[str, Any]] = {}
    flows: dict[str, dict[str, Any]] = {}
    for process in root.iter(f"{BPMN}process"):
        for el in process.iter():
            if not isinstance(el.tag, str) or not el.tag.startswith(BPMN) or not el.get("id"):
                continue
            kind = el.tag[len(BPMN) :]
            if kind == "sequenceFlow":
                condition = el.find(f"{BPMN}conditionExpression")
                flows[el.get("id")] = {
                    "source": el.get("sourceRef") or "",
                    "target": el.get("targetRef") or "",
                    "condition": " ".join((condition.text or "").split())
                    if condition is not None
                    else "",
                }
            elif kind in NODE_KINDS:
                nodes[el.get("id")] = _node(el, kind, lane_of)
    return {"node": nodes, "lane": lanes, "flow": flows}


def _node(el: Any, kind: str, lane_of: dict[str, str]) -> dict[str, Any]:
    operator = el.find(f"{BPMN}extensionElements/{SPIFF}serviceTaskOperator")
    timer = el.find(f"{BPMN}timerEventDefinition")
    timer_text = ""
    if timer is not None:
        timer_text = " ".join(" ".join(t.itertext()) for t in timer).strip()
    script = el.find(f"{BPMN}script")
    return {
        "name": " ".join((el.get("name") or "").split()),
        "kind": kind,
        "lane": lane_of.get(el.get("id"), ""),
        "form": el.get(f"{LT}form") or "",
        "deadline_share": el.get(f"{LT}deadlineShare") or "",
        "actions": el.get(f"{LT}actions") or "",
        "operation": operator.get("id") if operator is not None else "",
        "timer": timer_text,
        "script": " ".join((script.text or "").split()) if script is not None else "",
    }


# -- comparing -----------------------------------------------------------------------------
def _compare(element, old: dict, new: dict, before: dict, after: dict) -> list[ElementChange]:
    changes = []
    for eid in [*old, *(k for k in new if k not in old)]:
        if eid not in new:
            changes.append(_removed(element, eid, old[eid], before))
        elif eid not in old:
            changes.append(_added(element, eid, new[eid], after))
        else:
            changed = tuple(k for k in new[eid] if old[eid].get(k) != new[eid][k])
            if changed:
                changes.append(_changed(element, eid, old[eid], new[eid], changed, after))
    return changes


def _title(element: str, eid: str, values: dict, model: dict) -> str:
    if element == "node":
        kind = NODE_KINDS.get(values["kind"], values["kind"])
        return f"{kind} “{values['name'] or eid}”"
    if element == "lane":
        return f"làn “{values['name'] or eid}”"
    return (
        f"luồng từ {_node_name(values['source'], model)} đến {_node_name(values['target'], model)}"
    )


def _node_name(nid: str, model: dict) -> str:
    node = model["node"].get(nid)
    return f"“{(node or {}).get('name') or nid}”"


def _added(element, eid, values, model) -> ElementChange:
    text = f"Thêm {_title(element, eid, values, model)}"
    if element == "node" and values["lane"]:
        text += f" vào làn “{values['lane']}”"
    if element == "flow" and values["condition"]:
        text += f" khi {values['condition']}"
    if element == "lane" and values["role"]:
        text += f" (vai trò {values['role']})"
    return ElementChange(eid, element, "added", (), text)


def _removed(element, eid, values, model) -> ElementChange:
    return ElementChange(eid, element, "removed", (), f"Bỏ {_title(element, eid, values, model)}")


def _changed(element, eid, old, new, fields, model) -> ElementChange:
    labels = {"node": NODE_FIELDS, "lane": LANE_FIELDS, "flow": FLOW_FIELDS}[element]
    parts = []
    for key in fields:
        was, now = old.get(key) or "(trống)", new.get(key) or "(trống)"
        if element == "flow" and key in ("source", "target"):
            was, now = _node_name(old[key], model), _node_name(new[key], model)
            parts.append(f"{labels[key]} đổi từ {was} thành {now}")
        else:
            parts.append(f"{labels.get(key, key)} đổi từ “{was}” thành “{now}”")
    title = _title(element, eid, new, model)
    return ElementChange(eid, element, "changed", fields, f"Sửa {title}: {'; '.join(parts)}")

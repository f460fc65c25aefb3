"""Turn a catalogue entry into a deployable BPMN model: the standard one-stop template, specialised.

The structure is `bpmn/templates/standard_one_stop.bpmn`'s (receive → appraise → approve →
return, the supplementation loop, refusal, the late timer and apology letter), adapted to the
procedure: lanes named for its competent and coordinating agencies, one opinion task per
coordinating agency, a "Hệ thống" lane with one service task per partner system, the
procedure's receive form, and BPMNDI from `bpmn.layout`. Information-only procedures
(``mode == "info"``) have no workflow: `generate_model` raises `InvalidInput` for them; call
`has_model(entry)` first to tell.
"""

from __future__ import annotations

import re

from bpmn.catalog.entry import CatalogueEntry
from bpmn.diagram import Diagram, Lane, Node, to_xml
from bpmn.layout import layout
from engine.errors import InvalidInput
from forms.skeleton import form_id_for

# Partner (adapter key) → (operation, phase, parameters). "check" operations run before the
# specialist appraises (look-ups that spare the citizen re-submitting data the state holds);
# "notify" operations run after the leader signs (registering or passing on the result).
# Parameters are expressions over the dossier data (the receive form's `applicant` block).
# A partner not listed here gets "<partner>.exchange", which lint flags unless registered.
#: partner key → (adapter operation id, phase, parameters): ids registered by `adapters/`.
PARTNER_OPERATIONS: dict[str, tuple[str, str, dict[str, str]]] = {
    "population": ("population.lookup_citizen", "check", {"personal_id": 'applicant["cccd"]'}),
    "civil_status": ("civil_status.marriage_status", "check", {"personal_id": 'applicant["cccd"]'}),
    "land": ("land.lookup_parcel", "check", {}),
    "business_registration": ("business.lookup_enterprise", "check", {}),
    "business": ("business.lookup_enterprise", "check", {}),
    "judicial_records": (
        "judicial_records.lookup_record", "check", {"personal_id": 'applicant["cccd"]'}
    ),
    "social_insurance": ("social_insurance.issue_child_health_card", "notify", {}),
    "tax": ("tax.land_obligations", "notify", {}),
}
APPRAISE_SHARE, COORDINATION_SHARE, APPROVE_SHARE, RETURN_SHARE = 0.6, 0.2, 0.2, 0.2
_NOT_ID = re.compile(r"[^A-Za-z0-9_]")


def has_model(entry: CatalogueEntry) -> bool:
    """Tell whether the procedure runs as a workflow (information-only ones do not)."""
    return entry.mode != "info"


def process_id_for(code: str) -> str:
    """Return the process id of a procedure: ``1.001193`` → ``proc_1_001193``."""
    return "proc_" + _NOT_ID.sub("_", str(code).strip())


def operation_for(partner: str) -> tuple[str, str, dict[str, str]]:
    """Return (``partner.operation``, phase, parameters) for a partner key."""
    key = _NOT_ID.sub("_", partner.strip()) or "partner"
    operation, phase, params = PARTNER_OPERATIONS.get(key, (f"{key}.exchange", "check", {}))
    return operation, phase, dict(params)


def generate_model(entry: CatalogueEntry) -> bytes:
    """Return the BPMN 2.0 model (with BPMNDI) for a procedure that has a workflow.

    Raises `InvalidInput` for an information-only procedure or an entry without a code.
    """
    if not has_model(entry):
        raise InvalidInput(
            f"procedure {entry.code} is information-only (mode 'info'): it has no workflow model",
            {"mode": ["information-only procedures have no BPMN model"]},
        )
    if not str(entry.code or "").strip():
        raise InvalidInput("a catalogue entry needs a code to generate its model",
                           {"code": ["empty"]})  # fmt: skip
    diagram = build_diagram(entry)
    layout(diagram)
    return to_xml(diagram)


def _lanes(entry: CatalogueEntry, checks: list, notices: list) -> list[Lane]:
    competent = " ".join((entry.competent_agency or "").split())
    suffix = f" – {competent}" if competent else ""
    lanes = [
        Lane("lane_one_stop", "Bộ phận Một cửa", "one_stop_officer", "receiving"),
        Lane("lane_specialist", f"Chuyên viên thụ lý{suffix}", "specialist", "competent"),
    ]
    seen = {lane.name for lane in lanes}
    for index, agency in enumerate(_coordinating(entry), start=1):
        name = f"Cơ quan phối hợp – {agency}"
        if name not in seen:
            seen.add(name)
            lanes.append(Lane(f"lane_coord_{index}", name, "specialist", agency))
    lanes.append(Lane("lane_leader", f"Lãnh đạo{suffix}", "leader", "competent"))
    if checks or notices:
        lanes.append(Lane("lane_system", "Hệ thống", "system", "system"))
    return lanes


def _coordinating(entry: CatalogueEntry) -> list[str]:
    names: list[str] = []
    for agency in entry.coordinating_agencies:
        name = " ".join(str(agency).split())
        if name and name not in names and name != (entry.competent_agency or "").strip():
            names.append(name)
    return names


def _share(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


def build_diagram(entry: CatalogueEntry) -> Diagram:
    """Build the semantic diagram (no geometry yet) for an entry."""
    operations = [operation_for(p) for p in dict.fromkeys(entry.partners) if str(p).strip()]
    checks = [op for op in operations if op[1] == "check"]
    notices = [op for op in operations if op[1] == "notify"]
    pid = process_id_for(entry.code)
    d = Diagram(pid, " ".join(str(entry.name).split()) or pid)
    d.documentation = f"Thủ tục {entry.code}. Sinh tự động từ danh mục; "
    d.documentation += "dữ liệu tổng hợp." if entry.synthetic else "nhà thiết kế có thể chỉnh sửa."
    d.lanes = _lanes(entry, checks, notices)
    coord_lanes = [lane for lane in d.lanes if lane.id.startswith("lane_coord_")]
    one, spec, lead, system = "lane_one_stop", "lane_specialist", "lane_leader", "lane_system"
    zero = {"deadlineShare": "0"}  # steps that take no share of the legal deadline

    d.add(Node("start", "startEvent", "Nộp hồ sơ", one))
    d.add(
        Node(
            "receive",
            "userTask",
            "Tiếp nhận hồ sơ",
            one,
            attrs={"actions": "refuse", "form": form_id_for(entry.code), **zero},
        )
    )
    d.add(
        Node(
            "gw_receive",
            "exclusiveGateway",
            "Hồ sơ hợp lệ?",
            one,
            default="f_gw_receive__processing",
        )
    )
    d.add(
        Node(
            "notify_refusal",
            "userTask",
            "Trả phiếu từ chối",
            one,
            attrs=dict(zero),
            anchor="gw_receive",
        )
    )
    d.add(Node("refused", "endEvent", "Từ chối", one))
    d.add(Node("processing", "subProcess", "Giải quyết hồ sơ", None))
    p = "processing"
    d.add(Node("processing_start", "startEvent", "Chuyển thụ lý", spec, parent=p))
    previous = "processing_start"
    for operation, _, params in checks:
        node_id = "svc_" + operation.replace(".", "_")
        d.add(
            Node(
                node_id,
                "serviceTask",
                f"Tra cứu: {operation}",
                system,
                parent=p,
                operation=operation,
                parameters=params,
            )
        )
        d.flow(previous, node_id)
        previous = node_id
    appraise_share = APPRAISE_SHARE - (COORDINATION_SHARE if coord_lanes else 0.0)
    d.add(
        Node(
            "appraise",
            "userTask",
            "Thẩm định hồ sơ",
            spec,
            parent=p,
            attrs={
                "actions": "supplement refuse",
                "form": "appraise",
                "deadlineShare": _share(appraise_share),
            },
        )
    )
    d.flow(previous, "appraise")
    d.add(
        Node(
            "gw_appraise",
            "exclusiveGateway",
            "Kết quả thẩm định?",
            spec,
            parent=p,
            default="f_gw_appraise__" + ("coord_1" if coord_lanes else "approve"),
        )
    )
    d.flow("appraise", "gw_appraise")
    d.add(Node("needs_supplement", "endEvent", "Cần bổ sung", spec, parent=p))
    d.add(Node("to_refuse", "endEvent", "Đề nghị từ chối", spec, parent=p))
    d.flow("gw_appraise", "needs_supplement", "Bổ sung", 'decision == "supplement"')
    d.flow("gw_appraise", "to_refuse", "Từ chối", 'decision == "refuse"')
    previous = "gw_appraise"
    for index, lane in enumerate(coord_lanes, start=1):
        share = int(COORDINATION_SHARE / len(coord_lanes) * 1000) / 1000
        d.add(
            Node(
                f"coord_{index}",
                "userTask",
                f"Cho ý kiến: {lane.agency}",
                lane.id,
                parent=p,
                attrs={"deadlineShare": _share(share)},
            )
        )
        d.flow(previous, f"coord_{index}", "Lấy ý kiến" if index == 1 else None)
        previous = f"coord_{index}"
    d.add(
        Node(
            "approve",
            "userTask",
            "Phê duyệt, ký kết quả",
            lead,
            parent=p,
            attrs={"actions": "refuse", "form": "approve", "deadlineShare": _share(APPROVE_SHARE)},
        )
    )
    d.flow(previous, "approve", None if coord_lanes else "Trình ký")
    d.add(
        Node(
            "gw_approve",
            "exclusiveGateway",
            "Phê duyệt?",
            lead,
            parent=p,
            default="f_gw_approve__" + _after_approve(notices),
        )
    )
    d.flow("approve", "gw_approve")
    d.add(Node("approval_refused", "endEvent", "Không phê duyệt", lead, parent=p))
    d.flow("gw_approve", "approval_refused", "Từ chối", 'decision == "refuse"')
    previous = "gw_approve"
    for operation, _, params in notices:
        node_id = "svc_" + operation.replace(".", "_")
        d.add(
            Node(
                node_id,
                "serviceTask",
                f"Liên thông: {operation}",
                system,
                parent=p,
                operation=operation,
                parameters=params,
            )
        )
        d.flow(previous, node_id)
        previous = node_id
    d.add(Node("settled", "endEvent", "Đã giải quyết", system if notices else lead, parent=p))
    d.flow(previous, "settled", "Đã ký" if previous == "gw_approve" else None)

    d.add(
        Node("late_timer", "boundaryEvent", "Quá hạn", one, attached_to=p, timer_date="dossier_due")
    )
    d.add(
        Node(
            "apology_letter",
            "userTask",
            "Lập văn bản xin lỗi và hẹn lại ngày trả kết quả",
            one,
            attrs={"form": "apology", **zero},
        )
    )
    d.add(Node("apology_sent", "endEvent", "Đã gửi văn bản xin lỗi", one))
    d.add(
        Node(
            "gw_after_processing",
            "exclusiveGateway",
            "Kết quả giải quyết?",
            one,
            default="f_gw_after_processing__return_result",
        )
    )
    d.add(
        Node(
            "supplement",
            "userTask",
            "Tiếp nhận hồ sơ bổ sung",
            one,
            attrs={"form": "supplement", **zero},
        )
    )
    d.add(
        Node(
            "return_result",
            "userTask",
            "Trả kết quả",
            one,
            attrs={"deadlineShare": _share(RETURN_SHARE)},
        )
    )
    d.add(Node("result_returned", "endEvent", "Đã trả kết quả", one))
    d.flow("start", "receive")
    d.flow("receive", "gw_receive")
    d.flow("gw_receive", "notify_refusal", "Từ chối tiếp nhận", 'decision == "refuse"')
    d.flow("gw_receive", "processing", "Hợp lệ")
    d.flow("notify_refusal", "refused")
    d.flow("processing", "gw_after_processing")
    d.flow("gw_after_processing", "supplement", "Yêu cầu bổ sung", 'decision == "supplement"')
    d.flow("gw_after_processing", "notify_refusal", "Từ chối", 'decision == "refuse"')
    d.flow("gw_after_processing", "return_result", "Có kết quả")
    d.flow("supplement", "processing", "Thụ lý lại")
    d.flow("return_result", "result_returned")
    d.flow("late_timer", "apology_letter")
    d.flow("apology_letter", "apology_sent")
    return d


def _after_approve(notices: list) -> str:
    if notices:
        return "svc_" + notices[0][0].replace(".", "_")
    return "settled"

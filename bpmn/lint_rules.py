"""LiênThông's product rules for a process: lanes and roles, gateways, services, forms, code.

Each rule takes the parsed document and the chosen `bpmn:process` and returns findings with
the offending element's id. Graph rules (reachability, loops, shares per path) live in
`bpmn.lint_graph`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bpmn.lint import BPMN_NS, NS, Finding, error, warning
from bpmn.lint_graph import GATEWAYS, graph_rules, local
from engine.working_timers import read_working_time

LT = "urn:lienthong:bpmn:1"
ROLES = frozenset({"one_stop_officer", "specialist", "head_of_unit", "leader", "citizen", "system"})
ACTIONS = frozenset({"supplement", "refuse", "forward"})
SUBPROCESSES = ("subProcess", "transaction", "adHocSubProcess")
UNSUPPORTED = {
    "complexGateway": "engine không chạy được cổng phức hợp; hãy dùng cổng loại trừ, cổng bao "
    "hàm hoặc cổng song song",
    "businessRuleTask": "không hỗ trợ bước quy tắc nghiệp vụ (DMN): bảng quyết định không được "
    "triển khai cùng mô hình LiênThông; hãy dùng một cổng có điều kiện",
}
_UNQUOTED_TIME = re.compile(r"^\s*(R\d*/)?(P\d|PT\d|\d{4}-\d{2}-\d{2})")


def product_rules(
    tree,
    process,
    known_operations: set[str] | None,
    form_exists: Callable[[str], bool] | None,
) -> list[Finding]:
    """Run every product rule on the chosen process."""
    findings: list[Finding] = []
    for rule in (_unsupported, _lanes, _gateways, _attributes, _code):
        findings += rule(tree, process)
    findings += _service_tasks(process, known_operations)
    findings += _forms(process, form_exists, known_operations)
    findings += graph_rules(process)
    return findings


def _unsupported(tree, process) -> list[Finding]:
    findings = []
    for el in process.iter():
        kind = local(el)
        if kind in UNSUPPORTED:
            findings.append(error(el.get("id"), "E-UNSUPPORTED", f"{kind}: {UNSUPPORTED[kind]}",
                                  "Cấu phần không được hỗ trợ"))  # fmt: skip
        elif kind == "scriptTask":
            fmt = (el.get("scriptFormat") or "python").lower()
            if fmt not in ("python", "text/python", "text/x-python", "py"):
                findings.append(error(el.get("id"), "E-UNSUPPORTED", f"ngôn ngữ kịch bản "
                                      f"{fmt!r}: kịch bản phải viết bằng ngôn ngữ biểu thức "
                                      "giới hạn (cú pháp Python)",
                                      "Ngôn ngữ kịch bản không được hỗ trợ"))  # fmt: skip
        elif kind == "standardLoopCharacteristics" and el.get("loopMaximum") is None:
            owner = el.getparent()
            if local(owner) not in ("userTask", "manualTask"):
                findings.append(error(owner.get("id"), "E-LOOP-UNBOUNDED", "vòng lặp chuẩn "
                                      "không có loopMaximum và không chứa bước xử lý có thể "
                                      "không bao giờ dừng; hãy đặt loopMaximum",
                                      "Vòng lặp không có giới hạn"))  # fmt: skip
    return findings


def lanes_by_node(tree) -> dict[str, object]:
    """Map flow node id → lane element, the way SpiffWorkflow assigns lanes.

    SpiffWorkflow reads every `flowNodeRef` in the document, and gives the tasks inside an
    embedded subprocess that is itself in a lane that lane, whatever their own.
    """
    own = {}
    for ref in tree.iterfind(".//bpmn:flowNodeRef", NS):
        if ref.text and ref.text.strip():
            own.setdefault(ref.text.strip(), ref.getparent())
    inherited: dict[str, object] = {}  # inside a laned subprocess: the outermost one's lane
    for container in tree.iter(*(f"{{{BPMN_NS}}}{t}" for t in SUBPROCESSES)):
        lane = own.get(container.get("id"))
        if lane is None:
            continue
        for el in container.iterdescendants():
            nid = el.get("id") if isinstance(el.tag, str) else None
            if nid and nid not in inherited:
                inherited[nid] = lane
    effective = {}
    for el in tree.iter():
        nid = el.get("id") if isinstance(el.tag, str) else None
        if nid:
            effective[nid] = inherited[nid] if nid in inherited else own.get(nid)
    return effective


def _lanes(tree, process) -> list[Finding]:
    findings = []
    seen: dict[str, tuple] = {}
    for lane in tree.iterfind(".//bpmn:lane", NS):
        lid, name = lane.get("id"), (lane.get("name") or "").strip()
        role, agency = lane.get(f"{{{LT}}}role"), lane.get(f"{{{LT}}}agency")
        if role is not None and role not in ROLES:
            findings.append(error(lid, "E-LANE-ROLE", f"làn {lid!r} có lt:role không xác định "
                                  f"{role!r} (các vai trò hợp lệ: {', '.join(sorted(ROLES))})",
                                  "Vai trò của làn không hợp lệ"))  # fmt: skip
        if not name:
            findings.append(error(lid, "E-LANE", f"làn {lid!r} chưa có tên; công việc "
                                  "được giao theo tên làn", "Làn chưa có tên"))  # fmt: skip
        elif name in seen and seen[name] != (role, agency):
            findings.append(error(lid, "E-LANE", f"hai làn cùng tên {name!r} nhưng khác "
                                  "vai trò hoặc cơ quan", "Hai làn trùng tên"))  # fmt: skip
        seen.setdefault(name, (role, agency))
    lane_of = lanes_by_node(tree)
    for task in process.iter(f"{{{NS['bpmn']}}}userTask"):
        tid, lane = task.get("id"), lane_of.get(task.get("id"))
        if lane is None:
            findings.append(error(tid, "E-LANE-ROLE", f"bước xử lý {tid!r} không thuộc làn nào: "
                                  "hãy đặt nó vào một làn có lt:role để có người nhận xử lý",
                                  "Bước xử lý chưa thuộc làn nào"))  # fmt: skip
        elif lane.get(f"{{{LT}}}role") is None:
            findings.append(error(tid, "E-LANE-ROLE", f"bước xử lý {tid!r} thuộc làn "
                                  f"{lane.get('id')!r}, làn này chưa có lt:role",
                                  "Làn của bước xử lý chưa gán vai trò"))  # fmt: skip
    return findings


def _gateways(tree, process) -> list[Finding]:
    findings = []
    outgoing: dict[str, list] = {}
    for flow in process.iter(f"{{{NS['bpmn']}}}sequenceFlow"):
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
    for gw in process.iter():
        if local(gw) not in ("exclusiveGateway", "inclusiveGateway"):
            continue
        gid, flows = gw.get("id"), outgoing.get(gw.get("id"), [])
        default = gw.get("default")
        if default and default not in {f.get("id") for f in flows}:
            findings.append(error(gid, "E-GATEWAY-DEFAULT", f"cổng {gid!r} khai báo nhánh mặc định "
                                  f"{default!r}, nhưng nhánh này không đi ra từ cổng",
                                  "Nhánh mặc định không thuộc cổng"))  # fmt: skip
        if len(flows) < 2:
            continue
        bare = [f.get("id") for f in flows if f.get("id") != default and not _condition(f)]
        if bare:
            findings.append(error(gid, "E-GATEWAY-CONDITION", f"cổng {gid!r}: các nhánh "
                                  f"{', '.join(bare)} không có điều kiện và không phải nhánh mặc "
                                  "định",
                                  "Nhánh của cổng rẽ nhánh thiếu điều kiện"))  # fmt: skip
        elif not default:
            findings.append(warning(gid, "W-GATEWAY-NO-DEFAULT", f"cổng {gid!r} không có nhánh "
                                    "mặc định: khi không điều kiện nào đúng, hồ sơ dừng lại với "
                                    "một lỗi", "Cổng không có nhánh mặc định"))  # fmt: skip
    return findings


def _condition(flow) -> str:
    cond = flow.find("bpmn:conditionExpression", NS)
    return (cond.text or "").strip() if cond is not None else ""


def _attributes(tree, process) -> list[Finding]:
    """Check `lt:deadlineShare`, `lt:actions` and working-time timer values; warn on user tasks
    without a share."""
    findings = []
    for el in process.iter():
        if not isinstance(el.tag, str):
            continue
        eid, share = el.get("id"), el.get(f"{{{LT}}}deadlineShare")
        if local(el) != "timerEventDefinition":  # read with its event, reported once
            try:
                read_working_time(el)
            except ValueError as exc:
                vi = "Thời lượng hẹn giờ theo ngày/giờ làm việc không hợp lệ"
                findings.append(error(eid, "E-TIMER-WORKING", f"{eid!r}: {exc}", vi))
        if share is not None:
            try:
                ok = 0.0 <= float(share) <= 1.0
            except ValueError:
                ok = False
            if not ok:
                findings.append(error(eid, "E-DEADLINE-SHARE", f"lt:deadlineShare={share!r} tại "
                                      f"{eid!r}: giá trị phải là một số từ 0 đến 1",
                                      "Tỷ lệ thời hạn phải từ 0 đến 1"))  # fmt: skip
        elif local(el) == "userTask":
            findings.append(warning(eid, "W-DEADLINE-MISSING", f"bước xử lý {eid!r} chưa có "
                                    "lt:deadlineShare: bước này không có thời hạn riêng",
                                    "Bước xử lý chưa có thời hạn"))  # fmt: skip
        actions = (el.get(f"{{{LT}}}actions") or "").split()
        unknown = [a for a in actions if a not in ACTIONS]
        if unknown:
            findings.append(
                error(
                    eid,
                    "E-ACTIONS",
                    f"{eid!r} có lt:actions không xác định "
                    f"{', '.join(unknown)} (các thao tác hợp lệ: {', '.join(sorted(ACTIONS))})",
                    "Thao tác của bước không hợp lệ",
                )
            )
    return findings


def _code(tree, process) -> list[Finding]:
    """Check every expression and script with the engine's checker; flag unquoted times."""
    findings = []
    for timer in process.iterfind(".//bpmn:timerEventDefinition/*", NS):
        if _UNQUOTED_TIME.match(timer.text or ""):
            owner = timer.getparent().getparent()
            findings.append(error(owner.get("id"), "E-TIMER-UNQUOTED", f"hẹn giờ {local(timer)} "
                                  f"{(timer.text or '').strip()!r} được đọc như một biểu thức: "
                                  "hãy đặt thời lượng và ngày ISO trong dấu nháy, ví dụ "
                                  "\"PT4H\"", "Thời gian hẹn giờ thiếu dấu nháy"))  # fmt: skip
    try:
        from engine.model_parser import check_model_code
    except ImportError as exc:  # pragma: no cover - the engine is part of the product
        return [*findings, warning(None, "W-EXPRESSION-UNCHECKED",
                                   f"chưa kiểm tra được các biểu thức: {exc}",
                                   "Biểu thức chưa được kiểm tra")]  # fmt: skip
    for found in check_model_code(tree):
        findings.append(error(found["element_id"], "E-EXPRESSION", f"biểu thức hoặc kịch bản "
                              f"không được phép: {found['message']}",
                              "Biểu thức hoặc kịch bản không được phép"))  # fmt: skip
    return findings


def _service_tasks(process, known_operations: set[str] | None) -> list[Finding]:
    findings = []
    for task in process.iter(f"{{{NS['bpmn']}}}serviceTask"):
        tid = task.get("id")
        op = task.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
        name = op.get("id") if op is not None else None
        if not name:
            findings.append(error(tid, "E-SERVICE-OPERATION", f"bước tự động {tid!r} chưa chỉ "
                                  "định thao tác liên thông (spiffworkflow:serviceTaskOperator "
                                  'id="adapter.operation")', "Bước tự động chưa chỉ định "
                                  "thao tác liên thông"))  # fmt: skip
        elif known_operations is not None and name not in known_operations:
            findings.append(error(tid, "E-UNKNOWN-OPERATION", f"bước tự động {tid!r} gọi "
                                  f"{name!r}, thao tác này không có ở adapter nào đã đăng ký",
                                  "Thao tác liên thông chưa được đăng ký"))  # fmt: skip
    return findings


def _forms(
    process, form_exists: Callable[[str], bool] | None, known_operations: set[str] | None
) -> list[Finding]:
    from engine.errors import LienThongError
    from forms.prefill import prefill_sources
    from forms.registry import load_form

    findings = []
    for task in process.iter(f"{{{NS['bpmn']}}}userTask"):
        tid, form_id = task.get("id"), task.get(f"{{{LT}}}form")
        if not form_id or form_exists is None:
            continue
        if not form_exists(form_id):
            findings.append(error(tid, "E-FORM-MISSING", f"bước xử lý {tid!r} dùng biểu mẫu "
                                  f"{form_id!r}, biểu mẫu này không tồn tại",
                                  "Biểu mẫu không tồn tại"))  # fmt: skip
            continue
        try:
            form = load_form(form_id)
        except LienThongError as exc:
            if exc.code != "not_found":  # found only by the caller's own lookup: fine
                findings.append(error(tid, "E-FORM-INVALID", f"biểu mẫu {form_id!r}: {exc}",
                                      "Biểu mẫu không hợp lệ"))  # fmt: skip
            continue
        for source in prefill_sources(form) if known_operations is not None else ():
            if source.operation not in known_operations:
                findings.append(error(tid, "E-PREFILL-OPERATION", f"biểu mẫu {form_id!r}: trường "
                                      f"{source.field!r} điền sẵn từ {source.operation!r}, "
                                      "thao tác này không có ở adapter nào đã đăng ký",
                                      "Nguồn điền sẵn chưa được đăng ký"))  # fmt: skip
    return findings


__all__ = ["GATEWAYS", "lanes_by_node", "product_rules"]

"""Tell a designer whether a BPMN model can be deployed, element by element, never crashing.

`lint_model` runs four stages on any bytes: a hardened XML parse, BPMN 2.0 XSD validation
(SpiffWorkflow's bundled schema), a SpiffWorkflow parse, and LiênThông's product rules
(`bpmn.lint_rules`, `bpmn.lint_graph`, and `bpmn.geometry` for the drawing: shapes over one
another). Every problem becomes a `Finding`; an error means the model cannot be deployed, a
warning that a designer should look. The designer reads a finding's title (`message_vi`) and
its explanation (`message`), so both are Vietnamese; what a library says (lxml's schema error,
SpiffWorkflow's) follows a Vietnamese lead-in as it is. The function never raises.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from lxml import etree

Severity = Literal["error", "warning"]
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": BPMN_NS, "lt": "urn:lienthong:bpmn:1",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}  # fmt: skip
MAX_XSD_FINDINGS = 20


@dataclass(frozen=True)
class Finding:
    """One problem in a model: how bad, where (element id), a stable code and an explanation."""

    severity: Severity
    element_id: str | None
    code: str
    message: str
    message_vi: str | None = None

    def __str__(self) -> str:
        return f"{self.severity} {self.code} {self.element_id or '-'}: {self.message}"


def error(element_id: str | None, code: str, message: str, vi: str | None = None) -> Finding:
    return Finding("error", element_id, code, message, vi)


def warning(element_id: str | None, code: str, message: str, vi: str | None = None) -> Finding:
    return Finding("warning", element_id, code, message, vi)


def lint_model(
    data: bytes,
    *,
    known_operations: set[str] | None = None,
    form_exists: Callable[[str], bool] | None = None,
    process_id: str | None = None,
) -> list[Finding]:
    """Return every finding for the model in `data` (empty when it is clean); never raises.

    `known_operations`: registered adapter operations (``adapter.operation``); unchecked when
    None. `form_exists`: tells whether a form id exists; unchecked when None. `process_id`:
    the process to deploy when the file has several executable ones.
    """
    try:
        return _lint(data, known_operations, form_exists, process_id)
    except Exception as exc:  # a bug in a rule must still give the designer an answer
        return [error(None, "E-INTERNAL", f"trình kiểm tra gặp lỗi khi đọc mô hình này: "
                      f"{type(exc).__name__}: {exc}",
                      "Trình kiểm tra mô hình gặp lỗi nội bộ")]  # fmt: skip


def _lint(data, known_operations, form_exists, process_id) -> list[Finding]:
    tree, findings = _parse(data)
    if tree is None:
        return findings
    findings += _xsd(tree)
    chosen, choice_findings = choose_process(tree, process_id)
    findings += choice_findings
    findings += _spiff(tree, chosen)
    if chosen is not None:
        from bpmn.lint_rules import product_rules

        process = tree.find(f"bpmn:process[@id='{chosen}']", NS)
        findings += product_rules(tree, process, known_operations, form_exists)
    from bpmn.geometry import lint_drawing

    return findings + lint_drawing(tree)


def _parse(data: object) -> tuple[etree._ElementTree | None, list[Finding]]:
    """Parse with `engine.xml_safety` (no DTDs, entities or network; size-limited)."""
    from engine.errors import InvalidModel
    from engine.xml_safety import parse_xml

    if not isinstance(data, bytes | bytearray | memoryview):
        return None, [error(None, "E-XML", f"mô hình phải là dữ liệu nhị phân (bytes), "
                            f"không phải {type(data).__name__}",
                            "Mô hình phải là dữ liệu nhị phân")]  # fmt: skip
    try:
        return parse_xml(bytes(data)), []
    except InvalidModel as exc:
        return None, [error(None, "E-XML", str(exc), "Tệp không phải XML BPMN hợp lệ")]


_VALIDATOR = None


def _schema() -> etree.XMLSchema:
    """Load SpiffWorkflow's BPMN 2.0 XSD (with its extension schema) once per process."""
    global _VALIDATOR
    if _VALIDATOR is None:
        from SpiffWorkflow.spiff.parser import VALIDATOR

        _VALIDATOR = VALIDATOR
    return _VALIDATOR


def _xsd(tree: etree._ElementTree) -> list[Finding]:
    """Validate against the BPMN 2.0 XSD; report each schema error with its element's id."""
    validator = _schema()
    candidate = copy.deepcopy(tree)
    validator.preprocess(candidate)  # SpiffWorkflow's own fix-up for bpmn-js output
    if validator.validator.validate(candidate):
        return []
    by_line: dict[int, str | None] = {}
    for el in tree.iter():
        if isinstance(el.tag, str) and el.sourceline not in by_line:
            holder = next((a for a in (el, *el.iterancestors()) if a.get("id")), None)
            by_line[el.sourceline] = holder.get("id") if holder is not None else None
    findings = []
    for entry in list(validator.validator.error_log)[:MAX_XSD_FINDINGS]:
        message = f"không hợp lệ theo lược đồ BPMN 2.0 (XSD), dòng {entry.line}: {entry.message}"
        findings.append(error(by_line.get(entry.line), "E-XSD", message,
                              "Không hợp lệ theo lược đồ BPMN 2.0"))  # fmt: skip
    return findings


def choose_process(tree, process_id: str | None) -> tuple[str | None, list[Finding]]:
    """Pick the process the engine would deploy, as `engine.model_parser` does."""
    processes = tree.getroot().findall("bpmn:process", NS)
    ids = [p.get("id") for p in processes]
    if process_id is not None:
        if process_id in ids:
            return process_id, []
        return None, [error(None, "E-PROCESS", f"mô hình không có quy trình {process_id!r} "
                            f"(các quy trình có: {', '.join(map(str, ids)) or 'không có'})",
                            "Không có quy trình cần triển khai")]  # fmt: skip
    called = set(tree.xpath("//bpmn:callActivity/@calledElement", namespaces=NS))
    executable = [p.get("id") for p in processes
                  if p.get("isExecutable") == "true" and p.get("id") not in called]  # fmt: skip
    if len(executable) == 1:
        return executable[0], []
    if not executable:
        return None, [error(ids[0] if ids else None, "E-NOT-EXECUTABLE",
                            'không có quy trình thực thi: hãy đặt isExecutable="true" cho quy '
                            "trình mà bộ máy cần chạy", "Không có quy trình thực thi")]  # fmt: skip
    return None, [error(None, "E-MULTIPLE-EXECUTABLE",
                        f"có nhiều quy trình thực thi ({', '.join(executable)}); hãy chỉ để "
                        "một quy trình thực thi hoặc chọn quy trình cần triển khai",
                        "Có nhiều quy trình thực thi; hãy chọn một")]  # fmt: skip


def _spiff(tree, chosen: str | None) -> list[Finding]:
    """Parse with SpiffWorkflow (as the engine will) and report what it rejects."""
    from SpiffWorkflow.exceptions import SpiffWorkflowException
    from SpiffWorkflow.spiff.parser import SpiffBpmnParser

    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(copy.deepcopy(tree), filename="model.bpmn")
        if chosen is not None:  # parses the process (get_spec) and what it calls, once
            parser.get_subprocess_specs(chosen)
    except SpiffWorkflowException as exc:
        element_id = getattr(exc, "id", None) or None
        message = str(exc).strip() or type(exc).__name__
        return [error(element_id, "E-SPIFF", f"SpiffWorkflow không đọc được mô hình: {message}",
                      "Bộ máy quy trình không đọc được mô hình")]  # fmt: skip
    except Exception as exc:  # SpiffWorkflow raises bare errors on odd XML
        return [error(None, "E-SPIFF", f"SpiffWorkflow không đọc được mô hình "
                      f"({type(exc).__name__}: {exc})",
                      "Bộ máy quy trình không đọc được mô hình")]  # fmt: skip
    return []

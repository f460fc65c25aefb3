"""Propose form values from the registries, so the state never asks for what it holds.

A key field (a citizen ID, an enterprise code) declares where its data comes from, in its
JSON Schema under ``x-prefill``::

    "cccd": {"type": "string", "format": "cccd", "x-prefill": {
        "operation": "population.lookup_citizen",     # adapter operation (a read)
        "param": "personal_id",                       # the parameter the typed value goes to
        "fill": {"applicant.full_name": "full_name",  # form field ← path in the answer
                 "applicant.address": "permanent_address"},
        "holds": [{"title_contains": ["chứng minh thông tin về cư trú"],
                   "when": "permanent_address"}]}}   # documents the registry already holds

`propose` calls the operation through a caller (the adapters' registry, so every call is
recorded), returns proposed values for the officer to confirm and the required documents
the applicant need not bring. Nothing is written here: the engine records what the officer
confirms (`Engine.record_reuse`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from engine.errors import AdapterError, InvalidInput

from .registry import Form

PREFILL = "x-prefill"
HELD_REF = "registry:"  # prefix of a document reference meaning "the state holds it"
_OPERATION = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_PATH = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")

Status = Literal["found", "not_found", "unavailable"]


@dataclass(frozen=True)
class HeldRule:
    """A document the registry holds when `when` (a path in the answer) is not empty."""

    when: str
    document: str | None = None  # a document field path, e.g. "documents.doc_05"
    title_contains: tuple[str, ...] = ()  # or any document whose title holds one phrase


@dataclass(frozen=True)
class PrefillSource:
    """One key field's declaration: which operation to call and what its answer fills."""

    field: str
    operation: str
    param: str
    fill: dict[str, str]
    holds: tuple[HeldRule, ...] = ()


@dataclass(frozen=True)
class Proposal:
    """A value proposed for a field; the officer confirms it before it is used."""

    field: str
    label: str
    value: Any


@dataclass(frozen=True)
class HeldDocument:
    """A required document the applicant is not asked for: the registry holds it."""

    field: str
    title: str
    evidence: str  # the answer path that proved it


@dataclass
class PrefillResult:
    """What a lookup proposes; `record` is the adapter call record (personal data masked)."""

    form_id: str
    field: str
    operation: str
    status: Status
    message: str = ""
    proposals: list[Proposal] = field(default_factory=list)
    held_documents: list[HeldDocument] = field(default_factory=list)
    record: dict[str, Any] | None = None

    def values(self) -> dict[str, Any]:
        """Return the proposals as ``{field path: value}``."""
        return {p.field: p.value for p in self.proposals}

    def document_refs(self) -> dict[str, list[str]]:
        """Return ``{"doc_05": ["registry:<operation>"]}`` for the data's ``documents`` object.

        The reference satisfies the form's "at least one file" rule and says where the
        document is, so no upload is asked for.
        """
        return {
            d.field.split(".", 1)[1]: [f"{HELD_REF}{self.operation}"] for d in self.held_documents
        }


Caller = Callable[[str, dict[str, Any]], Any]  # (operation, params) → CallResult


def prefill_sources(form: Form) -> list[PrefillSource]:
    """Return every prefill declaration of the form; `InvalidInput` names a broken one."""
    sources, problems = _collect(form.schema)
    if problems:
        raise InvalidInput(f"biểu mẫu {form.id!r}: {'; '.join(problems)}", {PREFILL: problems})
    return sources


def prefill_problems(schema: dict[str, Any]) -> list[str]:
    """List what is wrong with the form's prefill declarations (empty when they are usable)."""
    return _collect(schema)[1]


def propose(form: Form, field_path: str, value: Any, call: Caller) -> PrefillResult:
    """Look `value` up through the field's declared operation and propose what it fills.

    A registry that does not know the value gives ``not_found``; one that cannot be reached
    gives ``unavailable`` with the reason: either way the officer types the data. A value the
    adapter refuses before calling (a malformed ID) raises `InvalidInput` with field errors.
    """
    source = next((s for s in prefill_sources(form) if s.field == field_path), None)
    if source is None:
        raise InvalidInput(
            f"trường {field_path!r} của biểu mẫu {form.id!r} không khai báo nguồn điền sẵn",
            {field_path: ["Trường này không có nguồn điền sẵn"]},
        )
    result = PrefillResult(form.id, field_path, source.operation, "found")
    try:
        answer = call(source.operation, {source.param: value})
    except AdapterError as exc:
        result.record = _record(getattr(exc, "record", None))
        if getattr(exc, "code", "") == "adapter_unknown_operation":  # a form to fix, not data
            raise InvalidInput(
                f"biểu mẫu {form.id!r}: {field_path} điền sẵn từ {source.operation!r}, "
                "thao tác mà không hệ thống kết nối nào cung cấp"
            ) from None
        errors = getattr(exc, "errors", None)
        if errors is not None:  # InvalidParams: nothing was sent
            raise InvalidInput(
                f"{field_path}: {exc}", {field_path: [m for ms in errors.values() for m in ms]}
            ) from None
        result.status = "unavailable" if exc.retryable else "not_found"
        result.message = str(exc)
        return result
    data = getattr(answer, "data", answer)
    result.record = _record(getattr(answer, "record", None))
    fields = dict(_fields(form.schema))
    for target, path in source.fill.items():
        found = _get(data, path)
        if found not in (None, "", []):
            result.proposals.append(Proposal(target, _label(form, target, fields), found))
    documents = _documents(form, fields)
    seen: set[str] = set()
    for rule in source.holds:
        if _get(data, rule.when) in (None, "", [], False):
            continue
        for doc_field, title in documents:
            if doc_field not in seen and _matches(rule, doc_field, title):
                seen.add(doc_field)
                result.held_documents.append(HeldDocument(doc_field, title, rule.when))
    return result


# -- reading the schema ----------------------------------------------------------------------
def _fields(schema: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (dotted path, sub-schema) for every property, depth first."""
    for name, sub in (schema.get("properties") or {}).items():
        if isinstance(sub, dict):
            path = f"{prefix}{name}"
            yield path, sub
            if sub.get("type") == "object":
                yield from _fields(sub, f"{path}.")


def _collect(schema: dict[str, Any]) -> tuple[list[PrefillSource], list[str]]:
    sources: list[PrefillSource] = []
    problems: list[str] = []
    fields = dict(_fields(schema))
    for path, sub in fields.items():
        raw = sub.get(PREFILL)
        if raw is None:
            continue
        where = f"{path}: {PREFILL}"
        if not isinstance(raw, dict):
            problems.append(f"{where} phải là một đối tượng")
            continue
        operation, param = raw.get("operation"), raw.get("param")
        fill, holds = raw.get("fill") or {}, raw.get("holds") or []
        if not isinstance(operation, str) or not _OPERATION.match(operation):
            problems.append(f"{where}.operation phải có dạng 'adapter.operation'")
        if not isinstance(param, str) or not param:
            problems.append(f"{where}.param phải ghi tên tham số của thao tác")
        if not isinstance(fill, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and _PATH.match(v) for k, v in fill.items()
        ):
            problems.append(f"{where}.fill phải ánh xạ đường dẫn trường sang đường dẫn kết quả")
            fill = {}
        problems += [
            f"{where}.fill: không có trường {t!r} trong biểu mẫu" for t in fill if t not in fields
        ]
        rules = _rules(holds, where, problems)
        if problems:
            continue
        sources.append(PrefillSource(path, operation, param, dict(fill), rules))
    return sources, problems


def _rules(holds: Any, where: str, problems: list[str]) -> tuple[HeldRule, ...]:
    if not isinstance(holds, list):
        problems.append(f"{where}.holds phải là một danh sách")
        return ()
    rules = []
    for rule in holds:
        if not isinstance(rule, dict) or not isinstance(rule.get("when"), str):
            problems.append(f"{where}.holds: mỗi quy tắc cần 'when' (đường dẫn trong kết quả)")
            continue
        phrases = rule.get("title_contains") or ()
        phrases = (phrases,) if isinstance(phrases, str) else tuple(phrases)
        document = rule.get("document")
        if not document and not phrases:
            problems.append(f"{where}.holds: quy tắc cần 'document' hoặc 'title_contains'")
            continue
        rules.append(HeldRule(rule["when"], document, tuple(_fold(p) for p in phrases)))
    return tuple(rules)


def _documents(form: Form, fields: dict[str, dict]) -> list[tuple[str, str]]:
    """Return (path, title) of the document fields: the properties of ``documents``."""
    return [
        (path, _label(form, path, fields))
        for path in fields
        if path.startswith("documents.") and path.count(".") == 1
    ]


def _label(form: Form, path: str, fields: dict[str, dict]) -> str:
    hints = ((form.ui or {}).get("fields") or {}).get(path) or {}
    return str(hints.get("label") or fields.get(path, {}).get("title") or path)


def _matches(rule: HeldRule, doc_field: str, title: str) -> bool:
    if rule.document:
        return rule.document == doc_field
    folded = _fold(title)
    return any(p in folded for p in rule.title_contains)


def _fold(text: str) -> str:
    """Case- and accent-insensitive form of Vietnamese text ("Cư trú" → "cu tru")."""
    decomposed = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def _get(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _record(record: Any) -> dict[str, Any] | None:
    if record is None:
        return None
    return record.to_dict() if hasattr(record, "to_dict") else dict(record)

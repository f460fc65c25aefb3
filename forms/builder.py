"""Build an eForm from a designer's list of fields, and read one back into that list.

The designer studio edits a form as fields — path, type, label, required, choices, limits,
help and prefill source — not as JSON Schema. `build_form` turns the list into the form file
(``{"schema", "ui"}``) the engine, lint and the counter page already use; `fields_of` reads a
form back (what it cannot express is kept untouched by `build_form(..., base=form)`);
`form_problems_for` says what is wrong, including prefill sources that no registered adapter
offers; `save_form` writes the file atomically where the forms registry finds it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import InvalidInput

from .prefill import PREFILL, prefill_sources
from .registry import Form, check_form_id, form_from_dict, form_problems

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
# type → (JSON Schema, widget); formats are checked by forms.formats on submission.
TYPES: dict[str, tuple[dict[str, Any], str]] = {
    "text": ({"type": "string", "maxLength": 500}, "text"),
    "textarea": ({"type": "string", "maxLength": 5000}, "textarea"),
    "integer": ({"type": "integer"}, "number"),
    "number": ({"type": "number"}, "number"),
    "date": ({"type": "string", "format": "date"}, "date"),
    "cccd": ({"type": "string", "format": "cccd"}, "text"),
    "enterprise_code": ({"type": "string", "format": "enterprise_code"}, "text"),
    "phone": ({"type": "string", "format": "phone_vn"}, "tel"),
    "email": ({"type": "string", "format": "email"}, "text"),
    "choice": ({"type": "string"}, "select"),
    "multi_choice": ({"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                     "checkboxes"),
    "upload": ({"type": "array", "items": {"type": "string", "minLength": 1}}, "upload"),
    "boolean": ({"type": "boolean"}, "checkbox"),
}  # fmt: skip
LIMITS = ("minLength", "maxLength", "minimum", "maximum")


@dataclass
class FieldSpec:
    """One field as the studio edits it; `path` is dotted (``applicant.full_name``)."""

    path: str
    type: str
    label: str
    required: bool = False
    options: dict[str, str] = field(default_factory=dict)  # choice value → label
    limits: dict[str, float] = field(default_factory=dict)  # minLength, maximum, …
    help: str = ""
    prefill: dict[str, Any] | None = None  # an x-prefill declaration (forms.prefill)


def build_form(
    form_id: str, title: str, fields: list[FieldSpec], *, base: Form | None = None
) -> Form:
    """Return the checked `Form` for these fields; `InvalidInput` names every problem.

    With `base`, keywords the studio does not edit (patterns, conditional rules, extra UI
    hints) are kept for the fields that remain.
    """
    check_form_id(form_id)
    problems = _field_problems(fields)
    if problems:
        raise InvalidInput(f"biểu mẫu {form_id!r}: {'; '.join(problems)}", {"fields": problems})
    old_fields = dict(_walk(base.schema)) if base else {}
    old_ui = ((base.ui or {}).get("fields") or {}) if base else {}
    schema: dict[str, Any] = {"$schema": SCHEMA_DIALECT, "title": title, "type": "object",
                              "properties": {}, "required": []}  # fmt: skip
    ui_fields: dict[str, Any] = {}
    order: list[str] = []
    for spec in fields:
        parent, name = _container(schema, spec.path, ui_fields, order)
        sub = {k: v for k, v in old_fields.get(spec.path, {}).items() if k not in _OWNED}
        sub.update(_schema_of(spec))
        parent["properties"][name] = sub
        if spec.required:
            parent["required"].append(name)
        hints = {k: v for k, v in old_ui.get(spec.path, {}).items() if k not in _HINTS}
        hints.update({"label": spec.label, "widget": TYPES[spec.type][1]})
        if spec.help:
            hints["help"] = spec.help
        if spec.options:
            hints["options"] = dict(spec.options)
        ui_fields[spec.path] = hints
        order.append(spec.path)
    _drop_empty_required(schema)
    raw = {"schema": schema, "ui": {**((base.ui or {}) if base else {}), "order": order,
                                    "fields": ui_fields}}  # fmt: skip
    return form_from_dict(form_id, raw)


def fields_of(form: Form) -> list[FieldSpec]:
    """Read a form back as the studio's field list (objects are implied by the paths)."""
    ui = (form.ui or {}).get("fields") or {}
    required = _required_paths(form.schema)
    specs = []
    for path, sub in _walk(form.schema):
        if sub.get("type") == "object":
            continue
        hints = ui.get(path) or {}
        implicit = _defaults(_type_of(sub), path in required)
        limits = {k: sub[k] for k in LIMITS if k in sub and implicit.get(k) != sub[k]}
        label = str(hints.get("label") or sub.get("title") or path)
        specs.append(FieldSpec(
            path=path, type=_type_of(sub), label=label, required=path in required,
            options=_options(sub, hints), limits=limits, help=str(hints.get("help") or ""),
            prefill=sub.get(PREFILL),
        ))  # fmt: skip
    order = {p: i for i, p in enumerate((form.ui or {}).get("order") or [])}
    return sorted(specs, key=lambda s: order.get(s.path, len(order)))


def form_problems_for(raw: Any, known_operations: set[str] | None = None) -> list[str]:
    """What is wrong with a form file's content, with prefill operations checked if known."""
    problems = form_problems(raw)
    if problems or known_operations is None:
        return problems
    form = form_from_dict("check", raw)
    return [
        f"{s.field}: thao tác điền sẵn {s.operation!r} chưa được đăng ký"
        for s in prefill_sources(form)
        if s.operation not in known_operations
    ]


def save_form(form: Form, directory: Path | str) -> Path:
    """Write ``<directory>/<id>.json`` atomically (readers never see half a file)."""
    target = Path(directory) / f"{check_form_id(form.id)}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"schema": form.schema, "ui": form.ui}, ensure_ascii=False, indent=2)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{form.id}.", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text + "\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


# -- helpers -------------------------------------------------------------------------------
_OWNED = {"type", "format", "enum", "items", "uniqueItems", "minItems", "title", PREFILL,
          *LIMITS}  # fmt: skip
_HINTS = {"label", "widget", "help", "options"}


def _field_problems(fields: list[FieldSpec]) -> list[str]:
    problems, seen = [], set()
    for n, spec in enumerate(fields, start=1):
        where = f"trường {n} ({spec.path or '?'})"
        parts = str(spec.path or "").split(".")
        if not spec.path or not all(p.isidentifier() and p.isascii() for p in parts):
            problems.append(f"{where}: đường dẫn gồm các tên a-z, 0-9 và _ nối bằng '.'")
        if spec.path in seen:
            problems.append(f"{where}: đường dẫn bị dùng hai lần")
        seen.add(spec.path)
        if spec.type not in TYPES:
            problems.append(
                f"{where}: kiểu {spec.type!r} không hợp lệ (các kiểu: {', '.join(TYPES)})"
            )
        if not str(spec.label or "").strip():
            problems.append(f"{where}: hãy ghi nhãn mà cán bộ nhìn thấy")
        if spec.type in ("choice", "multi_choice") and not spec.options:
            problems.append(f"{where}: trường lựa chọn cần có các phương án")
        problems += [
            f"{where}: giới hạn {k!r} không hợp lệ" for k in spec.limits if k not in LIMITS
        ]
    prefixes = {p.rsplit(".", 1)[0] for p in seen if "." in p}
    problems += [f"trường {p}: đang chứa các trường khác" for p in sorted(prefixes & seen)]
    return problems


def _schema_of(spec: FieldSpec) -> dict[str, Any]:
    base, _ = TYPES[spec.type]
    sub = json.loads(json.dumps(base))
    sub["title"] = spec.label
    if spec.type == "choice":
        sub["enum"] = list(spec.options)
    if spec.type == "multi_choice":
        sub["items"]["enum"] = list(spec.options)
    if spec.required and spec.type == "text":
        sub["minLength"] = 1
    if spec.required and spec.type in ("upload", "multi_choice"):
        sub["minItems"] = 1
    sub.update(spec.limits)
    if spec.prefill is not None:
        sub[PREFILL] = spec.prefill
    return sub


def _container(schema, path, ui_fields, order) -> tuple[dict[str, Any], str]:
    *parents, name = path.split(".")
    node, prefix = schema, ""
    for part in parents:
        prefix = f"{prefix}{part}"
        if part not in node["properties"]:
            node["properties"][part] = {"type": "object", "properties": {}, "required": []}
            ui_fields.setdefault(prefix, {"label": part})
            order.append(prefix)
        node = node["properties"][part]
        prefix += "."
    return node, name


def _drop_empty_required(node: dict[str, Any]) -> None:
    if node.get("required") == []:
        del node["required"]
    for sub in (node.get("properties") or {}).values():
        if isinstance(sub, dict) and sub.get("type") == "object":
            _drop_empty_required(sub)


def _walk(schema: dict[str, Any], prefix: str = ""):
    for name, sub in (schema.get("properties") or {}).items():
        if isinstance(sub, dict):
            yield f"{prefix}{name}", sub
            if sub.get("type") == "object":
                yield from _walk(sub, f"{prefix}{name}.")


def _required_paths(schema: dict[str, Any], prefix: str = "") -> set[str]:
    found = {f"{prefix}{n}" for n in schema.get("required") or []}
    for name, sub in (schema.get("properties") or {}).items():
        if isinstance(sub, dict) and sub.get("type") == "object":
            found |= _required_paths(sub, f"{prefix}{name}.")
    return found


def _type_of(sub: dict[str, Any]) -> str:
    kind, fmt = sub.get("type"), sub.get("format")
    if kind == "array":
        return "multi_choice" if "enum" in (sub.get("items") or {}) else "upload"
    if kind == "string":
        if "enum" in sub:
            return "choice"
        return {"date": "date", "cccd": "cccd", "enterprise_code": "enterprise_code",
                "phone_vn": "phone", "email": "email"}.get(fmt, "text")  # fmt: skip
    return {"integer": "integer", "number": "number", "boolean": "boolean"}.get(kind, "text")


def _defaults(kind: str, required: bool) -> dict[str, Any]:
    """The limits `build_form` sets by itself, so reading a form back does not repeat them."""
    found = {k: v for k, v in TYPES.get(kind, ({}, ""))[0].items() if k in LIMITS}
    if required and kind == "text":
        found["minLength"] = 1
    return found


def _options(sub: dict[str, Any], hints: dict[str, Any]) -> dict[str, str]:
    values = sub.get("enum") or (sub.get("items") or {}).get("enum") or []
    given = hints.get("options") or {}
    return {str(v): str(given.get(v, v)) for v in values}

"""What the studio's JSON endpoints share: lint with Vietnamese messages, drafts and sandbox
runs as JSON, the adapter operations a service task may call, and the eForm preview.

Kept apart from the views so `webui.studio` stays a list of routes.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import jsonify, render_template
from werkzeug.wrappers import Response

from engine.errors import InvalidInput, LienThongError, NotFound
from engine.model_sandbox import ACTIONS, ScenarioStep
from engine.model_versions import DraftInfo, ModelVersions


def api_error(message: str, status: int, errors: Any = None) -> tuple[Response, int]:
    return jsonify({"error": message, "errors": errors or {}}), status


def lint_findings(data: bytes, draft_forms: frozenset[str] = frozenset()) -> list[dict]:
    """The catalogue lint as `ModelVersions.default_lint`, keeping the Vietnamese message."""
    from bpmn.catalog.validate import known_operations
    from bpmn.lint import lint_model
    from forms.registry import form_exists

    findings = lint_model(
        data,
        known_operations=known_operations(),
        form_exists=lambda form_id: form_id in draft_forms or form_exists(form_id),
    )
    return [
        {"severity": f.severity, "element_id": f.element_id, "code": f.code,
         "message": f.message, "message_vi": f.message_vi or ""}
        for f in findings
    ]  # fmt: skip


def draft_json(draft: DraftInfo) -> dict[str, Any]:
    return {
        "id": draft.id,
        "procedure_code": draft.procedure_code,
        "name": draft.name,
        "state": draft.state,
        "errors": draft.errors,
        "warnings": draft.warnings,
        "deployable": draft.deployable,
        "findings": draft.findings,
        "base_version": draft.base_version,
        "deployed_version": draft.deployed_version,
        "saved_by": draft.saved_by,
        "saved_at": draft.saved_at.isoformat() if draft.saved_at else None,
        "forms": list(getattr(draft, "forms", ()) or ()),
    }


def forms_of_draft(mv: ModelVersions, draft_id: int) -> dict[str, Any]:
    """The eForms a draft brings, for the editor: id → its content, title and field list."""
    from forms.builder import fields_of
    from forms.registry import form_from_dict

    reader = getattr(mv, "draft_forms", None)
    out: dict[str, Any] = {}
    for form_id, raw in (reader(draft_id) if reader is not None else {}).items():
        try:
            fields = [dataclasses.asdict(f) for f in fields_of(form_from_dict(form_id, raw))]
        except InvalidInput:
            fields = []  # lint reports it; the editor starts empty rather than failing
        title = (raw.get("schema") or {}).get("title", "") if isinstance(raw, dict) else ""
        out[form_id] = {"raw": raw, "title": title, "fields": fields}
    return out


def operations() -> list[dict[str, Any]]:
    """The registered adapter operations (for the service task's select), without health checks."""
    from adapters.registry import get_registry

    try:
        return get_registry().describe(check_health=False)
    except LienThongError:
        return []


def scenario_steps(raw: Any) -> list[ScenarioStep]:
    if not isinstance(raw, list) or len(raw) > 200:
        raise InvalidInput("các bước chạy thử phải là một danh sách", {"steps": ["invalid"]})
    steps = []
    for n, item in enumerate(raw):
        if (
            not isinstance(item, dict)
            or not str(item.get("step") or "").strip()
            or item.get("action", "complete") not in ACTIONS
            or not isinstance(item.get("data") or {}, dict)
        ):
            raise InvalidInput(
                f"bước {n + 1}: cần mã bước, dữ liệu (đối tượng JSON) và thao tác "
                f"({', '.join(ACTIONS)})",
                {f"steps[{n}]": ["invalid"]},
            )
        steps.append(
            ScenarioStep(str(item["step"]), dict(item.get("data") or {}),
                         item.get("action", "complete"))
        )  # fmt: skip
    return steps


def run_json(run: Any) -> dict[str, Any]:
    return {
        "ok": run.ok,
        "status": run.status,
        "path": [dataclasses.asdict(p) for p in run.path],
        "branches": run.branches,
        "open_steps": run.open_steps,
        "service_calls": run.service_calls,
        "steps_run": run.steps_run,
        "error": run.error,
        "error_fields": run.error_fields,
    }


def form_fields_json(form_id: str) -> Any:
    from forms.builder import fields_of
    from forms.registry import load_form

    try:
        form = load_form(form_id)
    except NotFound:
        return api_error(f"Chưa có biểu mẫu '{form_id}': hãy thêm trường để tạo mới", 404)
    except InvalidInput as exc:
        return api_error(str(exc), 400)
    return jsonify({
        "form_id": form_id,
        "title": form.schema.get("title", ""),
        "fields": [dataclasses.asdict(f) for f in fields_of(form)],
        "raw": {"schema": form.schema, "ui": form.ui},
    })  # fmt: skip


def preview(body: dict[str, Any]) -> Any:
    """Build the form from the editor's fields; answer with the built form, the officer's view
    (the counter pages' own field macro) and what the sample data would be told."""
    from forms.builder import FieldSpec, build_form
    from forms.registry import form_from_dict
    from forms.validation import validate

    from .counter_forms import fields_of as layout

    form_id = str(body.get("form_id") or "")
    raw_fields = body.get("fields")
    if not isinstance(raw_fields, list):
        return api_error("Thiếu danh sách trường", 400)
    try:
        specs = [_spec(FieldSpec, f) for f in raw_fields]
        base = body.get("base")
        base_form = form_from_dict(form_id, base) if isinstance(base, dict) else None
        form = build_form(form_id, str(body.get("title") or ""), specs, base=base_form)
    except (InvalidInput, TypeError, ValueError) as exc:
        return api_error(str(exc), 400, getattr(exc, "errors", None))
    sample = body.get("sample")
    errors = validate(form, sample) if isinstance(sample, dict) else {}
    fields = layout(form)
    html = render_template("studio/_preview.html", fields=fields, errors=errors)
    return jsonify({"raw": {"schema": form.schema, "ui": form.ui}, "html": html,
                    "errors": errors})  # fmt: skip


def _spec(cls: Any, item: Any) -> Any:
    if not isinstance(item, dict):
        raise InvalidInput("trường không hợp lệ")
    prefill = item.get("prefill")
    if isinstance(prefill, dict) and not str(prefill.get("operation") or "").strip():
        prefill = None
    return cls(
        path=str(item.get("path") or "").strip(),
        type=str(item.get("type") or "text"),
        label=str(item.get("label") or ""),
        required=bool(item.get("required")),
        options={str(k): str(v) for k, v in (item.get("options") or {}).items()},
        limits={str(k): _number(v) for k, v in (item.get("limits") or {}).items() if v != ""},
        help=str(item.get("help") or ""),
        prefill=prefill,
    )


def _number(value: Any) -> float | int:
    number = float(value)
    return int(number) if number.is_integer() else number

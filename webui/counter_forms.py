"""The eForms the officer pages render: find them, lay them out, read the posted values back.

A procedure's intake form is, in order: the registry's ``proc_<code>_receive`` form (a
designer's or the catalogue's generated one), else the skeleton built from the procedure's
entry in the real catalogue, else the applicant block alone. Task forms come from the
registry by the task's ``lt:form``. Posted values are strings; :func:`read_form` turns them
into the JSON the schema describes (lists, numbers, booleans) so server-side validation
speaks about the fields the officer sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from werkzeug.datastructures import MultiDict

from engine.errors import LienThongError
from forms.registry import Form, form_from_dict, load_form
from forms.skeleton import APPLICANT_FIELDS, REQUIRED_APPLICANT, SCHEMA_DIALECT, form_id_for
from webui.dates import iso_or_raw

CATALOGUE = Path(__file__).resolve().parents[1] / "bpmn" / "catalog" / "real"
LIST_WIDGETS = {"list", "checklist", "checkboxes", "upload"}


@dataclass(frozen=True)
class Field:
    """One input of a rendered form: its dotted path, schema and UI hints."""

    path: str
    schema: dict[str, Any]
    hints: dict[str, Any]
    required: bool
    section: str = ""  # the title of the object the input belongs to (the fieldset legend)

    @property
    def label(self) -> str:
        return str(self.hints.get("label") or self.schema.get("title") or self.path)

    @property
    def widget(self) -> str:
        if "widget" in self.hints:
            return str(self.hints["widget"])
        kind = self.schema.get("type")
        if kind == "array":
            return "list"
        if kind == "boolean":
            return "checkbox"
        if "enum" in self.schema:
            return "select"
        if self.schema.get("format") == "date":
            return "date"
        return "number" if kind in ("integer", "number") else "text"

    @property
    def options(self) -> list[tuple[str, str]]:
        given = self.hints.get("options") or {}
        values = self.schema.get("enum") or (self.schema.get("items") or {}).get("enum") or []
        return [(str(v), str(given.get(v, v))) for v in values] or [
            (str(k), str(v)) for k, v in given.items()
        ]


def intake_form(procedure_code: str) -> Form:
    """Return the form an officer fills at the counter for ``procedure_code``."""
    try:
        return load_form(form_id_for(procedure_code))
    except LienThongError:
        pass
    entry = _catalogue_entry(procedure_code)
    if entry is not None:
        from forms.skeleton import form_from_entry

        return form_from_dict(form_id_for(procedure_code), form_from_entry(entry))
    return _applicant_only(procedure_code)


def task_form(form_id: str | None) -> Form | None:
    """Return a task's eForm, or None when the task has none (or it cannot be found)."""
    if not form_id:
        return None
    try:
        return load_form(form_id)
    except LienThongError:
        return None


def fee_text(procedure_code: str, channel: str = "direct") -> str:
    """The catalogue's fee for the channel, verbatim ("Miễn phí", "50.000 đồng/bản"), or ''."""
    entry = _catalogue_entry(procedure_code)
    if entry is None:
        return ""
    for terms in entry.channels:
        if terms.channel == channel and terms.fee:
            return str(terms.fee)
    return next((str(t.fee) for t in entry.channels if t.fee), "")


def fields_of(form: Form, *, skip: tuple[str, ...] = ("decision",)) -> list[Field]:
    """Lay the form out in its UI order; leaf inputs only (objects become headings)."""
    order = list((form.ui or {}).get("order") or [])
    hints = (form.ui or {}).get("fields") or {}
    leaves = dict(_leaves(form.schema))
    ordered = [p for p in order if p in leaves] + [p for p in leaves if p not in order]
    props = form.schema.get("properties") or {}

    def section(path: str) -> str:
        head = path.split(".")[0] if "." in path else ""
        if not head:
            return ""
        given = (hints.get(head) or {}).get("label") or (props.get(head) or {}).get("title")
        return str(given or "")

    return [
        Field(path, leaves[path][0], dict(hints.get(path) or {}), leaves[path][1], section(path))
        for path in ordered
        if path.split(".")[-1] not in skip
    ]


def read_form(form: Form, posted: MultiDict, *, skip: tuple[str, ...] = ("decision",)) -> dict:
    """Build the JSON object the schema describes from posted strings; blanks are left out."""
    data: dict[str, Any] = {}
    for field in fields_of(form, skip=skip):
        parents = field.path.split(".")[:-1]
        if parents:  # a section is always there, so its required fields are named one by one
            _put(data, ".".join(parents), get(data, ".".join(parents)) or {})
        if field.widget == "upload":
            continue  # files are read by the caller, stored, and referenced by hash
        value = _value(field, posted)
        if value is not None:
            _put(data, field.path, value)
    return data


def unplaced_errors(fields: list[Field], errors: dict[str, list[str]]) -> list[str]:
    """Messages about no rendered field (the form as a whole), to show above the form."""
    placed = {f.path for f in fields}
    return [
        f"{path}: {message}" if path else message
        for path, messages in errors.items()
        if path not in placed
        for message in messages
    ]


def upload_fields(form: Form) -> list[Field]:
    return [f for f in fields_of(form) if f.widget == "upload"]


def put(data: dict, path: str, value: Any) -> None:
    _put(data, path, value)


def get(data: dict, path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


# -- helpers -------------------------------------------------------------------------------
def _leaves(schema: dict, prefix: str = "", required: bool = True) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    needed = set(schema.get("required") or [])
    for name, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}{name}"
        if isinstance(sub, dict) and sub.get("type") == "object" and "properties" in sub:
            out.extend(_leaves(sub, f"{path}.", required and name in needed))
        elif isinstance(sub, dict):
            out.append((path, (sub, required and name in needed)))
    return out


def _value(field: Field, posted: MultiDict) -> Any:
    kind = field.schema.get("type")
    if kind == "array":
        if field.widget in ("checkboxes", "checklist") and field.options:
            items = posted.getlist(field.path)
        else:
            items = []
            for raw in posted.getlist(field.path):
                items.extend(raw.splitlines())
        items = [i.strip() for i in items if i.strip()]
        return items or None
    raw = posted.get(field.path)
    if kind == "boolean":
        return raw in ("on", "true", "1", "yes")
    if raw is None or not raw.strip():
        return None
    raw = raw.strip()
    if field.widget == "date" or field.schema.get("format") == "date":
        return iso_or_raw(raw)  # typed dd/mm/yyyy, kept ISO as the schema's "date" says
    if kind in ("integer", "number"):
        try:
            number = float(raw.replace(",", "."))
        except ValueError:
            return raw  # the validator names the field and says a number is needed
        return int(number) if kind == "integer" and number.is_integer() else number
    return raw


def _put(data: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


@lru_cache(maxsize=512)
def _catalogue_entry(code: str) -> Any:
    if not code or "/" in code or "\\" in code or code.startswith("."):
        return None
    path = CATALOGUE / f"{code}.yaml"
    if not path.is_file():
        return None
    from bpmn.catalog.importer_table import load_yaml

    try:
        entries = load_yaml(path)
    except LienThongError:
        return None
    return entries[0] if entries else None


def _applicant_only(procedure_code: str) -> Form:
    props = {name: dict(schema) for name, (schema, _) in APPLICANT_FIELDS.items()}
    fields = {f"applicant.{name}": dict(hints) for name, (_, hints) in APPLICANT_FIELDS.items()}
    fields["attachments"] = {"label": "Giấy tờ kèm theo (bản quét)", "widget": "upload"}
    raw = {
        "schema": {
            "$schema": SCHEMA_DIALECT,
            "type": "object",
            "properties": {
                "applicant": {
                    "type": "object",
                    "title": "Người nộp hồ sơ",
                    "properties": props,
                    "required": list(REQUIRED_APPLICANT),
                },
                "attachments": {
                    "type": "array",
                    "items": {"type": "string", "minLength": 1},
                    "title": "Giấy tờ kèm theo",
                },
            },
            "required": ["applicant"],
        },
        "ui": {"order": [*fields], "fields": fields},
    }
    return form_from_dict(form_id_for(procedure_code), raw)

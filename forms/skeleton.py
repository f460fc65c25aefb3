"""Build an eForm skeleton for a catalogue procedure, for a designer to refine.

The skeleton has the applicant block every procedure needs (full name, CCCD, date of birth,
address, phone) and one upload field per required document, labelled with the document's name
as the catalogue states it. Uploads hold document references (ids in the document store),
never file contents: documents stay out of task data.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # forms imports nothing of ours at run time; the entry is duck-typed
    from bpmn.catalog.entry import CatalogueEntry

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_NOT_ID = re.compile(r"[^a-z0-9_]")

APPLICANT_FIELDS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # name: (JSON Schema, UI hints)
    "full_name": (
        {"type": "string", "minLength": 1, "maxLength": 200, "title": "Họ và tên"},
        {"label": "Họ, chữ đệm và tên", "widget": "text"},
    ),
    "cccd": (
        {"type": "string", "format": "cccd", "title": "Số định danh cá nhân"},
        {"label": "Số định danh cá nhân (CCCD)", "widget": "text", "placeholder": "001234567890"},
    ),
    "date_of_birth": (
        {"type": "string", "format": "date", "title": "Ngày sinh"},
        {"label": "Ngày, tháng, năm sinh", "widget": "date"},
    ),
    "address": (
        {"type": "string", "minLength": 1, "maxLength": 500, "title": "Địa chỉ"},
        {"label": "Nơi cư trú", "widget": "textarea"},
    ),
    "phone": (
        {"type": "string", "format": "phone_vn", "title": "Số điện thoại"},
        {"label": "Số điện thoại liên hệ", "widget": "tel"},
    ),
}
REQUIRED_APPLICANT = ["full_name", "cccd", "address", "phone"]

# Typing the citizen ID fills the applicant block from the population database; documents it
# already proves are not asked for (Decree 104/2022/NĐ-CP art. 14: residence data read from
# the database need not be shown; the ID card only needs its number when the data is found).
CITIZEN_PREFILL: dict[str, Any] = {
    "operation": "population.lookup_citizen",
    "param": "personal_id",
    "fill": {
        "applicant.full_name": "full_name",
        "applicant.date_of_birth": "date_of_birth",
        "applicant.address": "permanent_address",
    },
    "holds": [
        {"title_contains": ["chứng minh thông tin về cư trú"], "when": "permanent_address"},
        {"title_contains": ["giấy tờ tùy thân", "bản sao thẻ căn cước"], "when": "personal_id"},
    ],
}
# An enterprise code fills the enterprise block from the national business registry.
ENTERPRISE_PARTNERS = {"business", "business_registration"}
ENTERPRISE_FIELDS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "enterprise_code": (
        {"type": "string", "format": "enterprise_code", "title": "Mã số doanh nghiệp",
         "x-prefill": {
             "operation": "business.lookup_enterprise",
             "param": "enterprise_code",
             "fill": {"enterprise.name": "name", "enterprise.address": "address"},
             "holds": [{"title_contains": ["giấy chứng nhận đăng ký doanh nghiệp"],
                        "when": "enterprise_code"}],
         }},
        {"label": "Mã số doanh nghiệp", "widget": "text", "placeholder": "3700000000"},
    ),
    "name": (
        {"type": "string", "maxLength": 300, "title": "Tên doanh nghiệp"},
        {"label": "Tên doanh nghiệp", "widget": "text"},
    ),
    "address": (
        {"type": "string", "maxLength": 500, "title": "Địa chỉ trụ sở chính"},
        {"label": "Địa chỉ trụ sở chính", "widget": "textarea"},
    ),
}  # fmt: skip


def form_id_for(code: str) -> str:
    """Return the receive-step form id of a procedure: `1.001193` → `proc_1_001193_receive`."""
    return f"proc_{_NOT_ID.sub('_', str(code).strip().lower())}_receive"


def form_from_entry(entry: CatalogueEntry) -> dict:
    """Return the eForm skeleton (``{"schema", "ui"}``) for a catalogue entry's receive step."""
    applicant_props = {name: dict(schema) for name, (schema, _) in APPLICANT_FIELDS.items()}
    applicant_props["cccd"]["x-prefill"] = CITIZEN_PREFILL
    ui_fields: dict[str, dict[str, Any]] = {
        "applicant": {"label": "Thông tin người nộp hồ sơ"},
        "documents": {"label": "Thành phần hồ sơ"},
    }
    for name, (_, hints) in APPLICANT_FIELDS.items():
        ui_fields[f"applicant.{name}"] = dict(hints)
    doc_props: dict[str, Any] = {}
    doc_order: list[str] = []
    for index, document in enumerate(entry.documents, start=1):
        key = f"doc_{index:02d}"
        label = " ".join(str(document.name).split()) or f"Giấy tờ {index}"
        doc_props[key] = {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "minItems": 1,
            "title": label[:500],
        }
        hints: dict[str, Any] = {"label": label, "widget": "upload"}
        counts = _counts(document)
        if counts:
            hints["help"] = counts
        if document.form_name:
            hints["template"] = document.form_name
        ui_fields[f"documents.{key}"] = hints
        doc_order.append(f"documents.{key}")
    schema = {
        "$schema": SCHEMA_DIALECT,
        "title": str(entry.name),
        "type": "object",
        "properties": {
            "applicant": {
                "type": "object",
                "title": "Người nộp hồ sơ",
                "properties": applicant_props,
                "required": list(REQUIRED_APPLICANT),
            },
            "documents": {
                "type": "object",
                "title": "Thành phần hồ sơ",
                "properties": doc_props,
                "required": list(doc_props),
            },
        },
        "required": ["applicant", "documents"],
    }
    order = ["applicant", *(f"applicant.{n}" for n in APPLICANT_FIELDS), "documents", *doc_order]
    if ENTERPRISE_PARTNERS & set(getattr(entry, "partners", None) or ()):
        schema["properties"]["enterprise"] = {
            "type": "object",
            "title": "Doanh nghiệp",
            "properties": {name: dict(s) for name, (s, _) in ENTERPRISE_FIELDS.items()},
        }
        ui_fields["enterprise"] = {"label": "Thông tin doanh nghiệp"}
        for name, (_, hints) in ENTERPRISE_FIELDS.items():
            ui_fields[f"enterprise.{name}"] = dict(hints)
        order[1 + len(APPLICANT_FIELDS) : 1 + len(APPLICANT_FIELDS)] = [
            "enterprise",
            *(f"enterprise.{n}" for n in ENTERPRISE_FIELDS),
        ]
    return {
        "schema": schema,
        "ui": {"order": order, "fields": ui_fields, "procedure": str(entry.code)},
    }


def _counts(document: Any) -> str:
    """Describe how many originals/copies the catalogue asks for, if it says."""
    parts = []
    if document.originals:
        parts.append(f"{document.originals} bản chính")
    if document.copies:
        parts.append(f"{document.copies} bản sao")
    return ", ".join(parts)

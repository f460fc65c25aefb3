"""Read and write the product's own catalogue format (YAML, and a flat CSV for spreadsheets).

The format is documented in ``docs/catalogue.md``. Keys are the :class:`CatalogueEntry`
attribute names; empty values may be left out.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import yaml

from bpmn.catalog.entry import (
    CatalogueEntry,
    ChannelTerms,
    Deadline,
    Flag,
    RequiredDocument,
)
from bpmn.catalog.importer_portal_json import CODE_RE
from engine.errors import InvalidInput

MODES = ("partial", "full", "info")
CHANNELS = ("online", "post", "direct")
LEVELS = ("ministry", "province", "district", "commune", "other")
UNITS = ("working_days", "days", "working_hours", "hours", "weeks", "months", "years", None)
CSV_COLUMNS = (
    "code", "name", "field", "level", "mode", "issuing_agency", "competent_agency",
    "coordinating_agencies", "channels", "deadline_amount", "deadline_unit", "fee", "fee_vnd",
    "documents", "results", "result_codes", "legal_basis", "partners", "synthetic",
)  # fmt: skip
_ENTRY_KEYS = {f.name for f in fields(CatalogueEntry)}


def entry_to_dict(entry: CatalogueEntry) -> dict[str, Any]:
    """Return the YAML form of an entry, leaving out empty values."""
    data = asdict(entry)
    return {k: v for k, v in data.items() if v not in (None, "", [], False)}


def entry_from_dict(data: Any, where: str) -> CatalogueEntry:
    """Build an entry from its YAML form; every problem is named with ``where`` and the key."""
    if not isinstance(data, dict):
        raise InvalidInput(f"{where}: a procedure must be a mapping, got {type(data).__name__}")
    errors: dict[str, list[str]] = {}
    unknown = set(data) - _ENTRY_KEYS
    if unknown:
        errors["keys"] = [f"unknown key {k!r}" for k in sorted(map(str, unknown))]
    code, name = str(data.get("code", "")).strip(), str(data.get("name", "")).strip()
    if not CODE_RE.match(code):
        errors["code"] = [f"{code!r} is not a national code d.dddddd"]
    if not name:
        errors["name"] = ["required"]
    if data.get("mode", "partial") not in MODES:
        errors["mode"] = [f"{data.get('mode')!r} is not one of {', '.join(MODES)}"]
    for lvl in _as_list(data.get("level")):
        if lvl not in LEVELS:
            errors.setdefault("level", []).append(f"{lvl!r} is not one of {', '.join(LEVELS)}")
    try:
        channels = [_channel(c) for c in _as_list(data.get("channels"))]
        documents = [_document(d) for d in _as_list(data.get("documents"))]
        flags = [Flag(str(f["field"]), str(f["message"])) for f in _as_list(data.get("flags"))]
    except (KeyError, TypeError, ValueError) as exc:
        errors.setdefault("channels/documents/flags", []).append(f"malformed: {exc}")
        channels, documents, flags = [], [], []
    if errors:
        detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items())
        raise InvalidInput(f"{where}: invalid procedure ({detail})", errors)
    simple = {k: data[k] for k in _ENTRY_KEYS & set(data)}
    simple.update(code=code, name=name, channels=channels, documents=documents, flags=flags)
    for key in (
        "level",
        "coordinating_agencies",
        "results",
        "result_codes",
        "legal_basis",
        "partners",
    ):
        simple[key] = [str(v) for v in _as_list(data.get(key))]
    return CatalogueEntry(**simple)


def _as_list(value: Any) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    return [value]


def _channel(data: dict) -> ChannelTerms:
    if data["channel"] not in CHANNELS:
        raise ValueError(f"channel {data['channel']!r} is not one of {', '.join(CHANNELS)}")
    dl = data.get("deadline")
    deadline = None
    if dl is not None:
        if dl.get("unit") not in UNITS:
            raise ValueError(f"deadline unit {dl.get('unit')!r} is not one of {UNITS[:-1]}")
        amount = dl.get("amount")
        deadline = Deadline(
            None if amount is None else float(amount), dl.get("unit"), str(dl.get("text", ""))
        )
    fee_vnd = data.get("fee_vnd")
    return ChannelTerms(
        data["channel"],
        deadline,
        data.get("fee"),
        None if fee_vnd is None else int(fee_vnd),
        str(data.get("description", "")),
    )


def _document(data: dict | str) -> RequiredDocument:
    if isinstance(data, str):
        return RequiredDocument(name=data)
    if not str(data.get("name", "")).strip():
        raise ValueError("a document needs a name")
    originals, copies = data.get("originals"), data.get("copies")
    return RequiredDocument(
        name=str(data["name"]),
        originals=None if originals is None else int(originals),
        copies=None if copies is None else int(copies),
        form_name=data.get("form_name"),
    )


def load_yaml(path: Path) -> list[CatalogueEntry]:
    """Read a YAML file holding one procedure, a list of them, or ``procedures: [...]``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(f"{path}: not a readable YAML file ({exc})") from exc
    if isinstance(data, dict) and "procedures" in data:
        data = data["procedures"]
    items = data if isinstance(data, list) else [data]
    entries = [entry_from_dict(item, f"{path}[{i}]") for i, item in enumerate(items)]
    for e in entries:
        e.source = e.source or str(path)
    return entries


def dump_yaml(entry: CatalogueEntry) -> str:
    """Return one procedure as YAML text (UTF-8, keys in entry order)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(
        entry_to_dict(entry), Dumper=dumper, allow_unicode=True, sort_keys=False, width=100
    )


def load_csv(path: Path) -> list[CatalogueEntry]:
    """Read the flat CSV format: one row per procedure, lists separated by ``;``.

    Every channel listed in ``channels`` gets the row's deadline and fee; documents are
    ``name|originals|copies`` items.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: not a readable UTF-8 CSV file ({exc})") from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = {"code", "name"} - set(reader.fieldnames or [])
    if missing:
        raise InvalidInput(f"{path}: CSV header lacks {', '.join(sorted(missing))}")
    return [_entry_from_row(row, f"{path}:{n}") for n, row in enumerate(reader, start=2)]


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(";") if v.strip()]


def _entry_from_row(row: dict[str, str], where: str) -> CatalogueEntry:
    data: dict[str, Any] = {k: v.strip() for k, v in row.items() if k and v and v.strip()}
    unknown = set(data) - set(CSV_COLUMNS)
    if unknown:
        raise InvalidInput(f"{where}: unknown column(s) {', '.join(sorted(unknown))}")
    amount, unit = data.pop("deadline_amount", None), data.pop("deadline_unit", None)
    fee, fee_vnd = data.pop("fee", None), data.pop("fee_vnd", None)
    try:
        deadline = None if amount is None else {"amount": float(amount), "unit": unit}
        data["channels"] = [
            {
                "channel": ch,
                "deadline": deadline,
                "fee": fee,
                "fee_vnd": None if fee_vnd is None else int(fee_vnd),
            }
            for ch in _split(data.get("channels"))
        ]
        data["documents"] = [_csv_document(d) for d in _split(data.get("documents"))]
    except ValueError as exc:
        raise InvalidInput(f"{where}: {exc}", {"row": [str(exc)]}) from exc
    for key in (
        "level",
        "coordinating_agencies",
        "results",
        "result_codes",
        "legal_basis",
        "partners",
    ):
        data[key] = _split(data.get(key))
    data["synthetic"] = data.get("synthetic", "").lower() in ("1", "true", "yes")
    entry = entry_from_dict(data, where)
    entry.source = entry.source or where
    return entry


def _csv_document(item: str) -> dict:
    name, *counts = item.split("|")
    nums = [int(c) if c.strip() else None for c in counts] + [None, None]
    return {"name": name.strip(), "originals": nums[0], "copies": nums[1]}

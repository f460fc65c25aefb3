"""The catalogue operations the CLI (and later the web UI) offer: import and describe."""

from __future__ import annotations

import re
from pathlib import Path

from bpmn.catalog.entry import CatalogueEntry
from bpmn.catalog.importer import import_path
from bpmn.catalog.report import ImportReport, procedure_report
from bpmn.catalog.store import REPORT_FILE, CatalogStore, sha256

_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
_LT = "{urn:lienthong:bpmn:1}"


def import_entries(
    entries: list[CatalogueEntry],
    store: CatalogStore,
    source: str,
    generate: bool = True,
    errors: list[str] | None = None,
) -> ImportReport:
    """Write entries to the store and build the report (also saved as import-report.json)."""
    report = ImportReport(source=source, errors=list(errors or []))
    for entry in entries:
        outcome = store.write(entry, generate=generate)
        report.procedures.append(procedure_report(entry, outcome))
    report.write(store.root / REPORT_FILE)
    return report


def run_import(path: Path | str, store: CatalogStore, generate: bool = True) -> ImportReport:
    """Import every source under ``path`` into ``store``."""
    batch = import_path(path)
    return import_entries(batch.entries, store, str(path), generate, batch.errors)


def describe(store: CatalogStore, code: str) -> str:
    """Return the text ``catalog show CODE`` prints."""
    entry = store.load(code)
    dl = entry.deadline()
    lines = [
        f"{entry.code}  {entry.name}" + ("  [synthetic]" if entry.synthetic else ""),
        f"field: {entry.field or '-'}  level: {', '.join(entry.level) or '-'}  mode: {entry.mode}",
        f"issuing agency: {entry.issuing_agency or '-'}",
        f"competent agency: {entry.competent_agency or '-'}",
        f"coordinating: {', '.join(entry.coordinating_agencies) or '-'}",
        "deadline: " + (f"{dl.amount:g} {dl.unit or '(unit not stated)'}" if dl else "not set"),
    ]
    for c in entry.channels:
        d = (
            f"{c.deadline.amount:g} {c.deadline.unit or '?'}"
            if c.deadline and c.deadline.amount is not None
            else "-"
        )
        lines.append(f"  {c.channel}: deadline {d}; fee {c.fee or '-'}")
    lines.append(f"documents ({len(entry.documents)}):")
    for doc in entry.documents:
        counts = ", ".join(
            x
            for x in (
                f"{doc.originals} original" if doc.originals else "",
                f"{doc.copies} copy" if doc.copies else "",
            )
            if x
        )
        lines.append(f"  - {doc.name[:110]}" + (f" ({counts})" if counts else ""))
    lines.append(f"results: {', '.join(entry.result_codes) or '-'}")
    lines.append(f"partners: {', '.join(entry.partners) or '-'}")
    lines += _model_lines(store, code, entry)
    if entry.flags:
        lines.append(f"flags ({len(entry.flags)}):")
        lines += [f"  {f.field}: {f.message[:110]}" for f in entry.flags]
    return "\n".join(lines)


def _model_lines(store: CatalogStore, code: str, entry: CatalogueEntry) -> list[str]:
    if entry.mode == "info":
        return ["model: none (information-only procedure)"]
    path = store.model_path(code)
    if not path.is_file():
        return ["model: not generated"]
    data = path.read_bytes()
    meta = store.meta(code).get("model", {})
    lines = [
        f"model: version {meta.get('version', '-')}, sha256 {sha256(data)[:16]}, "
        f"{store.model_state(code)}"
    ]
    lanes, steps = _lanes_and_steps(data)
    lines.append("lanes: " + (", ".join(lanes) or "-"))
    lines.append("steps: " + (" → ".join(steps) or "-"))
    return lines


def _lanes_and_steps(data: bytes) -> tuple[list[str], list[str]]:
    """Read lane and task names from a model through the hardened XML parser."""
    from engine.errors import LienThongError
    from engine.xml_safety import parse_xml

    try:
        root = parse_xml(data)
    except LienThongError:
        return [], ["(model is not readable XML)"]
    lanes = []
    for lane in root.iterfind(".//bpmn:lane", _NS):
        role = lane.get(f"{_LT}role")
        lanes.append(f"{lane.get('name') or lane.get('id')}" + (f" [{role}]" if role else ""))
    steps = []
    for el in root.iter():
        tag = el.tag.split("}")[-1] if isinstance(el.tag, str) else ""
        if re.fullmatch(r"(user|service|script|manual|send|receive)?[Tt]ask", tag):
            steps.append(el.get("name") or el.get("id"))
    return lanes, steps

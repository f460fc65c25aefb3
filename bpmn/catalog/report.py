"""Tell a designer, per procedure, what an import parsed, what it flagged and what needs them."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bpmn.catalog.entry import CatalogueEntry
from bpmn.catalog.store import WriteOutcome


def deadline_confident(entry: CatalogueEntry) -> bool:
    """A deadline with an amount and a unit, and no deadline flag (several cases, no unit…)."""
    dl = entry.deadline()
    flagged = any(f.field.split(".")[0] == "deadline" for f in entry.flags)
    return dl is not None and dl.unit is not None and not flagged


def fee_confident(entry: CatalogueEntry) -> bool:
    """Every channel has an amount in đồng (0 for free) and no fee flag."""
    flagged = any(f.field.split(".")[0] == "fee" for f in entry.flags)
    return (
        bool(entry.channels) and not flagged and all(c.fee_vnd is not None for c in entry.channels)
    )


def documents_confident(entry: CatalogueEntry) -> bool:
    """A non-empty document list with no flag but notes set aside."""
    return bool(entry.documents) and not any(f.field == "documents" for f in entry.flags)


@dataclass
class ProcedureReport:
    code: str
    name: str
    mode: str
    parsed: dict[str, object]
    flags: list[dict[str, str]]
    needs_designer: list[str]
    model: str = "skipped"
    form: str = "skipped"


@dataclass
class ImportReport:
    """The whole import: summary counts and one :class:`ProcedureReport` per procedure."""

    source: str
    procedures: list[ProcedureReport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        modes = Counter(p.mode for p in self.procedures)
        count = Counter()
        for p in self.procedures:
            for key in ("deadline", "fee", "documents"):
                count[f"{key}_{'parsed' if p.parsed[key + '_confident'] else 'flagged'}"] += 1
            count["models_" + p.model] += 1
            count["needs_designer"] += bool(p.needs_designer)
        return {
            "procedures": len(self.procedures),
            "modes": {m: modes.get(m, 0) for m in ("partial", "full", "info")},
            **{
                k: count.get(k, 0)
                for k in (
                    "deadline_parsed",
                    "deadline_flagged",
                    "fee_parsed",
                    "fee_flagged",
                    "documents_parsed",
                    "documents_flagged",
                    "needs_designer",
                )
            },
            "models": {k[7:]: v for k, v in sorted(count.items()) if k.startswith("models_")},
            "conflicts": sum(1 for p in self.procedures if "conflict" in (p.model, p.form)),
            "source_errors": len(self.errors),
        }

    def to_json(self) -> str:
        return json.dumps(
            {
                "source": self.source,
                "summary": self.summary(),
                "errors": self.errors,
                "procedures": [asdict(p) for p in self.procedures],
            },
            ensure_ascii=False,
            indent=1,
        )

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json(), encoding="utf-8")

    def format_text(self, verbose: bool = False) -> str:
        """Summary lines, then the procedures that need a designer (all of them if verbose)."""
        s = self.summary()
        lines = [
            f"{s['procedures']} procedures: {s['modes']['partial']} partial, "
            f"{s['modes']['full']} full, {s['modes']['info']} info",
            f"deadlines: {s['deadline_parsed']} parsed, {s['deadline_flagged']} flagged; "
            f"fees: {s['fee_parsed']} parsed, {s['fee_flagged']} flagged; "
            f"document lists: {s['documents_parsed']} parsed, {s['documents_flagged']} flagged",
            "models: "
            + (", ".join(f"{v} {k}" for k, v in s["models"].items()) or "none")
            + f"; {s['conflicts']} conflicts; {s['needs_designer']} need a designer",
        ]
        lines += [f"error: {e}" for e in self.errors]
        for p in self.procedures:
            if p.needs_designer and (verbose or "conflict" in (p.model, p.form)):
                lines.append(f"{p.code} {p.name[:60]}: " + "; ".join(p.needs_designer))
        return "\n".join(lines)


def procedure_report(entry: CatalogueEntry, outcome: WriteOutcome | None = None) -> ProcedureReport:
    """Report one procedure: parsed values, flags, and the reasons a designer must look."""
    dl = entry.deadline()
    parsed = {
        "deadline": None if dl is None else {"amount": dl.amount, "unit": dl.unit},
        "deadline_confident": deadline_confident(entry),
        "fees": sorted({c.fee_vnd for c in entry.channels if c.fee_vnd is not None}),
        "fee_confident": fee_confident(entry),
        "documents": len(entry.documents),
        "documents_confident": documents_confident(entry),
        "channels": sorted({c.channel for c in entry.channels}),
        "result_codes": entry.result_codes,
        "partners": entry.partners,
    }
    needs: list[str] = []
    if outcome:
        needs += outcome.messages
    if entry.mode != "info":
        if not parsed["deadline_confident"]:
            needs.append("set the legal deadline")
        if not entry.documents:
            needs.append("list the required documents")
        needs += _unmapped_partner_calls(entry)
    needs += sorted(
        {
            f"check {f.field.split('.')[0]}"
            for f in entry.flags
            if f.field.split(".")[0] not in ("deadline", "documents")
            and f.field != "documents.note"
        }
    )
    return ProcedureReport(
        code=entry.code,
        name=entry.name,
        mode=entry.mode,
        parsed=parsed,
        flags=[{"field": f.field, "message": f.message} for f in entry.flags],
        needs_designer=needs,
        model=outcome.model if outcome else "skipped",
        form=outcome.form if outcome else "skipped",
    )


def _unmapped_partner_calls(entry) -> list[str]:
    """Name the generated service calls whose parameters the generator could not map."""
    try:
        from bpmn.generator import operation_for
    except ImportError:
        return []
    unmapped = {operation_for(p)[0] for p in entry.partners if not operation_for(p)[2]}
    return [f"map the parameters of {op}" for op in sorted(unmapped)]

"""Keep the catalogue on disk: one folder per procedure, generated files never clobber edits.

Layout (documented in ``docs/catalogue.md``)::

    <root>/<code>/procedure.yaml    the entry, in the product's YAML format
    <root>/<code>/model.bpmn        the BPMN model (absent for information-only procedures)
    <root>/<code>/form.json         the eForm skeleton (absent for information-only procedures)
    <root>/<code>/.generated.json   sha256 and version of what the generator last wrote
    <root>/import-report.json       the last import's report

A generated file whose current hash differs from the one recorded in ``.generated.json``
was edited by a designer: re-import leaves it alone and reports a conflict.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bpmn.catalog.entry import CatalogueEntry
from bpmn.catalog.importer_table import dump_yaml, entry_from_dict
from engine.errors import InvalidInput, LienThongError, UnknownProcedure

ENTRY_FILE = "procedure.yaml"
MODEL_FILE = "model.bpmn"
FORM_FILE = "form.json"
META_FILE = ".generated.json"
REPORT_FILE = "import-report.json"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def default_root() -> Path:
    """Return ``LIENTHONG_CATALOG_DIR`` or ``./instance/catalog`` (the forms search it too)."""
    from forms.registry import catalog_root

    return catalog_root()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class WriteOutcome:
    """What writing one procedure did to each generated file."""

    code: str
    model: str = "skipped"  # created | updated | unchanged | conflict | skipped | failed
    form: str = "skipped"
    messages: list[str] = field(default_factory=list)

    @property
    def conflicts(self) -> list[str]:
        return [n for n, s in (("model", self.model), ("form", self.form)) if s == "conflict"]


def _default_model(entry: CatalogueEntry) -> bytes:
    from bpmn.generator import generate_model

    return generate_model(entry)


def _default_form(entry: CatalogueEntry) -> bytes:
    from forms.skeleton import form_from_entry

    return json.dumps(form_from_entry(entry), ensure_ascii=False, indent=2).encode("utf-8")


class CatalogStore:
    """A catalogue directory: read entries and write them with their generated files."""

    def __init__(
        self,
        root: Path | str | None = None,
        make_model: Callable[[CatalogueEntry], bytes] | None = None,
        make_form: Callable[[CatalogueEntry], bytes] | None = None,
    ) -> None:
        self.root = Path(root) if root is not None else default_root()
        self.make_model = make_model or _default_model
        self.make_form = make_form or _default_form

    def folder(self, code: str) -> Path:
        return self.root / code

    def write(self, entry: CatalogueEntry, generate: bool = True) -> WriteOutcome:
        """Write the entry; (re)generate model and form unless a designer edited them."""
        folder = self.folder(entry.code)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / ENTRY_FILE).write_text(dump_yaml(entry), encoding="utf-8")
        outcome = WriteOutcome(entry.code)
        if not generate or entry.mode == "info":
            return outcome
        meta = self.meta(entry.code)
        for name, filename, make in (
            ("model", MODEL_FILE, self.make_model),
            ("form", FORM_FILE, self.make_form),
        ):
            try:
                data = make(entry)
            except LienThongError as exc:
                setattr(outcome, name, "failed")
                outcome.messages.append(f"{name} not generated: {exc}")
                continue
            status = _write_generated(folder / filename, data, meta, name)
            setattr(outcome, name, status)
            if status == "conflict":
                outcome.messages.append(f"conflict: {filename} edited by designer, kept as is")
        (folder / META_FILE).write_text(json.dumps(meta, indent=1, sort_keys=True), "utf-8")
        return outcome

    def meta(self, code: str) -> dict:
        path = self.folder(code) / META_FILE
        if not path.exists():
            return {}
        try:
            return json.loads(path.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InvalidInput(f"{path}: unreadable generation record ({exc})") from exc

    def codes(self) -> list[str]:
        """Return the codes of every procedure folder, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / ENTRY_FILE).is_file())

    def load(self, code: str) -> CatalogueEntry:
        path = self.folder(code) / ENTRY_FILE
        if not path.is_file():
            raise UnknownProcedure(f"no procedure {code!r} in catalogue {self.root}")
        try:
            data = yaml.load(path.read_text("utf-8"), Loader=_Loader)  # noqa: S506 (safe loader)
        except yaml.YAMLError as exc:
            raise InvalidInput(f"{path}: not valid YAML ({exc})") from exc
        return entry_from_dict(data, str(path))

    def entries(self) -> Iterator[CatalogueEntry]:
        for code in self.codes():
            yield self.load(code)

    def model_path(self, code: str) -> Path:
        return self.folder(code) / MODEL_FILE

    def model_state(self, code: str) -> str:
        """Return "generated", "edited" (by a designer), "hand-made" or "none"."""
        path = self.model_path(code)
        if not path.is_file():
            return "none"
        recorded = self.meta(code).get("model", {}).get("sha256")
        if recorded is None:
            return "hand-made"
        return "generated" if sha256(path.read_bytes()) == recorded else "edited"


def _write_generated(path: Path, data: bytes, meta: dict, name: str) -> str:
    record = meta.get(name)
    new_hash = sha256(data)
    if path.exists():
        current = sha256(path.read_bytes())
        if record is None or current != record.get("sha256"):
            return "conflict"
        if current == new_hash:
            return "unchanged"
        status = "updated"
    else:
        status = "created"
    path.write_bytes(data)
    version = (record or {}).get("version", 0) + 1
    meta[name] = {"sha256": new_hash, "version": version}
    return status

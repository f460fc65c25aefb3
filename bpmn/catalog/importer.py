"""Find every source under a path (xlsx lists, portal JSON pages, product YAML/CSV) and merge.

One procedure code gives one entry: a detail page wins over a list row (the list only adds
the issuing agency and fills gaps); the product's own YAML/CSV wins over both, since a
person wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bpmn.catalog.entry import CatalogueEntry, Flag
from bpmn.catalog.importer_portal_json import is_portal_page, load_portal_file
from bpmn.catalog.importer_table import load_csv, load_yaml
from bpmn.catalog.importer_xlsx import ListRow, entry_from_row, merge_row, read_list_xlsx
from engine.errors import InvalidInput


@dataclass
class ImportBatch:
    """What an import read: entries by code, and the files it could not read (with why)."""

    entries: list[CatalogueEntry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    files: int = 0


def import_path(path: Path | str) -> ImportBatch:
    """Read a file or a directory tree of sources into one entry per procedure code."""
    path = Path(path)
    if not path.exists():
        raise InvalidInput(f"{path}: no such file or directory")
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    batch = ImportBatch()
    rows: list[ListRow] = []
    pages: dict[str, CatalogueEntry] = {}
    own: dict[str, CatalogueEntry] = {}
    for f in files:
        suffix = f.suffix.lower()
        try:
            if suffix == ".xlsx":
                rows += read_list_xlsx(f)
            elif suffix == ".json" and is_portal_page(f):
                entry = load_portal_file(f)
                _keep_first(pages, entry)
            elif suffix in (".yaml", ".yml"):
                for entry in load_yaml(f):
                    _keep_first(own, entry)
            elif suffix == ".csv":
                for entry in load_csv(f):
                    _keep_first(own, entry)
            else:
                if not path.is_dir():
                    raise InvalidInput(
                        f"{f}: unknown source type (expected .xlsx, a portal "
                        "<code>.json page, .yaml/.yml or .csv)"
                    )
                continue
            batch.files += 1
        except InvalidInput as exc:
            if not path.is_dir():
                raise
            batch.errors.append(str(exc))
    merged = dict(pages)
    for row in rows:
        if row.code in merged:
            merge_row(merged[row.code], row)
        else:
            merged[row.code] = entry_from_row(row)
    merged.update(own)
    batch.entries = [merged[c] for c in sorted(merged)]
    return batch


def _keep_first(target: dict[str, CatalogueEntry], entry: CatalogueEntry) -> None:
    if entry.code in target:
        target[entry.code].flags.append(
            Flag("source", f"also given by {entry.source}; the first source was kept")
        )
        return
    target[entry.code] = entry

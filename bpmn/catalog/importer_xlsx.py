"""Read the national portal's list export (xlsx) of procedures."""

from __future__ import annotations

import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from bpmn.catalog.entry import CatalogueEntry, Flag
from bpmn.catalog.parse_docs import split_agencies
from bpmn.catalog.parse_text import clean
from engine.errors import InvalidInput

HEADER = ("Mã số", "Tên", "Cơ quan ban hành", "Cơ quan thực hiện", "Lĩnh vực")


@dataclass
class ListRow:
    """One row of the list export, as the portal gives it."""

    code: str
    name: str
    issuing_agency: str | None
    competent_agencies: list[str]
    field: str | None
    source: str


def read_list_xlsx(path: Path) -> list[ListRow]:
    """Return the rows under the "Mã số | Tên | …" header, skipping the title block."""
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about the portal's styles
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InvalidInput(f"{path}: not a readable xlsx workbook ({exc})") from exc
    try:
        rows = list(wb.worksheets[0].iter_rows(values_only=True))
    finally:
        wb.close()
    start = _header_index(rows, path)
    out: list[ListRow] = []
    for number, row in enumerate(rows[start + 1 :], start=start + 2):
        cells = [clean(str(c)) if c is not None else "" for c in (tuple(row) + ("",) * 5)[:5]]
        if not any(cells):
            continue
        code, name, issuer, competent, fld = cells
        if not code or not name:
            raise InvalidInput(
                f"{path}: row {number} lacks a code or a name",
                {f"row {number}": ["code and name are required"]},
            )
        out.append(
            ListRow(
                code,
                name,
                issuer or None,
                split_agencies(_raw(row, 3)),
                fld or None,
                f"{path.name}#row{number}",
            )
        )
    return out


def _raw(row: tuple, i: int) -> str:
    return str(row[i]) if len(row) > i and row[i] is not None else ""


def _header_index(rows: list[tuple], path: Path) -> int:
    for i, row in enumerate(rows[:30]):
        cells = tuple(clean(str(c)) if c is not None else "" for c in row[:5])
        if cells == HEADER:
            return i
    raise InvalidInput(f"{path}: no header row {' | '.join(HEADER)} in the first 30 rows")


def entry_from_row(row: ListRow) -> CatalogueEntry:
    """An entry from the list alone: everything the detail page would give stays empty."""
    return CatalogueEntry(
        code=row.code,
        name=row.name,
        field=row.field,
        issuing_agency=row.issuing_agency,
        competent_agency="; ".join(row.competent_agencies) or None,
        source=row.source,
        flags=[
            Flag(
                "detail",
                "listed only: no detail page, so channels, deadlines, fees, "
                "documents and results are unknown",
            ),
            Flag("mode", "online mode not stated; 'partial' kept until a designer sets it"),
        ],
    )


def merge_row(entry: CatalogueEntry, row: ListRow) -> None:
    """Complete a detail-page entry with what only the list states (issuer, missing fields)."""
    entry.issuing_agency = entry.issuing_agency or row.issuing_agency
    entry.field = entry.field or row.field
    if not entry.competent_agency and row.competent_agencies:
        entry.competent_agency = "; ".join(row.competent_agencies)
        entry.flags = [f for f in entry.flags if f.field != "competent_agency"]

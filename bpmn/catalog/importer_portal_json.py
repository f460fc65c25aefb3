"""Turn the national portal's procedure detail pages (JSON) into catalogue entries."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bpmn.catalog.entry import CatalogueEntry, Flag
from bpmn.catalog.parse_docs import (
    parse_documents,
    parse_legal_basis,
    parse_levels,
    parse_results,
    split_agencies,
)
from bpmn.catalog.parse_text import clean, fold, parse_channel_table
from engine.errors import InvalidInput

CODE_RE = re.compile(r"^\d\.\d{6}$")

# Adapter keys, and the phrases (accent-folded) whose presence in the page says the procedure
# exchanges data with that system. Only stated connections count; nothing is guessed.
PARTNER_PHRASES = {
    "population": ["co so du lieu quoc gia ve dan cu"],
    "civil_status": ["co so du lieu ho tich dien tu"],
    "land": [
        "he thong thong tin dat dai",
        "co so du lieu dat dai",
        "co so du lieu quoc gia ve dat dai",
    ],
    "business_registration": ["he thong thong tin quoc gia ve dang ky doanh nghiep"],
    "judicial_records": ["co so du lieu ly lich tu phap"],
    "social_insurance": ["bao hiem xa hoi"],
    "tax": ["co quan thue"],
}


def infer_partners(*texts: str) -> list[str]:
    """Return the adapter keys of the systems the texts name explicitly."""
    folded = fold(" ".join(texts))
    return [key for key, phrases in PARTNER_PHRASES.items() if any(p in folded for p in phrases)]


def entry_from_portal(page: dict, source: str = "") -> CatalogueEntry:
    """Build an entry from one detail page; unreliable fields are left empty and flagged."""
    code = clean(str(page.get("ma_thu_tuc", "")))
    name = clean(page.get("ten_thu_tuc"))
    if not CODE_RE.match(code):
        raise InvalidInput(
            f"{source}: procedure code {code!r} is not d.dddddd",
            {"ma_thu_tuc": [f"bad code {code!r}"]},
        )
    if not name:
        raise InvalidInput(f"{source}: procedure {code} has no name", {"ten_thu_tuc": ["empty"]})
    flags: list[Flag] = []
    level, level_flags = parse_levels(page.get("cap_thuc_hien", ""))
    channels, channel_flags = parse_channel_table(page.get("cach_thuc_thuc_hien", ""))
    documents, doc_flags = parse_documents(page.get("thanh_phan_ho_so", ""))
    results, result_codes = parse_results(page.get("ket_qua_xu_ly", ""))
    flags += level_flags + channel_flags + doc_flags
    if not result_codes:
        flags.append(Flag("result_codes", "no result code stated"))
    competent = split_agencies(page.get("co_quan_co_tham_quyen")) or split_agencies(
        page.get("co_quan_thuc_hien")
    )
    if not competent:
        flags.append(Flag("competent_agency", "no competent agency stated"))
    mode = "partial"
    if "toàn trình" in name.lower():
        mode = "full"
    else:
        flags.append(
            Flag("mode", "online mode not stated; 'partial' kept until a designer sets it")
        )
    steps = (page.get("trinh_tu_thuc_hien") or "").strip()
    coordinating = split_agencies(page.get("co_quan_phoi_hop"))
    return CatalogueEntry(
        code=code,
        name=name,
        field=clean(page.get("linh_vuc")) or None,
        level=level,
        mode=mode,
        competent_agency="; ".join(competent) or None,
        coordinating_agencies=coordinating,
        channels=channels,
        documents=documents,
        results=results,
        result_codes=result_codes,
        legal_basis=parse_legal_basis(page.get("can_cu_phap_ly", "")),
        partners=infer_partners(steps, " ".join(coordinating)),
        steps_text=steps,
        source=clean(page.get("detail_url")) or source,
        flags=flags,
    )


def load_portal_file(path: Path) -> CatalogueEntry:
    """Read one detail page file; a file that is not a page is an InvalidInput naming it."""
    try:
        page = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{path}: not a readable JSON file ({exc})") from exc
    if not isinstance(page, dict) or "ma_thu_tuc" not in page:
        raise InvalidInput(f"{path}: not a portal procedure page (no 'ma_thu_tuc')")
    return entry_from_portal(page, source=str(path))


def is_portal_page(path: Path) -> bool:
    """Tell a portal page (``<code>.json``) from other JSON files by its name."""
    return path.suffix == ".json" and CODE_RE.match(path.stem) is not None

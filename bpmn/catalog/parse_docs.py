"""Parse the portal's document, result, legal-basis and level cells into entry fields.

Same rule as :mod:`bpmn.catalog.parse_text`: read what the flattened text states, flag the
rest, never fill in a value.
"""

from __future__ import annotations

import re

from bpmn.catalog.entry import Flag, RequiredDocument
from bpmn.catalog.parse_text import NO_INFO, clean

_TABLE_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
# "1 bản chính" ends a row unless the words go on ("1 bản sao có chứng thực…").
_QUANTITY_RE = re.compile(r"(\d+)\s*[Bb]ản\s*(chính|sao)(?!\s+[a-zđà-ỹ])")
_SECTION_RE = re.compile(r"^\s*(?:--|\*\)?[^:]{0,200}:)\s*")
_FORM_FILE_RE = re.compile(r"\.(?:docx?|xlsx?|pdf|rar|zip)$", re.IGNORECASE)
# Where an attached form's file name starts: after punctuation, or a "Mau"/"Mẫu" word glued on.
_FORM_START_RE = re.compile(r"(?:(?<=[;:.)])|(?<=[a-zà-ỹ0-9]))(?=M[aẫ]u|Phu ?luc|PL)")

LEVELS = {
    "Cấp bộ": "ministry",
    "Cấp tỉnh": "province",
    "Cấp huyện": "district",
    "Cấp xã": "commune",
    "Cơ quan khác": "other",
}


def parse_documents(text: str) -> tuple[list[RequiredDocument], list[Flag]]:
    """Split "Thành phần hồ sơ" into documents with their original/copy counts.

    Rows whose quantity is 0 are notes ("no paper copy needed if…"), kept out of the list
    and reported as flags so nothing the source says is lost.
    """
    text = clean(text)
    if not text:
        return [], [Flag("documents", "no document list stated")]
    flags: list[Flag] = []
    docs: list[RequiredDocument] = []
    pos = 0
    for m in _QUANTITY_RE.finditer(text):
        raw = text[pos : m.start()]
        pos = m.end()
        name, form = _split_form(_strip_headers(raw))
        count, kind = int(m.group(1)), m.group(2)
        if not name:
            flags.append(Flag("documents", f"quantity {m.group(0)!r} without a document name"))
            continue
        if count == 0:
            flags.append(Flag("documents.note", f"note, not a document: {name[:100]!r}"))
            continue
        docs.append(
            RequiredDocument(
                name=name,
                originals=count if kind == "chính" else None,
                copies=count if kind == "sao" else None,
                form_name=form,
            )
        )
    tail = _strip_headers(text[pos:]).strip(" -;.")
    if tail:
        flags.append(Flag("documents", f"text without a quantity: {tail[:100]!r}"))
    if not docs:
        flags.append(Flag("documents", "no document with a quantity found"))
    return docs, flags


def _strip_headers(raw: str) -> str:
    raw = raw.replace(_TABLE_HEADER, " ")
    while True:
        stripped = (
            _SECTION_RE.sub("", raw, count=1) if raw.lstrip().startswith(("--", "*")) else raw
        )
        if stripped == raw:
            break
        raw = stripped
    return " ".join(raw.split()).strip(" -+;")


def _split_form(raw: str) -> tuple[str, str | None]:
    """Separate an attached form's file name glued to the end of a document name."""
    if not _FORM_FILE_RE.search(raw):
        return raw, None
    starts = [m.start() for m in _FORM_START_RE.finditer(raw)]
    if not starts:
        return raw, None
    cut = starts[-1]
    name, form = raw[:cut].strip(" ;:"), raw[cut:].strip()
    return (name, form) if name else (raw, None)


_RESULT_RE = re.compile(r"(.*?)Mã:\s*(.*?)(?=Từ khóa|Mô tả|$)")
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]*\d$")
_LAW_RE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?/\d{4}/(?:QH\d{2}|[A-ZĐ]+(?:-[A-ZĐ]+)*)(?=(.?))")


def parse_results(text: str) -> tuple[list[str], list[str]]:
    """Return result document names and their codes (KQ.G15.000031) from "Kết quả xử lý"."""
    text = clean(text).split("Chọn cơ quan thực hiện")[0]
    names: list[str] = []
    codes: list[str] = []
    for m in _RESULT_RE.finditer(text):
        name = re.sub(r"^Từ khóa.*?Mô tả(?:" + NO_INFO + ")?", "", m.group(1)).strip()
        if name:
            names.append(name)
        code = m.group(2).strip()
        if _CODE_RE.match(code):  # "Chưa xác định" (not yet assigned) is not a code
            codes.append(re.sub(r"^KQ-", "KQ.", code))
    return names, codes


def parse_legal_basis(text: str) -> list[str]:
    """Return the legal document numbers ("123/2015/NĐ-CP") the basis table cites, in order.

    The table's cells are glued ("…/TT-BTPThông tư…"): an upper-case letter directly followed
    by a lower-case one starts the next cell, so it is not part of the number.
    """
    found: list[str] = []
    for m in _LAW_RE.finditer(clean(text)):
        number = m.group(0)
        if m.group(1) and m.group(1).islower() and not number.split("/")[-1].startswith("QH"):
            number = number[:-1]
        if number not in found:
            found.append(number)
    return found


def parse_levels(text: str) -> tuple[list[str], list[Flag]]:
    """Map "Cấp bộ, Cấp tỉnh" to ["ministry", "province"]."""
    levels: list[str] = []
    flags: list[Flag] = []
    for part in (p.strip() for p in clean(text).split(",")):
        if not part:
            continue
        if part in LEVELS:
            levels.append(LEVELS[part])
        else:
            flags.append(Flag("level", f"unknown level {part!r}"))
    if not levels:
        flags.append(Flag("level", "no level stated"))
    return levels, flags


def split_agencies(text: str | None) -> list[str]:
    """Split an agency cell on newlines/semicolons; empty for "Không có thông tin"."""
    text = (text or "").strip()
    if not text or text == NO_INFO:
        return []
    return [a for a in (" ".join(p.split()) for p in re.split(r"[\n;]+", text)) if a]

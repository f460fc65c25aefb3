"""Find procedures by words, accent-insensitively: "dang ky khai sinh" finds "Đăng ký khai sinh"."""

from __future__ import annotations

from collections.abc import Iterable

from bpmn.catalog.entry import CatalogueEntry
from bpmn.catalog.parse_text import fold


def _haystack(entry: CatalogueEntry) -> str:
    parts = [
        entry.code,
        entry.name,
        entry.field or "",
        entry.competent_agency or "",
        " ".join(d.name for d in entry.documents),
    ]
    return fold(" ".join(parts))


def search(entries: Iterable[CatalogueEntry], text: str) -> list[CatalogueEntry]:
    """Return entries containing every word of ``text``; name matches rank first."""
    words = fold(text).split()
    if not words:
        return []
    hits: list[tuple[int, str, CatalogueEntry]] = []
    for entry in entries:
        hay = _haystack(entry)
        if all(w in hay for w in words):
            in_name = all(w in fold(entry.name) or w in entry.code for w in words)
            hits.append((0 if in_name else 1, entry.code, entry))
    return [e for _, _, e in sorted(hits, key=lambda h: (h[0], h[1]))]

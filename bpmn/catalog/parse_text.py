"""Parse deadlines, fees and channels out of the portal's flattened Vietnamese tables.

The national portal's "Cách thức thực hiện" table arrives as one string whose cells have lost
their separators: ``Trực tuyến1Miễn phíDịch vụ bưu chính5 Ngày làm việc50,000 Việt Nam Đồng``.
These functions take what can be read with confidence and return a :class:`Flag` for the
rest; they never fill in a value the text does not state.
"""

from __future__ import annotations

import re
import unicodedata

from bpmn.catalog.entry import ChannelTerms, Deadline, Flag

NO_INFO = "Không có thông tin"

CHANNEL_NAMES = {
    "Trực tuyến": "online",
    "Dịch vụ bưu chính": "post",
    "Trực tiếp": "direct",
}

# Unit words of the "Thời gian" cell, longest first, mapped to Deadline.unit.
UNITS = [
    ("ngày làm việc", "working_days"),
    ("giờ làm việc", "working_hours"),
    ("ngày", "days"),
    ("giờ", "hours"),
    ("tháng", "months"),
    ("tuần", "weeks"),
    ("năm", "years"),
]

_CHANNEL_RE = re.compile(r"(Trực tuyến|Dịch vụ bưu chính|Trực tiếp)(?=\d|" + NO_INFO + ")")
_TIME_RE = re.compile(
    r"(?P<amount>\d+(?:[.,]5)?)\s*(?P<unit>" + "|".join(re.escape(u) for u, _ in UNITS) + r")?",
    re.IGNORECASE,
)
_MONEY_RE = re.compile(
    r"(?P<amount>\d{1,3}(?:[.,]\d{3})+|\d+)\s*(?P<cur>Việt Nam Đồng|VNĐ|VND|đồng|USD)",
    re.IGNORECASE,
)
_CURRENCY_START = re.compile(r"^[.,]?\d|^\s*(Việt Nam Đồng|VNĐ|VND|USD|đồng)", re.IGNORECASE)
_FREE = "Miễn phí"


def fold(text: str) -> str:
    """Lower-case and strip Vietnamese accents so search matches "dang ky" to "Đăng ký"."""
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


def clean(text: str | None) -> str:
    """Collapse whitespace and treat the portal's "no information" marker as empty."""
    if not text:
        return ""
    text = " ".join(text.split())
    return "" if text == NO_INFO else text


def _unit_for(word: str) -> str:
    word = word.lower()
    for name, unit in UNITS:
        if word == name:
            return unit
    raise ValueError(word)


def parse_deadline(text: str) -> tuple[Deadline | None, list[Flag]]:
    """Read a free-text deadline such as "05 ngày làm việc" or "15 Ngày".

    Returns ``(None, [flag])`` when no amount with a unit is found: "1" alone is not a
    deadline (the unit was lost in the crawl), and neither is "theo Quy chế làm việc".
    """
    text = clean(text)
    if not text:
        return None, [Flag("deadline", "no deadline stated")]
    m = _TIME_RE.search(text)
    if not m:
        return None, [Flag("deadline", f"no amount in deadline text: {text[:80]!r}")]
    amount = float(m.group("amount").replace(",", "."))
    if m.group("unit") is None:
        return Deadline(amount, None, text), [
            Flag("deadline", f"deadline {m.group('amount')} has no unit: {text[:80]!r}")
        ]
    return Deadline(amount, _unit_for(m.group("unit")), text), []


def parse_fee(text: str) -> tuple[str | None, int | None, list[Flag]]:
    """Read a fee cell: verbatim text, the amount in đồng when unambiguous, and flags."""
    text = clean(text)
    if not text or text.startswith(NO_INFO):
        return None, None, [Flag("fee", "no fee stated")]
    head, note = _split_note(text)
    amounts = list(_MONEY_RE.finditer(note))
    if head.startswith(_FREE) or head in ("Không", "Không thu"):
        if amounts:
            return (
                text,
                None,
                [Flag("fee", f"'Miễn phí' but the note states amounts: {text[:120]!r}")],
            )
        return text, 0, []
    m = _MONEY_RE.match(head)
    if not m:
        return text, None, [Flag("fee", f"fee not understood: {text[:120]!r}")]
    if m.group("cur").upper() == "USD":
        return text, None, [Flag("fee", f"fee in USD, no đồng amount: {text[:80]!r}")]
    vnd = int(re.sub(r"[.,]", "", m.group("amount")))
    others = {int(re.sub(r"[.,]", "", a.group("amount"))) for a in amounts}
    if others - {vnd} or re.search(r"miễn|giảm|\d+\s*%", fold(note)):
        return text, None, [Flag("fee", f"fee varies by case: {text[:120]!r}")]
    return text, vnd, []


def _split_note(text: str) -> tuple[str, str]:
    """Split "50,000 VNĐ(đồng/lần)" into the amount part and the parenthesised note."""
    i = text.find("(")
    if i < 0:
        return text.strip(), ""
    return text[:i].strip(), text[i:]


def _take_parenthesis(text: str) -> tuple[str, str]:
    """Split off a leading balanced "(…)" group: returns (group, rest)."""
    if not text.startswith("("):
        return "", text
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return text[: i + 1], text[i + 1 :]
    return text, ""


_FEE_START = re.compile(
    r"^(" + NO_INFO + "|" + _FREE + r"|Không thu|(?:\d{1,3}(?:[.,]\d{3})+|\d+)\s*"
    r"(?:Việt Nam Đồng|VNĐ|VND|USD|đồng))",
    re.IGNORECASE,
)


def parse_channel_table(text: str) -> tuple[list[ChannelTerms], list[Flag]]:
    """Split the flattened "Hình thức nộp / Thời gian / Phí, lệ phí / Mô tả" table.

    A row starts at a channel name directly followed by a digit or "Không có thông tin"
    (so "- Trực tiếp: tại Cục…" inside a description does not start a row).
    """
    text = (text or "").replace("Hình thức nộpThời gianPhí, lệ phíMô tả", "", 1)
    parts = _CHANNEL_RE.split(text)
    flags: list[Flag] = []
    rows: list[ChannelTerms] = []
    for i in range(1, len(parts), 2):
        channel = CHANNEL_NAMES[parts[i]]
        terms, row_flags = _parse_row(channel, parts[i + 1])
        rows.append(terms)
        flags.extend(
            Flag(f.field if "." in f.field else f"{f.field}.{channel}", f.message)
            for f in row_flags
        )
    if not rows:
        flags.append(Flag("channels", "no submission channel found in the table"))
    flags.extend(_multi_row_flags(rows))
    return rows, flags


def _parse_row(channel: str, body: str) -> tuple[ChannelTerms, list[Flag]]:
    flags: list[Flag] = []
    deadline: Deadline | None = None
    if body.startswith(NO_INFO):
        rest = body[len(NO_INFO) :]
        flags.append(Flag("deadline", "no deadline stated"))
    else:
        m = _TIME_RE.match(body)
        assert m  # the channel regex guaranteed a digit here
        rest = body[m.end() :]
        raw = m.group(0).strip()
        if m.group("unit") is None and _CURRENCY_START.search(rest):
            flags.append(Flag("deadline", f"deadline and fee digits run together: {body[:40]!r}"))
            flags.append(Flag("fee", f"deadline and fee digits run together: {body[:40]!r}"))
            return ChannelTerms(channel, None, None, None, clean(body)), flags
        amount = float(m.group("amount").replace(",", "."))
        if m.group("unit") is None:
            unit = _unit_from_context(m.group("amount"), rest)
            deadline = Deadline(amount, unit, raw)
            if unit is None:
                flags.append(Flag("deadline", f"deadline {raw!r} has no unit in the source"))
        else:
            deadline = Deadline(amount, _unit_for(m.group("unit")), raw)
    fee_text = _leading_fee_text(rest)
    description = clean(rest[len(fee_text) :])
    fee, fee_vnd, fee_flags = parse_fee(fee_text)
    flags.extend(fee_flags)
    return ChannelTerms(channel, deadline, fee, fee_vnd, description), flags


def _leading_fee_text(rest: str) -> str:
    m = _FEE_START.match(rest)
    if not m:
        return ""
    note, _ = _take_parenthesis(rest[m.end() :])
    return rest[: m.end()] + note


def _unit_from_context(amount: str, description: str) -> str | None:
    """Recover a lost unit when the row's own description states the same amount with one."""
    n = int(float(amount.replace(",", ".")))
    pattern = rf"(?<!\d)0?{n}\s*(ngày làm việc|giờ làm việc)"
    m = re.search(pattern, description, re.IGNORECASE)
    return _unit_for(m.group(1)) if m else None


def _multi_row_flags(rows: list[ChannelTerms]) -> list[Flag]:
    seen: dict[str, set[tuple]] = {}
    for r in rows:
        key = (r.deadline.amount, r.deadline.unit) if r.deadline else None
        seen.setdefault(r.channel, set()).add(key)
    return [
        Flag(f"deadline.{ch}", f"{len(keys)} different deadlines for one channel (by case)")
        for ch, keys in seen.items()
        if len(keys) > 1
    ]

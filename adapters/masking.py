"""Mask personal data before a call is recorded (Decree 13/2023: history is widely read)."""

from __future__ import annotations

from typing import Any

PERSONAL_KEYS = frozenset(
    {
        "personal_id",
        "full_name",
        "date_of_birth",
        "address",
        "address_detail",
        "permanent_address",
        "former_address",
        "phone",
        "email",
        "father_id",
        "mother_id",
        "father_name",
        "mother_name",
        "spouse_id",
        "spouse_name",
        "claimant_id",
        "claimant_name",
        "representative_id",
        "representative_name",
        "owner_id",
        "owner_name",
        "seller_id",
        "buyer_id",
        "child_id",
        "child_name",
        "deceased_id",
        "deceased_name",
        "social_insurance_code",
        "card_number",
    }
)
# Sensitive personal data (Decree 13/2023, art. 2: criminal records): only the count is kept.
HIDDEN_KEYS = frozenset({"convictions", "bans"})
MAX_TEXT = 120


def mask_text(value: str) -> str:
    """Keep a hint of the value (first and last characters), hide the rest."""
    if value.isdigit() and len(value) > 6:
        return value[:3] + "*" * (len(value) - 5) + value[-2:]
    words = value.split()
    if len(words) > 1:
        return " ".join(w[0] + "***" for w in words)
    return value[:1] + "***" if value else value


def mask(data: Any, key: str | None = None) -> Any:
    """Return a copy of `data` with personal fields masked and long texts shortened."""
    if key in HIDDEN_KEYS and isinstance(data, list):
        return f"({len(data)} hidden)"
    if isinstance(data, dict):
        return {k: mask(v, k) for k, v in data.items()}
    if isinstance(data, list):
        return [mask(v, key) for v in data[:20]]
    if key in PERSONAL_KEYS and data is not None:
        return mask_text(str(data))
    if isinstance(data, str) and len(data) > MAX_TEXT:
        return data[:MAX_TEXT] + "…"
    return data

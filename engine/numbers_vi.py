"""Whole numbers as a Vietnamese reader groups their digits: 10.485.760, not 10,485,760."""

from __future__ import annotations


def grouped(n: int) -> str:
    return f"{n:,}".replace(",", ".")

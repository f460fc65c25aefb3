"""Declare an adapter's operations in one line each, so every adapter reads the same way.

An operation is a safe read (GET, retried) or a write (POST by default, idempotency key
required) with the fields it takes; `operations(...)` keys them by name for the adapter class.
Third-party adapters may use these helpers or build `Operation` themselves.
"""

from __future__ import annotations

from adapters.protocol import Operation
from adapters.validation import Converter, params


def read(
    name: str,
    summary: str,
    path: str,
    required: dict[str, Converter],
    optional: dict[str, Converter] | None = None,
) -> Operation:
    """Declare a read: retried on transient failures, never changes the registry."""
    return Operation(name, summary, True, "GET", path, params(required, optional))


def write(
    name: str,
    summary: str,
    path: str,
    required: dict[str, Converter],
    optional: dict[str, Converter] | None = None,
    *,
    method: str = "POST",
) -> Operation:
    """Declare a write: callers must give an idempotency key so a retry writes once."""
    return Operation(name, summary, False, method, path, params(required, optional))


def operations(*declared: Operation) -> dict[str, Operation]:
    """Key operations by name; two with the same name are a programming error."""
    table: dict[str, Operation] = {}
    for op in declared:
        if op.name in table:
            raise ValueError(f"thao tác {op.name!r} được khai báo hai lần")
        table[op.name] = op
    return table

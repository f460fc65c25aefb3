"""Define the one small contract every adapter keeps, built-in or third-party."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from adapters.registry import Registry

Outcome = Literal["ok", "error", "timeout", "garbage"]


@dataclass(frozen=True)
class Operation:
    """Declare one operation: a safe read (retried) or a write (idempotency key required)."""

    name: str
    summary: str
    safe: bool
    method: str = "GET"
    path: str = "/"
    validate: Callable[[dict], dict] | None = None


@dataclass(frozen=True)
class CallContext:
    """Say on whose behalf a call is made; sent along and kept for the access log."""

    dossier_code: str | None = None
    user: str | None = None
    purpose: str | None = None


@dataclass
class CallRecord:
    """Keep what the dossier's history shows about one call (personal data masked)."""

    operation: str
    request: dict
    outcome: Outcome = "ok"
    response: dict | None = None
    duration_ms: float = 0.0
    attempts: int = 0
    error: str | None = None
    idempotency_key: str | None = None
    calls: list[CallRecord] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CallResult:
    data: dict
    record: CallRecord


@dataclass(frozen=True)
class Call:
    """Carry one request to an adapter's `execute`."""

    operation: Operation
    params: dict
    idempotency_key: str | None
    context: CallContext | None
    registry: Registry


class Adapter(Protocol):
    """What the registry needs from an adapter; `execute` never lets a bare exception out."""

    name: str
    title: str
    operations: Mapping[str, Operation]

    def execute(self, call: Call) -> CallResult:
        """Run the call; raise `engine.errors.AdapterError` with `.record` set on failure."""

    def health(self) -> tuple[bool, str]:
        """Say whether the endpoint answers, and a short detail for `adapters list`."""

"""Build the AdapterError the engine expects, with the call record attached."""

from __future__ import annotations

from adapters.protocol import CallRecord
from engine.errors import AdapterError


class InvalidParams(AdapterError):
    """Parameters that fail validation before anything is sent; `errors` maps field → messages."""

    code = "adapter_invalid_params"

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message, retryable=False)
        self.errors = errors or {}


class Refused(AdapterError):
    """The registry answered and refused on a business rule (HTTP 4xx): a decision, not an outage.

    A model may take it as the service task's result (`lt:actions="refuse"`); otherwise it is
    an incident like any other non-retryable error.
    """

    code = "adapter_refused"

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


class UnknownOperation(AdapterError):
    code = "adapter_unknown_operation"

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


def attach(err: AdapterError, record: CallRecord) -> AdapterError:
    """Fill the record's outcome from the error (unless set) and hang the record on it."""
    if record.outcome == "ok":
        record.outcome = "error"
    record.error = record.error or str(err)
    err.record = record  # type: ignore[attr-defined]
    return err


def failure(message: str, record: CallRecord, *, retryable: bool) -> AdapterError:
    return attach(AdapterError(message, retryable=retryable), record)

"""Errors the engine raises: each names what was wrong so a caller can show it as is."""

from __future__ import annotations


class LienThongError(Exception):
    """Base of every error the product raises on purpose (never a bug)."""

    code = "error"


class NotFound(LienThongError):
    code = "not_found"


class UnknownProcedure(NotFound):
    code = "unknown_procedure"


class InvalidInput(LienThongError):
    """Input that fails validation; `errors` maps a field path to its messages."""

    code = "invalid_input"

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


class InvalidModel(LienThongError):
    """A BPMN model that cannot be deployed; `findings` are element-level messages."""

    code = "invalid_model"

    def __init__(self, message: str, findings: list | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []


class UnsafeExpression(LienThongError):
    """An expression or script tried something the sandbox forbids."""

    code = "unsafe_expression"


class TaskNotReady(LienThongError):
    code = "task_not_ready"


class NotAllowed(LienThongError):
    """The user may not do this (task not theirs, wrong role, wrong agency)."""

    code = "not_allowed"


class Conflict(LienThongError):
    """Someone else changed the dossier first; reload and try again."""

    code = "conflict"


class AdapterError(LienThongError):
    """An external system failed, timed out or answered garbage."""

    code = "adapter_error"

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable

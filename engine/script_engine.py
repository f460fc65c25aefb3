"""Give SpiffWorkflow a script engine that never runs designers' code with `eval`/`exec`.

SpiffWorkflow 3.2's `PythonScriptEngine` evaluates conditions, timers and service parameters
with plain `eval` and runs scripts with `exec` and full builtins. `LienThongScriptEngine`
routes every expression through `engine.expressions` (the restricted language), every script
through `engine.sandbox` (RestrictedPython in a resource-limited child process), and every
service call to a host-supplied handler with real error reporting (Spiff's own handler
masks failures as `NameError`).

Errors are our own classes (`UnsafeExpression`, `InvalidInput`, `AdapterError`...), raised
as they are, with `bpmn_id`/`task_id` attributes naming the task; SpiffWorkflow has already
put the task in ERROR state when they reach the caller.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.task import Task

from engine import expressions, sandbox
from engine.errors import AdapterError, LienThongError, UnsafeExpression

ServiceHandler = Callable[[Task, str, dict], Any]


class LienThongEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluate with the restricted language and execute in the sandbox.

    SpiffWorkflow also calls `environment.evaluate` directly (process completion conditions,
    message correlation), so the environment itself must be safe, not just the engine.
    """

    def __init__(
        self,
        functions: Mapping[str, Callable[..., Any]],
        script_limits: sandbox.ScriptLimits | None = None,
        script_functions: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        super().__init__({})
        self.functions = dict(functions)
        self.script_functions = dict(script_functions or {})
        self.script_limits = script_limits or sandbox.ScriptLimits()

    def evaluate(self, expression: str, context: Mapping, external_context=None) -> Any:
        names = {**(external_context or {}), **context}
        return expressions.evaluate(expression, names, functions=self.functions)

    def execute(self, script: str, context: dict, external_context=None) -> bool:
        external = dict(external_context or {})
        merged = {**external, **context}
        result = sandbox.run_script(
            script, merged, functions=self.script_functions, limits=self.script_limits
        )
        for key in external:
            if key not in context and result.get(key) == external[key]:
                result.pop(key, None)
        context.clear()
        context.update(result)
        return True

    def call_service(self, context, **kwargs) -> Any:
        raise NotImplementedError("lời gọi dịch vụ phải đi qua LienThongScriptEngine.call_service")


class LienThongScriptEngine(PythonScriptEngine):
    """SpiffWorkflow script engine with restricted expressions, confined scripts, real errors."""

    def __init__(
        self,
        *,
        service_handler: ServiceHandler | None = None,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        clock: Callable[[], datetime] | None = None,
        script_limits: sandbox.ScriptLimits | None = None,
        script_functions: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        """Build the engine.

        `functions` are callable from expressions; `clock` (returning an aware datetime)
        feeds `today()`/`now()`. Scripts run in a forked child, so they get only the clock
        functions plus `script_functions`: pass there only pure functions that touch no
        database connection, socket or lock shared with the parent.
        """
        clock_funcs = expressions.clock_functions(clock or (lambda: datetime.now(UTC)))
        available = {**clock_funcs, **(functions or {})}
        in_scripts = {**clock_funcs, **(script_functions or {})}
        environment = LienThongEnvironment(available, script_limits, in_scripts)
        super().__init__(environment=environment)
        self.service_handler = service_handler
        self.functions = available

    def validate(self, expression: str) -> None:
        """Refuse an expression statically (SpiffWorkflow calls this for DMN)."""
        problems = expressions.check(expression)
        if problems:
            raise UnsafeExpression(
                f"biểu thức {expression!r} không được phép: {'; '.join(problems)}"
            )

    def evaluate(self, task: Task, expression: str, external_context=None) -> Any:
        """Evaluate a condition/timer/parameter expression over the task's data."""
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except LienThongError as exc:
            raise _located(exc, task) from None

    def execute(self, task: Task, script: str, external_context=None) -> bool:
        """Run a script task's (or pre/post) script confined; the task's data is updated."""
        try:
            return self.environment.execute(script, task.data, external_context)
        except LienThongError as exc:
            raise _located(exc, task) from None

    def call_service(
        self, task: Task, operation_name: str = "", operation_params: dict | None = None, **_
    ) -> str:
        """Hand a service task's operation to the host's handler; return its result as JSON.

        `operation_params` is SpiffWorkflow's evaluated form: `{name: {"value": v, "type": t}}`.
        """
        if self.service_handler is None:
            raise _located(
                AdapterError(
                    f"không có bộ xử lý dịch vụ để chạy {operation_name!r}", retryable=False
                ),
                task,
            )
        try:
            result = self.service_handler(task, operation_name, operation_params or {})
        except LienThongError as exc:
            raise _located(exc, task) from exc
        except Exception as exc:  # an adapter's own failure, reported with its cause
            raise _located(
                AdapterError(f"dịch vụ {operation_name!r} lỗi: {type(exc).__name__}: {exc}"),
                task,
            ) from exc
        try:
            return json.dumps(result)
        except (TypeError, ValueError) as exc:
            raise _located(
                AdapterError(
                    f"dịch vụ {operation_name!r} trả về dữ liệu không phải JSON: {exc}",
                    retryable=False,
                ),
                task,
            ) from None


def _located(exc: LienThongError, task: Task) -> LienThongError:
    """Attach the failing task's ids to an error so the engine can report where it happened."""
    bpmn_id = getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name
    if getattr(exc, "bpmn_id", None) is None:
        exc.bpmn_id = bpmn_id
        exc.task_id = str(task.id)
        exc.add_note(f"tại bước {bpmn_id!r} ({task.id})")
    return exc

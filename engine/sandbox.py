"""Run a BPMN script task's Python confined: no imports, no dunders, bounded time and memory.

Two walls, so one bypass is not enough:
1. the script is compiled with RestrictedPython's `compile_restricted` (names and attributes
   starting with `_` refused at compile time, attribute reads through `safer_getattr`, writes
   through `full_write_guard`), after our own stricter AST check (no import, class, global,
   async, no dangerous builtin names), and runs with a hand-picked set of builtins;
2. it runs in a forked child process with `RLIMIT_AS`/`RLIMIT_CPU` set and a wall-clock
   timeout enforced by the parent with SIGKILL. Data goes in by fork and comes back as JSON
   through a pipe, so nothing the script builds can reach the parent's objects.

Functions injected into scripts run in the child too: inject only pure ones.
"""

from __future__ import annotations

import ast
import json
import math
import os
import resource
import select
import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import CodeType
from typing import Any

from RestrictedPython import PrintCollector, compile_restricted_exec
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)

from engine.errors import InvalidInput, UnsafeExpression
from engine.numbers_vi import grouped

MAX_SCRIPT_LENGTH = 20_000
_FORBIDDEN_NAMES = frozenset(
    "eval exec compile open getattr setattr delattr globals locals vars dir type object "
    "super breakpoint input memoryview classmethod staticmethod property help exit quit "
    "format".split()
)
_FORBIDDEN_NODES = {
    ast.Import: "import",
    ast.ImportFrom: "import",
    ast.ClassDef: "định nghĩa class",
    ast.Global: "global",
    ast.Nonlocal: "nonlocal",
    ast.AsyncFunctionDef: "async",
    ast.Await: "await",
    ast.AsyncFor: "async",
    ast.AsyncWith: "async",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.With: "with",
}
_BUILTIN_NAMES = (
    "abs all any bool dict divmod enumerate float int isinstance len list max min "
    "range reversed round set sorted str sum tuple zip ArithmeticError Exception KeyError "
    "IndexError TypeError ValueError ZeroDivisionError"
).split()


@dataclass(frozen=True)
class ScriptLimits:
    """Resource bounds for one script run."""

    wall_seconds: float = 2.0
    cpu_seconds: int = 1
    memory_bytes: int = 128 * 1024 * 1024  # address space the child may add to its parent's
    max_output_bytes: int = 1_000_000


def check_script(source: str) -> list[str]:
    """Return the static problems of a script (empty when it may run)."""
    if not isinstance(source, str):
        return [f"script phải là văn bản, không phải {type(source).__name__}"]
    if len(source) > MAX_SCRIPT_LENGTH:
        return [f"script quá dài ({len(source)} ký tự, giới hạn {MAX_SCRIPT_LENGTH})"]
    try:
        tree = ast.parse(source, mode="exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        line = getattr(exc, "lineno", None)
        where = f" ở dòng {line}" if line else ""
        return [f"script sai cú pháp{where}: {getattr(exc, 'msg', None) or exc}"]
    problems = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", "?")
        if type(node) in _FORBIDDEN_NODES:
            problems.append(f"dòng {line}: {_FORBIDDEN_NODES[type(node)]} không được dùng")
        elif isinstance(node, ast.Name) and node.id in _FORBIDDEN_NAMES:
            problems.append(f"dòng {line}: tên {node.id!r} không được dùng")
        elif isinstance(node, ast.Attribute) and node.attr in ("format", "format_map"):
            problems.append(f"dòng {line}: str.{node.attr}() không được dùng")
    if problems:
        return problems
    result = compile_restricted_exec(source, filename="<script>")
    return list(result.errors)


@lru_cache(maxsize=256)
def _compile(source: str) -> CodeType:
    problems = check_script(source)
    if problems:
        raise UnsafeExpression(f"script không được phép: {'; '.join(problems)}")
    return compile_restricted_exec(source, filename="<script>").code


def _inplace(op: str, left: Any, right: Any) -> Any:
    ops = {
        "+=": lambda a, b: a + b, "-=": lambda a, b: a - b, "*=": lambda a, b: a * b,
        "/=": lambda a, b: a / b, "//=": lambda a, b: a // b, "%=": lambda a, b: a % b,
    }  # fmt: skip
    if op not in ops:
        raise TypeError(f"toán tử {op} không được dùng")
    return ops[op](left, right)


def _globals(data: Mapping[str, Any], functions: Mapping[str, Callable]) -> dict[str, Any]:
    import builtins

    safe = {name: getattr(builtins, name) for name in _BUILTIN_NAMES}
    safe.update({"True": True, "False": False, "None": None})
    scope: dict[str, Any] = {
        "__builtins__": safe,
        "__name__": "script",
        "_getattr_": safer_getattr,
        "_getitem_": lambda obj, key: obj[key],
        "_getiter_": iter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": full_write_guard,
        "_inplacevar_": _inplace,
        "_print_": PrintCollector,
        "_apply_": lambda func, *args, **kwargs: func(*args, **kwargs),
    }
    scope.update(functions)
    scope.update(data)
    return scope


def _result(scope: dict[str, Any], functions: Mapping[str, Callable]) -> dict[str, Any]:
    """Keep the script's data: drop helpers and callables, require JSON values."""
    out = {}
    for key, value in scope.items():
        if key.startswith("_") or key in functions or callable(value):
            continue
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            raise TypeError(
                f"biến {key!r} chứa giá trị kiểu {type(value).__name__}, không phải dữ liệu JSON"
            ) from None
        out[key] = value
    return out


def _child(code: CodeType, data, functions, limits: ScriptLimits, write_fd: int) -> None:
    """Run in the forked child: limit, execute, send the JSON verdict, never return."""
    status = 0
    try:
        pages = int(open("/proc/self/statm").read().split()[0])
        current = pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        current = 0
    try:
        resource.setrlimit(resource.RLIMIT_AS, (current + limits.memory_bytes,) * 2)
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
        sys.setrecursionlimit(200)
        try:
            scope = _globals(data, functions)
            exec(code, scope)  # restricted code object in a confined process
            verdict = {"ok": True, "data": _result(scope, functions)}
        except MemoryError:
            verdict = {"ok": False, "kind": "memory"}
        except BaseException as exc:  # the script's own error, reported to the parent
            line = _script_line(exc)
            verdict = {"ok": False, "kind": "error", "type": type(exc).__name__,
                       "message": str(exc)[:500], "line": line}  # fmt: skip
        try:
            payload = json.dumps(verdict).encode()
        except MemoryError:
            payload = b'{"ok": false, "kind": "memory"}'
        if len(payload) > limits.max_output_bytes:
            payload = b'{"ok": false, "kind": "output"}'
        view = memoryview(payload)
        while view:
            view = view[os.write(write_fd, view) :]
    except BaseException:
        status = 1
    finally:
        os._exit(status)


def _script_line(exc: BaseException) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<script>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def run_script(
    source: str,
    data: Mapping[str, Any],
    *,
    functions: Mapping[str, Callable] | None = None,
    limits: ScriptLimits | None = None,
) -> dict[str, Any]:
    """Run `source` over a copy of `data` in a confined child; return the new data dict.

    Raises `UnsafeExpression` when the script is forbidden or exceeds its time or memory
    limit, `InvalidInput` when it fails on its own (exception, non-JSON result).
    """
    limits = limits or ScriptLimits()
    functions = dict(functions or {})
    code = _compile(source)
    try:
        json.dumps(dict(data))
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"dữ liệu của bước không phải dữ liệu JSON nên không chạy được script: {exc}"
        ) from None
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child process, measured through the parent
        os.close(read_fd)
        _child(code, dict(data), functions, limits, write_fd)
    os.close(write_fd)
    try:
        raw, timed_out = _read_until(read_fd, limits)
    finally:
        os.close(read_fd)
        status = _reap(pid)
    return _verdict(raw, timed_out, status, limits)


def _reap(pid: int) -> int:
    """Collect the child's exit status, killing it first if it is still running."""
    done, status = os.waitpid(pid, os.WNOHANG)
    if done == 0:
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    return status


def _read_until(read_fd: int, limits: ScriptLimits) -> tuple[bytes, bool]:
    """Collect the child's output until EOF, the size limit or the wall-clock deadline."""
    import time

    deadline = time.monotonic() + limits.wall_seconds
    chunks: list[bytes] = []
    size = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return b"", True
        ready, _, _ = select.select([read_fd], [], [], remaining)
        if not ready:
            return b"", True
        chunk = os.read(read_fd, 65536)
        if not chunk:
            return b"".join(chunks), False
        size += len(chunk)
        if size > limits.max_output_bytes:
            return b'{"ok": false, "kind": "output"}', False
        chunks.append(chunk)


def _verdict(raw: bytes, timed_out: bool, status: int, limits: ScriptLimits) -> dict[str, Any]:
    if timed_out:
        raise UnsafeExpression(f"script chạy quá thời gian cho phép ({limits.wall_seconds:g} giây)")
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
        raise UnsafeExpression(
            f"script dùng quá thời gian CPU cho phép ({limits.cpu_seconds} giây)"
        )
    try:
        verdict = json.loads(raw)
    except ValueError:
        raise UnsafeExpression(
            f"tiến trình chạy script dừng mà không trả kết quả (mã thoát {status})"
        ) from None
    if verdict.get("ok"):
        return verdict["data"]
    kind = verdict.get("kind")
    if kind == "memory":
        mib = math.ceil(limits.memory_bytes / 2**20)
        raise UnsafeExpression(f"script dùng quá bộ nhớ cho phép ({mib} MiB)")
    if kind == "output":
        raise InvalidInput(f"script tạo ra hơn {grouped(limits.max_output_bytes)} byte dữ liệu")
    line = verdict.get("line")
    where = f" ở dòng {line}" if line else ""
    raise InvalidInput(f"script lỗi{where}: {verdict.get('type')}: {verdict.get('message')}")

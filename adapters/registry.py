"""Find adapters through entry points and route every call through one front door."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from importlib.metadata import entry_points
from time import perf_counter

from adapters import settings as config
from adapters.errors import InvalidParams, UnknownOperation, attach, failure
from adapters.masking import mask
from adapters.protocol import Adapter, Call, CallContext, CallRecord, CallResult
from engine.errors import AdapterError, InvalidInput, LienThongError

GROUP = "lienthong.adapters"


class Registry:
    """Hold the loaded adapters; `call("system.operation", params)` is all the engine uses."""

    def __init__(self, adapters: Iterable[Adapter]) -> None:
        self.adapters: dict[str, Adapter] = {}
        for adapter in adapters:
            if adapter.name in self.adapters:
                raise ValueError(f"có hai bộ kết nối cùng tên {adapter.name!r}")
            self.adapters[adapter.name] = adapter

    @classmethod
    def from_entry_points(cls, env: Mapping[str, str] | None = None) -> Registry:
        """Load every adapter of the `lienthong.adapters` group (or the allowed ones).

        An entry point names a callable taking `AdapterSettings` (usually the adapter class).
        """
        allow = config.allowed(env)
        loaded = []
        for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
            if allow is not None and ep.name not in allow:
                continue
            try:
                adapter = ep.load()(config.for_adapter(ep.name, env))
            except LienThongError:
                raise
            except Exception as exc:
                raise InvalidInput(
                    f"không nạp được bộ kết nối (plugin) {ep.name!r} ({ep.value}): "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            if getattr(adapter, "name", None) != ep.name:
                raise InvalidInput(
                    f"điểm nạp (entry point) {ep.name!r} tạo ra bộ kết nối mang tên "
                    f"{getattr(adapter, 'name', None)!r}, phải trùng với tên điểm nạp"
                )
            loaded.append(adapter)
        return cls(loaded)

    def operations(self) -> set[str]:
        return {f"{a.name}.{op}" for a in self.adapters.values() for op in a.operations}

    def adapter(self, name: str) -> Adapter:
        return self.adapters[name]

    def describe(self, *, check_health: bool = True) -> list[dict]:
        """List each operation with its kind and whether its endpoint answers."""
        rows = []
        for name in sorted(self.adapters):
            adapter = self.adapters[name]
            ok, detail = self._health(adapter) if check_health else (None, "chưa kiểm tra")
            for op in sorted(adapter.operations.values(), key=lambda o: o.name):
                rows.append(
                    {
                        "operation": f"{name}.{op.name}",
                        "kind": "read" if op.safe else "write",
                        "summary": op.summary,
                        "system": adapter.title,
                        "healthy": ok,
                        "health": detail,
                    }
                )
        return rows

    @staticmethod
    def _health(adapter: Adapter) -> tuple[bool, str]:
        try:
            return adapter.health()
        except Exception as exc:  # a listing must not die on one broken plugin
            return False, f"kiểm tra thất bại: {type(exc).__name__}: {exc}"

    def call(
        self,
        operation: str,
        params: dict,
        *,
        idempotency_key: str | None = None,
        context: CallContext | None = None,
    ) -> CallResult:
        """Validate, then run one operation; every failure is an AdapterError with `.record`."""
        started = perf_counter()
        record = CallRecord(
            operation=operation,
            request=mask(params) if isinstance(params, dict) else {},
            idempotency_key=idempotency_key,
        )
        name, _, op_name = operation.partition(".")
        adapter = self.adapters.get(name)
        op = adapter.operations.get(op_name) if adapter else None
        if op is None:
            known = ", ".join(sorted(self.operations()))
            raise attach(
                UnknownOperation(
                    f"không có bộ kết nối nào cung cấp thao tác {operation!r}; "
                    f"các thao tác hiện có: {known}"
                ),
                record,
            )
        if not op.safe and not idempotency_key:
            raise failure(
                f"{operation} ghi dữ liệu vào {adapter.title} nên bắt buộc có khóa chống "
                "trùng lặp (idempotency key)",
                record,
                retryable=False,
            )
        try:
            clean = op.validate(params) if op.validate else dict(params)
        except InvalidParams as exc:
            raise attach(InvalidParams(f"{operation}: {exc}", exc.errors), record) from None
        try:
            return adapter.execute(Call(op, clean, idempotency_key, context, self))
        except AdapterError as exc:
            if getattr(exc, "record", None) is None:
                attach(exc, record)
            raise
        except Exception as exc:  # a third-party adapter's bug must not reach the engine raw
            record.duration_ms = round((perf_counter() - started) * 1000, 2)
            raise failure(
                f"{operation}: bộ kết nối {name!r} gặp lỗi ngoài dự kiến: "
                f"{type(exc).__name__}: {exc}",
                record,
                retryable=False,
            ) from exc


_registry: Registry | None = None
_lock = threading.Lock()


def get_registry() -> Registry:
    """Return the process-wide registry, built from entry points on first use."""
    global _registry
    with _lock:
        if _registry is None:
            _registry = Registry.from_entry_points()
        return _registry


def reset_registry(registry: Registry | None = None) -> None:
    """Replace (or drop, to rebuild on next use) the process-wide registry; for tests."""
    global _registry
    with _lock:
        _registry = registry

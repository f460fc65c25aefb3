"""Inject the failures real registries show: latency, 5xx, hangs, garbage, duplicates."""

from __future__ import annotations

import io
import json
import random
import threading
import time
from dataclasses import dataclass, field, fields

from engine.errors import InvalidInput

UNTOUCHED = ("/_faults",)


@dataclass
class Faults:
    """Fault settings of one simulator; change them at runtime with `set` (or PUT /_faults).

    `*_rate` are probabilities per request (seeded, so runs repeat); `*_next` make exactly
    the next N requests fail that way, which is what tests use.
    """

    latency_ms: float = 0.0  # added to every answer
    error_rate: float = 0.0  # answer 503 without doing anything
    timeout_rate: float = 0.0  # do the work, then hold the answer back for `hang_s`
    garbage_rate: float = 0.0  # do the work, answer malformed JSON
    duplicate_rate: float = 0.0  # deliver the request to the handler twice
    hang_s: float = 30.0
    error_next: int = 0
    timeout_next: int = 0
    garbage_next: int = 0
    duplicate_next: int = 0
    seed: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _wake: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)
    _rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls) if not f.name.startswith("_")]

    @classmethod
    def parse(cls, spec: str) -> Faults:
        """Read `latency_ms=50,error_rate=0.1` (the LIENTHONG_SIM_<NAME>_FAULTS format)."""
        faults = cls()
        pairs = [p.split("=", 1) for p in spec.split(",") if p.strip()]
        if any(len(p) != 2 for p in pairs):
            raise InvalidInput(f"thiết lập lỗi giả lập {spec!r}: cần các cặp tên=giá trị")
        faults.set(**{k.strip(): v.strip() for k, v in pairs})
        return faults

    def set(self, **values: object) -> Faults:
        allowed = {f.name: f.type for f in fields(self) if not f.name.startswith("_")}
        with self._lock:
            for key, raw in values.items():
                if key not in allowed:
                    raise InvalidInput(
                        f"không có lỗi giả lập {key!r}; các loại hiện có: {', '.join(allowed)}"
                    )
                kind = int if key.endswith("_next") or key == "seed" else float
                try:
                    value = kind(raw)
                except (TypeError, ValueError):
                    raise InvalidInput(f"lỗi giả lập {key}: {raw!r} không phải số") from None
                if value < 0 or (key.endswith("_rate") and value > 1):
                    limits = "từ 0 đến 1" if key.endswith("_rate") else "không âm"
                    raise InvalidInput(f"lỗi giả lập {key}: {raw!r} phải {limits}")
                setattr(self, key, value)
                if key == "seed":
                    self._rng.seed(value)
            self._wake.clear()
        return self

    def reset(self) -> None:
        """Clear every fault and release requests currently held back."""
        self._wake.set()
        self.set(**{n: 0 for n in self.names() if n != "hang_s"}, hang_s=30.0)

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.names()}

    def draw(self, kind: str) -> bool:
        with self._lock:
            pending = getattr(self, f"{kind}_next")
            if pending > 0:
                setattr(self, f"{kind}_next", pending - 1)
                return True
            rate = getattr(self, f"{kind}_rate")
            return rate > 0 and self._rng.random() < rate

    def hang(self) -> None:
        self._wake.wait(self.hang_s)


class FaultMiddleware:
    """Wrap a WSGI app and apply its simulator's `Faults` to every request."""

    def __init__(self, app, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "") in UNTOUCHED:
            return self.app(environ, start_response)
        faults = self.faults
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        if faults.draw("error"):
            message = "lỗi 503 giả lập: trình mô phỏng đang được cho lỗi để thử nghiệm"
            body = json.dumps({"error": {"code": "unavailable", "message": message}})
            start_response("503 SERVICE UNAVAILABLE", [("Content-Type", "application/json")])
            return [body.encode()]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        payload = environ["wsgi.input"].read(length) if length else b""
        if faults.draw("duplicate"):
            self._deliver(environ, payload)
        status, headers, body = self._deliver(environ, payload)
        if faults.draw("timeout"):
            faults.hang()
        if faults.draw("garbage"):
            body = b'{"data": {"truncated'
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        start_response(status, headers)
        return [body]

    def _deliver(self, environ, payload: bytes):
        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(payload)
        captured: dict = {}

        def start(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers

        chunks = self.app(env, start)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()
        return captured["status"], captured["headers"], body

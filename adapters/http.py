"""Call a registry over HTTP with timeouts, retries, idempotency keys and a circuit breaker."""

from __future__ import annotations

import importlib
import string
import threading
import time
from collections.abc import Callable
from time import perf_counter
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

import httpx
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from adapters.breaker import CircuitBreaker
from adapters.errors import Refused, attach, failure
from adapters.masking import mask
from adapters.protocol import Call, CallRecord, CallResult, Operation
from adapters.settings import AdapterSettings, for_adapter, sim_data_dir
from adapters.transport import InProcessTransport

if TYPE_CHECKING:
    from adapters.sim.app import Simulator

#: The breaker's state as `lienthong adapters list` prints it ("ngắt mạch" as its errors say).
CIRCUIT_STATES = {"closed": "bình thường", "half-open": "đang gọi thử", "open": "đang ngắt"}


def lazy(module: str) -> Callable[[Simulator], None]:
    """Name a simulator's `install` without importing it (and Flask) until it is needed."""

    def install(sim: Simulator) -> None:
        importlib.import_module(module).install(sim)

    return install


class _Failure(Exception):
    """One failed attempt, classified for the retry policy, the breaker and the record.

    Its message is Vietnamese and names the system: it becomes the incident officers read on
    /su-co and the dossier page (and, through a prefill lookup, what an officer is told).
    Technical detail (status, URL, setting, bytes received) stays in it for whoever fixes it.
    """

    def __init__(
        self, outcome: str, message: str, *, retryable: bool, counts: bool, refused: bool = False
    ) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.retryable = retryable
        self.counts = counts  # counts towards opening the circuit
        self.refused = refused  # the registry answered and said no (HTTP 4xx business rule)


def _detail(response: httpx.Response) -> str:
    """The registry's own words (its JSON ``error.message``, else the start of the body).

    A refusal's words become the reason citizens read, so an empty answer still says something.
    """
    try:
        error = response.json().get("error") or {}
        text = str(error.get("message") or error or "")
    except (ValueError, AttributeError):
        text = response.text[:80]
    return text.strip() or f"(hệ thống không nêu lý do, HTTP {response.status_code})"


class HttpAdapter:
    """Base of the built-in adapters: subclasses declare `operations` and `install_simulator`."""

    name: ClassVar[str]
    title: ClassVar[str]
    operations: ClassVar[dict[str, Operation]]
    install_simulator: ClassVar[Callable[[Simulator], None] | None] = None

    def __init__(
        self,
        settings: AdapterSettings | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings or for_adapter(self.name)
        self.breaker = CircuitBreaker(
            self.settings.breaker_failures, self.settings.breaker_reset_s, clock
        )
        self.sleep = sleep
        self._lock = threading.RLock()
        self._client: httpx.Client | None = None
        self._simulator: Simulator | None = None

    # -- simulator and client -------------------------------------------------------------
    def simulator(self, data_dir: str | None = None) -> Simulator:
        """Build (once) this system's simulator with its own seeded SQLite database."""
        from adapters.sim.app import Simulator

        with self._lock:
            if self._simulator is None:
                if self.install_simulator is None:
                    raise RuntimeError(f"bộ kết nối {self.name!r} không có trình mô phỏng")
                self._simulator = Simulator(
                    self.name,
                    token=self.settings.token,
                    install=type(self).install_simulator,
                    data_dir=data_dir or sim_data_dir(),
                    faults=self.settings.faults,
                )
            return self._simulator

    @property
    def client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def _make_client(self) -> httpx.Client:
        transport = None
        if self.settings.mode == "inprocess":
            transport = InProcessTransport(self.simulator().app)
        return httpx.Client(
            base_url=self.settings.base_url,
            timeout=httpx.Timeout(self.settings.timeout_s),
            transport=transport,
            headers={"Authorization": f"Bearer {self.settings.token}"},
        )

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- the protocol ---------------------------------------------------------------------
    def execute(self, call: Call) -> CallResult:
        """Map the operation onto its HTTP route: path placeholders, then query or JSON body."""
        op = call.operation
        params = dict(call.params)
        fields = [f for _, f, _, _ in string.Formatter().parse(op.path) if f]
        path = op.path.format(**{f: quote(str(params.pop(f)), safe="") for f in fields})
        if op.method == "GET":
            return self.send(call, "GET", path, query=params)
        return self.send(call, op.method, path, body=params)

    def health(self) -> tuple[bool, str]:
        """Say in Vietnamese whether /health answers: `adapters list` prints the detail as is."""
        started = perf_counter()
        try:
            response = self.client.get("/health", timeout=min(self.settings.timeout_s, 2.0))
        except httpx.HTTPError as exc:
            return False, f"không kết nối được: {type(exc).__name__}"
        ms = (perf_counter() - started) * 1000
        if response.status_code != 200:
            return False, f"HTTP {response.status_code}"
        circuit = CIRCUIT_STATES.get(self.breaker.state, self.breaker.state)
        return True, f"trả lời sau {ms:.0f} ms, mạch {circuit}"

    def send(
        self,
        call: Call,
        method: str,
        path: str,
        *,
        query: dict | None = None,
        body: dict | None = None,
    ) -> CallResult:
        """Send one logical call (with retries) and record it, whatever happens."""
        record = CallRecord(
            operation=f"{self.name}.{call.operation.name}",
            request=mask(call.params),
            idempotency_key=call.idempotency_key,
        )
        started = perf_counter()
        try:
            data = self._send(call, method, path, query, body, record)
        finally:
            record.duration_ms = round((perf_counter() - started) * 1000, 2)
        record.response = mask(data)
        return CallResult(data=data, record=record)

    def _send(self, call, method, path, query, body, record: CallRecord) -> dict:
        if not self.breaker.allow():
            wait = self.breaker.retry_in()
            raise failure(
                f"{record.operation}: tạm ngừng gọi {self.title} vì hệ thống này lỗi nhiều lần "
                f"liên tiếp (ngắt mạch); cho phép gọi thử lại sau {wait:.0f} giây",
                record,
                retryable=True,
            )
        backoff = self.settings.backoff_s
        retrying = Retrying(
            stop=stop_after_attempt(self.settings.retries + 1),
            wait=wait_exponential(multiplier=backoff, min=backoff, max=backoff * 30),
            retry=retry_if_exception(lambda e: isinstance(e, _Failure) and e.retryable),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    record.attempts = attempt.retry_state.attempt_number
                    data = self._attempt(call, method, path, query, body)
        except _Failure as exc:
            (self.breaker.failure if exc.counts else self.breaker.success)()
            record.outcome = exc.outcome  # type: ignore[assignment]
            if exc.refused:
                raise attach(Refused(f"{record.operation}: {exc}"), record) from None
            raise failure(
                f"{record.operation}: {exc} (sau {record.attempts} lần thử)",
                record,
                retryable=exc.retryable,
            ) from None
        self.breaker.success()
        return data

    def _attempt(self, call: Call, method, path, query, body) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        if call.idempotency_key:
            headers["Idempotency-Key"] = call.idempotency_key
        if call.context is not None:
            for key, value in vars(call.context).items():
                if value:
                    headers[f"X-LienThong-{key.replace('_', '-')}"] = quote(str(value))
        try:
            response = self.client.request(method, path, params=query, json=body, headers=headers)
        except httpx.TimeoutException:
            raise _Failure(
                "timeout",
                f"{self.title} không trả lời trong {self.settings.timeout_s:g} giây",
                retryable=True,
                counts=True,
            ) from None
        except httpx.TransportError as exc:
            raise _Failure(
                "error",
                f"không kết nối được tới {self.title} tại {self.settings.base_url}: {exc}",
                retryable=True,
                counts=True,
            ) from None
        status = response.status_code
        if status == 429:
            raise _Failure(
                "error",
                f"{self.title} đang quá tải, từ chối nhận thêm yêu cầu (HTTP 429): "
                f"{_detail(response)}",
                retryable=True,
                counts=True,
            )
        if status >= 500:
            raise _Failure(
                "error",
                f"{self.title} báo lỗi phía hệ thống (HTTP {status}): {_detail(response)}",
                retryable=True,
                counts=True,
            )
        if status in (401, 403):
            raise _Failure(
                "error",
                f"{self.title} từ chối mã truy cập của LiênThông (HTTP {status}); kiểm tra "
                f"biến môi trường LIENTHONG_ADAPTER_{self.name.upper()}_TOKEN",
                retryable=False,
                counts=True,
            )
        if status >= 400:
            raise _Failure("error", _detail(response), retryable=False, counts=False, refused=True)
        try:
            data = response.json()
        except ValueError:
            raise _Failure(
                "garbage",
                f"{self.title} trả về dữ liệu không phải JSON hợp lệ "
                f"({len(response.content)} byte: {response.text[:40]!r})",
                retryable=True,
                counts=True,
            ) from None
        if not isinstance(data, dict):
            raise _Failure(
                "garbage",
                f"{self.title} trả về JSON kiểu {type(data).__name__}, "
                "không phải một đối tượng JSON",
                retryable=True,
                counts=True,
            )
        return data

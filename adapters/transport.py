"""Let httpx talk to an in-process Flask simulator, timeouts included."""

from __future__ import annotations

import threading

import httpx


class InProcessTransport(httpx.BaseTransport):
    """Run the WSGI app in a worker thread and give up after the request's read timeout.

    httpx's own WSGITransport calls the app inline and so can never time out; a hung
    simulator would hang the caller. Here a late answer is abandoned exactly as a real
    socket read would be (the simulator thread finishes on its own).
    """

    def __init__(self, app) -> None:
        self._inner = httpx.WSGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        box: dict = {}
        done = threading.Event()

        def run() -> None:
            try:
                response = self._inner.handle_request(request)
                response.read()
                box["response"] = response
            except BaseException as exc:  # handed back to the caller's thread below
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=run, name="lienthong-sim-call", daemon=True).start()
        timeout = (request.extensions.get("timeout") or {}).get("read")
        if not done.wait(timeout):
            raise httpx.ReadTimeout("trình mô phỏng không trả lời kịp", request=request)
        if "error" in box:
            raise box["error"]
        return box["response"]

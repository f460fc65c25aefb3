"""Serve simulators on loopback ports, for `lienthong simulators start` and HTTP tests."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from werkzeug.serving import BaseWSGIServer, make_server

from adapters.sim.app import Simulator

HOST = "127.0.0.1"  # simulators never listen beyond this machine


@dataclass
class Running:
    name: str
    simulator: Simulator
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server.server_port}"

    def stop(self) -> None:
        self.simulator.faults.reset()  # release answers held back by a timeout fault
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve(name: str, simulator: Simulator, port: int = 0) -> Running:
    """Start one simulator in a background thread; port 0 picks a free port."""
    server = make_server(HOST, port, simulator.app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"sim-{name}", daemon=True
    )
    thread.start()
    return Running(name, simulator, server, thread)

"""Online channel figures on PostgreSQL, as JSON: API submissions/s, status-read p95, sync lag.

``python bench/api.py [--dossiers 200] [--threads 4] [--reads 500] [--quick] [--pg-url URL]``
builds a schema of its own, an engine with the portal sync on and the portal simulator
in-process (the real adapter client), and drives the real Flask app through its WSGI
interface from ``--threads`` threads: each submission is JSON with one PDF document
(base64). While they run, a pusher thread sends the portal outbox as ``tick`` would; the
lag of a status change is the time from its outbox row (written in the step) to the moment
the simulated portal stored it. Nothing is asserted; ``targets`` reports pass/fail.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    _HERE = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
    sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import base64  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import datetime  # noqa: E402
from typing import Any  # noqa: E402

from sqlalchemy import select  # noqa: E402

from bench.world import AGENCY, DEFAULT_PG_URL, PROCEDURE, postgres_url, template_bytes  # noqa: E402

#: Targets reported (not asserted): a province's peak is a few submissions per second.
TARGET_SUBMISSIONS_PER_S = 10.0
TARGET_READ_P95_MS = 100.0
TARGET_SYNC_LAG_P95_S = 5.0
DOCUMENT_BYTES = 100_000


def _pdf(size: int) -> bytes:
    body = b"%PDF-1.4\n" + b"0" * max(0, size - 20)
    return body + b"\n%%EOF\n"


def _build(url: str, sim_dir: str) -> tuple[Any, Any, str, Any]:
    from adapters.portal import PortalAdapter
    from adapters.registry import Registry
    from adapters.settings import for_adapter
    from engine import api_clients
    from engine.runtime import Engine
    from engine.settings import load
    from webui.app import create_app

    portal = PortalAdapter(for_adapter("portal", {"LIENTHONG_ADAPTERS_MODE": "inprocess"}))
    portal.simulator(sim_dir)
    registry = Registry([portal])
    settings = load(
        {
            "database_url": url,
            "executor": "inprocess",
            "portal_sync": True,
            "api_client_limit": "1000000 per minute",
            "api_ip_limit": "1000000 per minute",
            "max_upload_bytes": 10_000_000,
        }
    )
    engine = Engine(settings, service_caller=registry.call)
    engine.create_schema()
    engine.ensure_agency(AGENCY, "UBND tỉnh")
    engine.deploy(
        PROCEDURE, template_bytes(), name="Đăng ký kết hôn", deadline=(5, "working_days"),
        agency_code=AGENCY,
    )  # fmt: skip
    _, token = api_clients.create_client(engine, "bench-portal")
    app = create_app(engine, {"TESTING": True, "SECRET_KEY": "bench"})
    return engine, app, token, portal


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run(n: int, threads: int, reads: int, pg_url: str) -> dict[str, Any]:
    from adapters.portal.simulator import received
    from engine import portal_sync
    from engine.models import PortalOutbox

    with postgres_url(pg_url) as url, tempfile.TemporaryDirectory() as sim_dir:
        engine, app, token, portal = _build(url, sim_dir)
        document = base64.b64encode(_pdf(DOCUMENT_BYTES)).decode()
        headers = {"Authorization": f"Bearer {token}"}
        codes: list[str] = []
        errors: list[str] = []
        lock = threading.Lock()
        loading = threading.Event()
        loading.set()

        def submitter(count: int) -> None:
            client = app.test_client()
            for i in range(count):
                body = {
                    "procedure_code": PROCEDURE,
                    "applicant": {"full_name": f"Người nộp {i}", "id_number": "001090012345"},
                    "data": {"purpose": "Đăng ký kết hôn"},
                    "documents": [{"kind": "to_khai", "filename": "to-khai.pdf",
                                   "content_base64": document}],
                }  # fmt: skip
                response = client.post(
                    "/api/v1/dossiers",
                    json=body,
                    headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
                )
                with lock:
                    if response.status_code == 201:
                        codes.append(response.get_json()["code"])
                    else:
                        errors.append(f"{response.status_code} {response.get_data(as_text=True)}")

        def pusher() -> None:
            while loading.is_set():
                if not portal_sync.push(engine).get("sent"):
                    time.sleep(0.02)

        push_thread = threading.Thread(target=pusher, daemon=True)
        push_thread.start()
        shares = [n // threads + (1 if i < n % threads else 0) for i in range(threads)]
        workers = [threading.Thread(target=submitter, args=(k,)) for k in shares if k]
        started = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        submit_s = time.perf_counter() - started
        drain_started = time.perf_counter()
        loading.clear()
        push_thread.join()
        while portal_sync.push(engine).get("sent"):
            pass
        drain_ms = (time.perf_counter() - drain_started) * 1000

        client = app.test_client()
        latencies = []
        for i in range(reads):
            code = codes[i % len(codes)]
            t0 = time.perf_counter()
            response = client.get(f"/api/v1/dossiers/{code}", headers=headers)
            latencies.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                errors.append(f"read {response.status_code}")

        with engine.db.read() as s:
            rows = {r.id: r for r in s.execute(select(PortalOutbox)).scalars()}
        got = received(portal.simulator())
        db = portal.simulator().connect()
        try:
            arrived = {
                f"CDVC-{i:08d}": datetime.fromisoformat(at)
                for i, at in db.execute("SELECT id, received_at FROM status_updates")
            }
        finally:
            db.close()
        # lag of each change: its outbox row (written in the step) → stored by the portal
        lag_s = [
            (arrived[r.ack] - r.created_at).total_seconds()
            for r in rows.values()
            if r.ack in arrived
        ]
        unsent = sum(1 for r in rows.values() if r.state != "sent")
        engine.db.dispose()
        portal.close()
    per_s = len(codes) / submit_s if submit_s else float("nan")
    p95_read = _percentile(latencies, 0.95)
    p95_lag = _percentile(lag_s, 0.95)
    return {
        "backend": "postgresql",
        "submissions": {
            "count": len(codes),
            "errors": errors[:5],
            "threads": threads,
            "document_bytes": DOCUMENT_BYTES,
            "seconds": round(submit_s, 3),
            "per_second": round(per_s, 2),
        },
        "status_reads": {
            "count": len(latencies),
            "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
            "p95_ms": round(p95_read, 2),
        },
        "sync_out": {
            "outbox_rows": len(rows),
            "portal_received": len(got),
            "unsent": unsent,
            "lag_p50_s": round(_percentile(lag_s, 0.5), 3),
            "lag_p95_s": round(p95_lag, 3),
            "lag_max_s": round(max(lag_s), 3) if lag_s else None,
            "drain_after_load_ms": round(drain_ms, 1),
        },
        "targets": {
            f"submissions_per_s>={TARGET_SUBMISSIONS_PER_S:g}": per_s >= TARGET_SUBMISSIONS_PER_S,
            f"status_read_p95<{TARGET_READ_P95_MS:g}ms": p95_read < TARGET_READ_P95_MS,
            f"sync_lag_p95<{TARGET_SYNC_LAG_P95_S:g}s": p95_lag < TARGET_SYNC_LAG_P95_S,
        },
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(terse=True),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=None, help="submissions (default 200)")
    parser.add_argument("--threads", type=int, default=4, help="concurrent submitters")
    parser.add_argument("--reads", type=int, default=None, help="status reads (default 500)")
    parser.add_argument("--quick", action="store_true", help="a few of each (smoke test)")
    parser.add_argument("--pg-url", default=None, help="PostgreSQL URL (a schema is made)")
    args = parser.parse_args(argv)
    n = args.dossiers if args.dossiers is not None else (8 if args.quick else 200)
    reads = args.reads if args.reads is not None else (20 if args.quick else 500)
    if n < 1 or args.threads < 1 or reads < 1:
        parser.error("--dossiers, --threads and --reads must be at least 1")
    pg_url = args.pg_url or os.environ.get("LIENTHONG_TEST_PG_URL") or DEFAULT_PG_URL
    print(json.dumps(run(n, args.threads, reads, pg_url), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

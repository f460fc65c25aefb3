"""Task-list page latency with 10,000 and 100,000 open dossiers on PostgreSQL, as JSON.

``python bench/webui.py [--sizes 10000,100000] [--repeat 20] [--pg-url URL]`` builds a schema
of its own, fills it with open dossiers and their open tasks by COPY (rows shaped like the
engine's: four steps, five agencies, a tenth of them claimed, due dates around today), signs
in as a specialist and times the real ``GET /cong-viec/`` route through Flask's test client:
the whole request (session, query, count, template). Nothing is asserted about speed;
``targets`` says whether p95 < 200 ms held at each size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.world import (  # noqa: E402
    AGENCY,
    DEFAULT_PG_URL,
    PROCEDURE,
    START,
    make_engine,
    postgres_url,
)
from engine.runtime import Engine  # noqa: E402

PASSWORD = "bench-password-2026"
TARGET_P95_MS = 200.0
OTHER_AGENCIES = ("000.00.01.H56", "000.00.02.H56", "000.00.03.H56", "000.00.04.H56")
#: Steps of the template an open dossier waits at: (bpmn_id, name, role, share of dossiers).
STEPS = (
    ("receive", "Tiếp nhận hồ sơ", "one_stop_officer", 0.2),
    ("appraise", "Thẩm định hồ sơ", "specialist", 0.4),
    ("approve", "Phê duyệt, ký kết quả", "leader", 0.2),
    ("return_result", "Trả kết quả", "one_stop_officer", 0.2),
)
#: What a specialist opens during a day: (label, query string).
SCENARIOS = (
    ("group_by_due", {"scope": "group"}),
    ("mine", {"scope": "mine"}),
    ("overdue", {"scope": "group", "urgency": "overdue"}),
    ("procedure_newest", {"scope": "group", "procedure": PROCEDURE, "sort": "-received"}),
    ("page_20", {"scope": "group", "page": "20"}),
    ("received_today", {"scope": "group", "received_from": "2026-11-25"}),
    ("channel_counter", {"scope": "group", "channel": "counter"}),
)


def fill(eng: Engine, start: int, count: int, rng: random.Random) -> float:
    """Add ``count`` open dossiers (ids from ``start``) and one open task each; return seconds."""
    now = START
    began = time.perf_counter()
    raw = eng.db.engine.raw_connection()
    try:
        cur = raw.cursor()
        version_id = cur.execute(
            "SELECT current_version_id FROM procedures WHERE code = %s", (PROCEDURE,)
        ).fetchone()[0]
        with cur.copy(
            "COPY dossiers (id, code, procedure_code, version_id, agency_code, status, channel,"
            " applicant, form_data, received_at, due_at, paused_seconds, late, lock_version,"
            " step_count, created_by) FROM STDIN"
        ) as copy:
            tasks = []
            for i in range(start, start + count):
                agency = AGENCY if rng.random() < 0.7 else rng.choice(OTHER_AGENCIES)
                received = now - timedelta(minutes=rng.randint(0, 60 * 24 * 20))
                due = received + timedelta(days=rng.randint(1, 15))
                applicant = json.dumps(
                    {"full_name": f"Công dân {i}", "cccd": f"{1190000000 + i:012d}"},
                    ensure_ascii=False,
                )
                copy.write_row((
                    i, f"{agency}-{received:%y%m%d}-{i:07d}", PROCEDURE, version_id, agency,
                    "in_process", rng.choice(("counter", "online", "post")), applicant, "{}",
                    received, due, 0.0, due < now, 1, 1, "bench",
                ))  # fmt: skip
                step = rng.choices(STEPS, weights=[s[3] for s in STEPS])[0]
                step_due = received + timedelta(days=rng.randint(0, 10), hours=rng.randint(0, 8))
                assignee = "cv" if rng.random() < 0.1 else None
                escalated = step_due + timedelta(hours=1) if step_due < now else None
                tasks.append((
                    str(uuid.UUID(int=rng.getrandbits(128))), i, PROCEDURE, agency, step[0],
                    step[1], "user", step[2], step[2], "[]", assignee, "open", received,
                    step_due, step_due - timedelta(days=1), escalated,
                ))  # fmt: skip
        with cur.copy(
            "COPY tasks (id, dossier_id, procedure_code, agency_code, bpmn_id, name, kind, lane,"
            " role, actions, assignee, state, created_at, due_at, warn_at, escalated_at)"
            " FROM STDIN"
        ) as copy:
            for row in tasks:
                copy.write_row(row)
        raw.commit()
    finally:
        raw.close()
    # What autovacuum does on a live database: statistics and the visibility map (index-only
    # scans for the counts); VACUUM cannot run inside a transaction.
    with eng.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE dossiers")
        conn.exec_driver_sql("VACUUM ANALYZE tasks")
    return time.perf_counter() - began


def counts(eng: Engine, client: Any) -> dict[str, int]:
    """What the run measured on: open dossiers and tasks, and rows the first page shows."""
    from sqlalchemy import func, select

    from engine.models import Dossier, TaskRow

    with eng.db.read() as s:
        dossiers = s.execute(select(func.count()).select_from(Dossier)).scalar_one()
        tasks = s.execute(
            select(func.count()).select_from(TaskRow).where(TaskRow.state == "open")
        ).scalar_one()
    page = client.get("/cong-viec/", query_string={"scope": "group"}).get_data(as_text=True)
    return {
        "open_dossiers": dossiers,
        "open_tasks": tasks,
        "rows_on_first_page": page.count('data-task="'),
    }


def measure(client: Any, repeat: int) -> dict[str, Any]:
    """Time every scenario ``repeat`` times (after one warm-up); return p50/p95 overall and each."""
    samples: dict[str, list[float]] = {name: [] for name, _ in SCENARIOS}
    cpu: list[float] = []
    for _name, query in SCENARIOS:
        client.get("/cong-viec/", query_string=query)  # warm-up: templates, plans, pool
    for _ in range(repeat):
        for name, query in SCENARIOS:
            began, began_cpu = time.perf_counter(), time.process_time()
            response = client.get("/cong-viec/", query_string=query)
            samples[name].append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"GET /cong-viec/ {query} answered {response.status_code}")
    everything = [ms for values in samples.values() for ms in values]
    return {
        "requests": len(everything),
        "p50_ms": round(percentile(everything, 50), 2),
        "p95_ms": round(percentile(everything, 95), 2),
        "max_ms": round(max(everything), 2),
        # this process's CPU per request (Flask, SQLAlchemy, the template): PostgreSQL's own
        # work is not in it; compare it with p50 to see how much is waiting on a busy machine
        "client_cpu_ms_p50": round(percentile(cpu, 50), 2),
        "scenarios": {
            name: {
                "p50_ms": round(percentile(values, 50), 2),
                "p95_ms": round(percentile(values, 95), 2),
            }
            for name, values in samples.items()
        },
    }


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(pct) - 1]


def run(pg_url: str, sizes: list[int], repeat: int) -> dict[str, Any]:
    from webui.app import create_app
    from webui.security import limiter

    report: dict[str, Any] = {"backend": "postgresql", "route": "GET /cong-viec/", "sizes": {}}
    rng = random.Random(20261125)
    with postgres_url(pg_url) as url:
        eng, _clock = make_engine(url)
        for code in OTHER_AGENCIES:
            eng.ensure_agency(code, f"Cơ quan {code}")
        eng.ensure_user("cv2", "cv2", AGENCY, ["specialist"])
        eng.set_password("cv", PASSWORD)
        app = create_app(eng, {"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
        limiter.enabled = False
        client = app.test_client()
        signed = client.post("/login", data={"username": "cv", "password": PASSWORD})
        if signed.status_code != 302:
            raise SystemExit(f"sign-in failed: {signed.status_code}")
        filled, start = 0, 1_000_000
        try:
            for size in sorted(sizes):
                seconds = fill(eng, start + filled, size - filled, rng)
                filled = size
                figures = measure(client, repeat)
                figures["fill_seconds"] = round(seconds, 1)
                figures.update(counts(eng, client))
                report["sizes"][str(size)] = figures
        finally:
            eng.db.dispose()
    report["targets"] = {
        size: {
            "p95_ms": figures["p95_ms"],
            "target_ms": TARGET_P95_MS,
            "pass": figures["p95_ms"] < TARGET_P95_MS,
        }
        for size, figures in report["sizes"].items()
    }
    report["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="open dossiers, comma-separated")
    parser.add_argument("--repeat", type=int, default=20, help="rounds of every scenario")
    parser.add_argument("--pg-url", default=os.environ.get("LIENTHONG_TEST_PG_URL", DEFAULT_PG_URL))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not sizes or min(sizes) < 1 or args.repeat < 1:
        parser.error("sizes and repeat must be positive")
    print(json.dumps(run(args.pg_url, sizes, args.repeat), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

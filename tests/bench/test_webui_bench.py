"""``bench/webui.py`` runs as documented and reports the task-list latency figures as JSON.

Tiny sizes, one round: no timing is asserted (the machine is shared), only that the script
fills PostgreSQL, times the real route at each size and says whether the target held.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import pg_base_url

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "webui.py"


def test_webui_bench_reports_latency_per_size() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--sizes", "300,600", "--repeat", "2",
         "--pg-url", pg_base_url()],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["backend"] == "postgresql" and report["route"] == "GET /cong-viec/"
    assert set(report["sizes"]) == {"300", "600"}
    for size, figures in report["sizes"].items():
        assert figures["requests"] == 2 * len(figures["scenarios"]) >= 12
        assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"]
        assert figures["scenarios"]["mine"]["p95_ms"] > 0
        assert 0 < figures["client_cpu_ms_p50"]
        assert figures["open_dossiers"] == figures["open_tasks"] == int(size)
        assert figures["rows_on_first_page"] == 50  # the specialist's group list is full
        target = report["targets"][size]
        assert target["target_ms"] == 200.0
        assert target["pass"] == (figures["p95_ms"] < 200.0)

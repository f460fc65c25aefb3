"""bench/api.py runs end to end on PostgreSQL and prints every figure it promises."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
def test_api_bench_prints_its_figures():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "api.py"), "--quick", "--threads", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["submissions"]["count"] == 8 and report["submissions"]["errors"] == []
    assert report["submissions"]["per_second"] > 0
    assert report["status_reads"]["count"] == 20 and report["status_reads"]["p95_ms"] > 0
    sync = report["sync_out"]
    assert sync["outbox_rows"] == sync["portal_received"] == 8 and sync["unsent"] == 0
    assert sync["lag_p95_s"] >= 0
    assert set(report["targets"]) == {
        "submissions_per_s>=10", "status_read_p95<100ms", "sync_lag_p95<5s"
    }


def test_bad_arguments_get_a_clear_message():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "api.py"), "--dossiers", "0"],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 2 and "at least 1" in done.stderr

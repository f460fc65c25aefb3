"""``bench/dashboard.py`` runs as documented on a small PostgreSQL fill and reports JSON.

Speed is never asserted here (figures belong to the benchmark's output); this keeps the
script working and checks that the figures it times still equal direct SQL counts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import pg_base_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
def test_dashboard_bench_runs_small() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "dashboard.py"), "--dossiers", "3000"]
        + ["--open", "60", "--pg-url", pg_base_url()],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["rows"]["dossiers"] == 3060
    assert result["consistent_with_sql"] is True
    assert result["summary_equals_live"] is True
    for key in ("page_month_s", "page_year_s", "build_month_s", "daily_report_s"):
        assert result[key]["warm_median"] > 0
    assert result["daily_report_rows"]["late"] > 0

"""``bench/load.py`` runs end to end with a real worker process and prints every figure.

Tiny sizes on a shared machine: nothing about speed is asserted, only that every dossier of
the mix — the template and each of the four liên thông flows — reached its result, and every
result of the flows, through the workers and the simulated registries with no error, and the
report is whole.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import pg_base_url

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]


def test_load_bench_runs_the_template_and_every_flow_on_a_real_worker() -> None:
    base = os.environ.get("LIENTHONG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    redis_url = base.rsplit("/", 1)[0] + "/2"  # this suite's own database
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"), "--dossiers", "6", "--workers", "1",
         "--paced", "2", "--rate", "4", "--pg-url", pg_base_url(), "--redis-url", redis_url,
         "--service-ms", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    [phase] = report["phases"]
    assert (phase["workers"], phase["dossiers"], phase["finished"]) == (1, 6, 6)
    assert report["errors"] == 0 and set(phase["error_kinds"].values()) == {0}
    # the mix's first eight: the paced run's template and birth, then template, death,
    # template, enterprise, template, land
    assert phase["by_model"] == {"1.000894": 4, "2.000986": 1, "L.000201": 1, "2.001583": 1,
                                 "1.013831": 1}  # fmt: skip
    # template: submit + 4 officers; death, enterprise: submit + 5 officers + 3 registries;
    # land: submit + 6 officers + 3 registries
    assert (phase["steps"], phase["registry_calls"]) == (3 * 5 + 9 + 9 + 10, 9)
    assert phase["paced"]["finished"] == 2 and phase["paced"]["steps"] == 5 + 9
    assert phase["cpu_ms_per_dossier"]["workers"] > 0 and phase["cpu_ms_per_dossier"]["total"] > 0
    for latency in (phase["step_latency_ms"], phase["saturated"]["step_latency_ms"]):
        assert 0 < latency["p50"] <= latency["p95"]
        assert latency["officer_steps"]["p50"] and latency["service_steps"]["p50"]
    assert phase["database_bytes"] > 0 and phase["queue_depth"]["max"] >= 0
    assert report["scaling"] == {"1": 1.0}
    estimate = report["province_estimate"]
    assert estimate["dossiers_per_year"] == 300_000
    assert estimate["worker_processes_needed_at_peak"] >= 1

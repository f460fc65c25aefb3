"""The benchmark runs end to end with tiny sizes and prints one JSON object with every figure.

No timing is asserted: the machine is shared and the sizes are tiny. What must hold is that
the script runs as documented (``python bench/engine.py``), measures real dossiers on both
backends, and reports every key the issue asks for with sane values.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import pg_base_url

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "engine.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _no_nan(value: str) -> float:
    raise ValueError(f"the report holds {value}, which is not JSON")


@pytest.fixture(scope="module")
def report() -> dict:
    done = _run(
        "--quick",
        "--dossiers",
        "2",
        "--history",
        "3,12",
        "--processes",
        "2",
        "--pg-url",
        pg_base_url(),
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout, parse_constant=_no_nan)


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


@pytest.mark.postgres
def test_throughput_figures_for_both_backends_and_the_ceiling(report: dict) -> None:
    assert set(report["persisted_dossiers_per_s"]) == {"sqlite", "postgresql"}
    assert all(_positive(v) for v in report["persisted_dossiers_per_s"].values())
    assert _positive(report["memory_dossiers_per_s"])
    assert _positive(report["memory_dossiers_per_s_stock_script_engine"])
    share = report["persisted_share_of_ceiling"]
    for backend, rate in report["persisted_dossiers_per_s"].items():
        assert share[backend] == pytest.approx(rate / report["memory_dossiers_per_s"])
    # Each dossier really went through the database: one transaction per step means many
    # statements (and the run checks that every dossier reached result_returned).
    assert all(v >= 5 for v in report["sql_statements_per_dossier"].values())


@pytest.mark.postgres
def test_parallel_figures_compare_like_with_like(report: dict) -> None:
    rates = report["persisted_dossiers_per_s_parallel"]
    assert set(rates) == {"sqlite", "postgresql"}
    assert all(_positive(v) for v in rates.values())
    ceiling = report["memory_dossiers_per_s_parallel"]
    assert _positive(ceiling)
    share = report["persisted_share_of_ceiling_parallel"]
    for backend, rate in rates.items():  # against the ceiling run in as many processes
        assert share[backend] == pytest.approx(rate / ceiling)
    assert report["parallel"] == {"processes": 2, "dossiers_per_process": 1}
    assert "postgresql_at_least_50_dossiers_per_s_parallel" in report["targets"]
    assert _positive(report["postgresql_commit_floor_ms"])


@pytest.mark.postgres
def test_load_by_history_compares_the_same_waiting_task(report: dict) -> None:
    assert set(report["load_ms_by_history"]) == {"3", "12"}
    detail = report["load_by_history"]
    assert set(detail) == {"3", "4", "12", "13"}
    assert detail["3"]["waiting_at"] == detail["13"]["waiting_at"] == "appraise"
    assert detail["4"]["waiting_at"] == detail["12"]["waiting_at"] == "supplement"
    for n, item in detail.items():
        assert _positive(item["ms"]) and _positive(item["state_bytes"]), n
    assert report["load_ms_by_history"]["12"] == detail["12"]["ms"]


@pytest.mark.postgres
def test_parse_state_and_machine_facts(report: dict) -> None:
    for key in ("parse_ms_cold", "parse_ms_warm", "parse_ms_memory_hit", "state_bytes"):
        assert _positive(report[key]), key
    assert report["state_bytes"] < report["bpmn_bytes"]  # the state holds no model
    machine = report["machine"]
    assert machine["cpu_count"] >= 1
    assert machine["python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}")
    assert machine["spiffworkflow"] == "3.2.0"
    assert report["n"]["dossiers"] == 2 and report["n"]["quick"] is True


@pytest.mark.postgres
def test_targets_are_reported_not_asserted(report: dict) -> None:
    targets = report["targets"]
    assert set(targets) == {
        "postgresql_share_of_ceiling_at_least_one_third",
        "sqlite_share_of_ceiling_at_least_one_third",
        "postgresql_at_least_50_dossiers_per_s",
        "load_flat_in_history",
        "postgresql_at_least_50_dossiers_per_s_parallel",
        "postgresql_share_of_ceiling_parallel_at_least_one_third",
    }
    for name, target in targets.items():
        assert isinstance(target["pass"], bool), name
        assert target["pass"] == (
            target["value"] <= target["target"]
            if name == "load_flat_in_history"
            else target["value"] >= target["target"]
        )


@pytest.mark.postgres
def test_the_postgresql_schema_is_dropped(report: dict) -> None:
    schema = report["machine"]["postgresql_schema_dropped"]
    assert schema and schema.startswith("bench_")
    engine = create_engine(pg_base_url())
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"),
                {"s": schema},
            ).first()
    finally:
        engine.dispose()
    assert found is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--history", "500,5"], "1 <= short < long"),
        (["--history", "five"], "two step counts"),
        (["--dossiers", "0"], "at least 1"),
    ],
)
def test_bad_arguments_get_a_clear_message(args: list[str], message: str) -> None:
    done = _run(*args)
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_catalogue_bench_prints_every_figure(tmp_path):
    """`python -m bench.catalogue` with a tiny synthetic catalogue: coverage, validate, start."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.catalogue", "-n", "24", "--jobs", "1",
         "--national", str(ROOT / "tests" / "bpmn" / "data")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["synthetic_import"]["procedures"] == 24
    assert figures["synthetic_validate"]["errors"] == 0
    assert figures["synthetic_validate"]["summary"].startswith("24 procedures: ")
    start = figures["engine_start"]
    runnable = figures["synthetic_import"]["models"]["created"]
    assert start["deployed"] == runnable and start["failed"] == 0
    for mode in ("cold", "warm"):
        assert start[mode]["models"] == runnable
        assert 0 < start[mode]["first_model_seconds"] <= start[mode]["start_seconds"]
    assert figures["max_rss_mb"] > 0

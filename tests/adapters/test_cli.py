"""Drive `lienthong adapters …` and `lienthong simulators start` as a user would."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys

import httpx
import pytest
from click.testing import CliRunner

from adapters.cli import adapters
from adapters.registry import reset_registry


@pytest.fixture
def registry(make_registry):
    built = make_registry("population,tax")
    reset_registry(built)
    yield built
    reset_registry()


def test_adapters_list_shows_operations_and_health(registry):
    registry.adapter("tax").simulator().faults.set(error_rate=1)
    result = CliRunner().invoke(adapters, ["list"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split() for line in result.output.splitlines()[:-1]}
    assert lines["population.lookup_citizen"][1:5] == ["đọc", "tốt", "trả", "lời"]
    assert lines["population.lookup_citizen"][-3:] == ["mạch", "bình", "thường"]
    assert lines["population.register_residence"][1] == "ghi"
    assert lines["tax.land_obligations"][1:4] == ["ghi", "HỎNG", "HTTP"]
    assert result.output.endswith("5 thao tác\n")


def test_adapters_list_json_without_health(registry):
    result = CliRunner().invoke(adapters, ["list", "--json", "--no-health"])
    rows = json.loads(result.output)
    assert {r["operation"] for r in rows} == registry.operations()
    assert {r["healthy"] for r in rows} == {None}


def test_adapters_call_prints_data_and_masked_record(registry):
    result = CliRunner().invoke(
        adapters,
        ["call", "population.lookup_citizen", "--params", '{"personal_id": "074096086598"}'],
    )
    out = json.loads(result.output)
    assert out["data"]["full_name"] == "Nguyễn Hữu An"
    assert out["record"]["response"]["full_name"] == "N*** H*** A***"


def test_adapters_call_reports_errors_without_traceback(registry):
    result = CliRunner().invoke(adapters, ["call", "tax.land_obligations", "--params", "{}"])
    assert result.exit_code == 1 and "bắt buộc có khóa chống trùng lặp" in result.output
    bad = CliRunner().invoke(adapters, ["call", "x.y", "--params", "[1"])
    assert bad.exit_code == 2 and "không phải JSON" in bad.output
    array = CliRunner().invoke(adapters, ["call", "x.y", "--params", "[1]"])
    assert array.exit_code == 2 and "phải là một đối tượng JSON" in array.output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_simulators_start_serves_on_loopback_until_interrupted(tmp_path):
    ports = {"population": free_port(), "tax": free_port()}
    env = {
        **os.environ,
        "LIENTHONG_ADAPTERS_ALLOW": "population,tax",
        "LIENTHONG_SIM_DATA_DIR": str(tmp_path),
        "LIENTHONG_SIM_PEOPLE": "50",
        **{f"LIENTHONG_ADAPTER_{n.upper()}_URL": f"http://127.0.0.1:{p}" for n, p in ports.items()},
    }
    code = "from adapters.cli import simulators; simulators(['start'])"
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        env={**env, "PYTHONIOENCODING": "utf-8"},
        stdout=subprocess.PIPE,
        encoding="utf-8",
    )
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        assert lines[2].strip() == "Nhấn Ctrl-C để dừng.", lines
        for port in ports.values():
            health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json()
            assert health["status"] == "ok"
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "đang dừng" in out

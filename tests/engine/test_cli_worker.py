"""``lienthong worker`` and ``lienthong scheduler`` refuse to start on a database they cannot use.

(They are started for real, with Redis and PostgreSQL, by ``tests/distributed``.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import cli


@pytest.mark.parametrize("command", ["worker", "scheduler"])
def test_an_unmigrated_database_is_a_one_line_error(tmp_path: Path, command: str) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    result = CliRunner().invoke(cli, ["--database-url", url, command])
    assert result.exit_code == 1
    assert "chưa có lược đồ" in result.output and "lienthong db upgrade" in result.output
    assert "Traceback" not in result.output


def test_the_commands_are_plugged_in_with_their_options() -> None:
    result = CliRunner().invoke(cli, ["worker", "--help"])
    assert result.exit_code == 0
    for option in ("--concurrency", "--queues", "--pool", "--broker-url", "--include"):
        assert option in result.output
    result = CliRunner().invoke(cli, ["scheduler", "--help"])
    assert result.exit_code == 0 and "--schedule-file" in result.output

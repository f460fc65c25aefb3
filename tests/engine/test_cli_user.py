"""``lienthong user set-password`` and ``lienthong user list`` on a migrated SQLite database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import cli
from engine.migrate import upgrade
from engine.runtime import Engine
from engine.settings import load

PASSWORD = "mật khẩu của admin 2026"


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    upgrade(url)
    e = Engine(load({"database_url": url}))
    e.ensure_agency("000.00.00.H56", "UBND tỉnh")
    e.ensure_user("admin", "Quản trị viên", "000.00.00.H56", ["admin"])
    e.db.dispose()
    return url


def run(url: str, *args: str, stdin: str | None = None):  # noqa: ANN201 - click Result
    return CliRunner().invoke(cli, ["--database-url", url, "user", *args], input=stdin)


def test_set_password_from_the_prompt(url: str) -> None:
    result = run(url, "set-password", "admin", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "đã đặt mật khẩu cho admin" in result.output
    assert PASSWORD not in result.output  # hidden input is not echoed
    e = Engine(load({"database_url": url}))
    try:
        assert e.authenticate("admin", PASSWORD).username == "admin"
    finally:
        e.db.dispose()


def test_set_password_from_stdin(url: str) -> None:
    result = run(url, "set-password", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    listed = json.loads(run(url, "list", "--json").stdout)
    assert listed == [
        {
            "username": "admin",
            "full_name": "Quản trị viên",
            "agency": "000.00.00.H56",
            "roles": ["admin"],
            "active": True,
            "has_password": True,
        },
    ]


def test_bad_passwords_and_users_fail_in_one_line(url: str) -> None:
    short = run(url, "set-password", "admin", "--password-stdin", stdin="ngắn\n")
    assert short.exit_code == 1 and short.stderr.startswith("lỗi: mật khẩu phải có")
    missing = run(url, "set-password", "khong-co", "--password-stdin", stdin=PASSWORD + "\n")
    assert missing.exit_code == 1 and "người dùng 'khong-co' không tồn tại" in missing.stderr
    assert "Traceback" not in short.output + missing.output


def test_list_as_a_table(url: str) -> None:
    result = run(url, "list")
    assert result.exit_code == 0
    header, row = (re.split(r"\s{2,}", line) for line in result.stdout.splitlines())
    assert header == ["tài khoản", "cơ quan", "vai trò", "trạng thái", "mật khẩu"]
    assert row == ["admin", "000.00.00.H56", "admin", "hoạt động", "chưa"]

"""``lienthong serve`` on a fresh, migrated SQLite database: a real process, a real socket."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from engine.migrate import upgrade
from engine.runtime import Engine
from engine.settings import load
from webui.cli import _tick_forever

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "mật khẩu thử serve"


def test_serve_answers_and_signs_in(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serve.sqlite'}"
    upgrade(url)
    e = Engine(load({"database_url": url}))
    e.ensure_agency("000.00.00.H56", "UBND tỉnh")
    e.ensure_user("admin", "Quản trị viên", "000.00.00.H56", ["admin"])
    e.set_password("admin", PASSWORD)
    e.db.dispose()
    env = {**os.environ, "LIENTHONG_SECRET_KEY": "serve-test", "LIENTHONG_TICK_INTERVAL_S": "0.2"}
    process = subprocess.Popen(
        [sys.executable, "-c", "from engine.cli import main; main()",
         "--database-url", url, "serve", "--port", "0", "--threads", "2"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        first = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
        assert found, first + process.stderr.read()
        base = found.group(0)
        with httpx.Client(base_url=base, follow_redirects=False, timeout=10) as client:
            page = client.get("/login")
            assert page.status_code == 200 and "Đăng nhập" in page.text
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
            response = client.post(
                "/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token}
            )
            assert response.status_code == 302
            cookie = response.headers["set-cookie"]
            assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
            assert "Quản trị viên" in client.get("/", follow_redirects=True).text
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()
        process.stderr.close()


def test_serve_refuses_a_database_that_is_not_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    result = subprocess.run(
        [sys.executable, "-c", "from engine.cli import main; main()",
         "--database-url", url, "serve", "--port", "0"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith("lỗi:") and "db upgrade" in result.stderr


class CountingEngine:
    def __init__(self, fail_first: bool) -> None:
        self.calls = 0
        self.fail_first = fail_first
        self.done = threading.Event()

    def tick(self) -> dict:
        self.calls += 1
        if self.calls >= 3:
            self.done.set()
        if self.fail_first and self.calls == 1:
            raise RuntimeError("database away")
        return {}


def test_the_scheduler_thread_ticks_and_survives_a_failure(capsys) -> None:  # noqa: ANN001
    engine = CountingEngine(fail_first=True)
    stop = threading.Event()
    thread = threading.Thread(target=_tick_forever, args=(engine, 0.01, stop), daemon=True)
    thread.start()
    assert engine.done.wait(5)
    stop.set()
    thread.join(5)
    assert not thread.is_alive() and engine.calls >= 3
    assert "lượt tick không chạy được: RuntimeError('database away')" in capsys.readouterr().err

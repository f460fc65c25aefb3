"""Web app fixtures: an engine with signed-in-able officers, the app, its client, a browser.

``engine`` is the engine tests' world (``tests.engine.conftest.setup_engine``: agencies,
a user per role, three procedures) on SQLite, on a manual clock, with every user's password
set to :data:`PASSWORD` (and an ``admin``). A test module that wants PostgreSQL too
overrides ``engine_db_url``::

    @pytest.fixture
    def engine_db_url(db_url: str) -> str:
        return db_url

``login(client, username)`` signs in through the real form (CSRF token included);
``csrf_token(client)`` gives a token for other POSTs. ``live_server`` runs the app on an
ephemeral port in a thread; ``page`` is a Playwright page in Debian's chromium
(``@pytest.mark.browser``), with ``shot(name)`` saving screenshots under ``test-artifacts/``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from engine.clock import ManualClock
from engine.models import User
from engine.runtime import Engine
from engine.settings import load
from tests.engine.conftest import AGENCY, START, setup_engine
from webui.app import create_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
#: Every test user's password.
PASSWORD = "Mật-khẩu-thử-2026"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="session")
def password_hash() -> str:
    """Hash :data:`PASSWORD` once per session (argon2 is slow on purpose)."""
    from engine.passwords import hash_password

    return hash_password(PASSWORD, min_length=0)


@pytest.fixture
def engine_db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'webui.sqlite'}"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def engine_settings() -> dict[str, Any]:
    """Extra engine settings for this test (override the fixture to change them)."""
    return {}


@pytest.fixture
def engine(
    engine_db_url: str, clock: ManualClock, password_hash: str, engine_settings: dict[str, Any]
) -> Iterator[Engine]:
    e = Engine(load({"database_url": engine_db_url, **engine_settings}), clock=clock)
    setup_engine(e)
    e.ensure_user("admin", "Quản trị viên", AGENCY, ["admin"])
    with e.db.write() as s:
        s.execute(update(User).values(password_hash=password_hash))
    yield e
    e.db.dispose()


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Flask configuration of this test's app (override to change it)."""
    return {}


@pytest.fixture
def app(engine: Engine, app_config: dict[str, Any]) -> Iterator[Flask]:
    from webui.security import limiter

    app = create_app(engine, {"TESTING": True, "SECRET_KEY": "test-secret", **app_config})
    limiter.reset()  # the limiter's memory storage outlives one app
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token(client: FlaskClient) -> str:
    """Return a CSRF token valid for ``client``'s session (from the sign-in page)."""
    found = _TOKEN.search(client.get("/login").get_data(as_text=True))
    assert found, "the sign-in page carries no csrf_token"
    return found.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> TestResponse:
    """Sign in through the real form; return the response (302 on success)."""
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
    )


@pytest.fixture
def logged_in(client: FlaskClient) -> Callable[[str], FlaskClient]:
    """``logged_in("cv")`` signs ``client`` in as that user (asserting it worked)."""

    def sign_in(username: str) -> FlaskClient:
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return sign_in


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(10)


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """The app served by a real HTTP server on an ephemeral port (``live_server.url``)."""
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (./run test does)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    """Keep each phase's report on the test, so ``page`` can tell whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Any, live_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser page (own cookies) whose relative URLs go to ``live_server``.

    When the test fails, the page as it was is saved under ``test-artifacts/webui/``.
    """
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        safe = re.sub(r"[^\w.-]+", "_", f"{request.node.name}-FAILED")
        path = ARTIFACTS / "webui" / f"{safe}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
    context.close()


@pytest.fixture
def shot(page: Any, request: pytest.FixtureRequest) -> Callable[[str], Path]:
    """``shot("after-login")`` saves a full-page screenshot under ``test-artifacts/``."""

    def take(name: str) -> Path:
        safe = re.sub(r"[^\w.-]+", "_", f"{request.node.name}-{name}")
        path = ARTIFACTS / "webui" / f"{safe}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def browser_login(page: Any, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real page in the browser."""
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").last.click()
    page.wait_for_load_state()

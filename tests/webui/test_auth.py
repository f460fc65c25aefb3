"""Signing in and out through the real forms: passwords, lock-out, sessions, redirects."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from engine.clock import ManualClock
from engine.models import AuditEvent, User
from engine.runtime import Engine
from tests.webui.conftest import PASSWORD, csrf_token, login


@pytest.fixture
def engine_db_url(db_url: str) -> str:
    return db_url  # sign-in touches the database: run on SQLite and PostgreSQL


def test_sign_in_with_the_right_password(client: FlaskClient, engine: Engine) -> None:
    response = login(client, "cv")
    assert response.status_code == 302
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "CV" in page and "Đăng xuất" in page
    with engine.db.read() as s:
        actions = list(
            s.execute(select(AuditEvent.action).where(AuditEvent.actor == "cv")).scalars()
        )
    assert "login" in actions


def test_wrong_password_and_unknown_user_get_the_same_answer(client: FlaskClient) -> None:
    wrong = login(client, "cv", "sai-mat-khau-roi")
    unknown = login(client, "khong-ton-tai", "sai-mat-khau-roi")
    assert wrong.status_code == unknown.status_code == 401
    message = "Tên đăng nhập hoặc mật khẩu không đúng."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    assert "Đăng xuất" not in wrong.get_data(as_text=True)


def test_lock_out_after_repeated_failures(
    client: FlaskClient, engine: Engine, clock: ManualClock
) -> None:
    limit = engine.settings.login_max_failures
    for _ in range(limit - 1):
        assert login(client, "cv", "sai-mat-khau-roi").status_code == 401
    locked = login(client, "cv", "sai-mat-khau-roi")
    assert "tạm khóa" in locked.get_data(as_text=True)
    right = login(client, "cv", PASSWORD)  # even the right password is refused now
    assert right.status_code == 401 and "tạm khóa" in right.get_data(as_text=True)
    with engine.db.read() as s:
        user = s.execute(select(User).where(User.username == "cv")).scalar_one()
    assert user.locked_until is not None
    clock.advance(minutes=engine.settings.login_lockout_minutes, seconds=1)
    assert login(client, "cv", PASSWORD).status_code == 302


def test_a_success_resets_the_failure_count(client: FlaskClient, engine: Engine) -> None:
    limit = engine.settings.login_max_failures
    for _ in range(limit - 1):
        login(client, "cv", "sai-mat-khau-roi")
    assert login(client, "cv").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    for _ in range(limit - 1):
        login(client, "cv", "sai-mat-khau-roi")
    assert login(client, "cv").status_code == 302


def test_inactive_users_cannot_sign_in(client: FlaskClient, engine: Engine) -> None:
    with engine.db.write() as s:
        s.execute(select(User).where(User.username == "cv")).scalar_one().active = False
    assert login(client, "cv").status_code == 401


def test_logout_needs_the_csrf_token_and_ends_the_session(client: FlaskClient) -> None:
    login(client, "cv")
    assert client.post("/logout").status_code == 400
    assert "Đăng xuất" in client.get("/login").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert "Đăng xuất" not in client.get("/login").get_data(as_text=True)


def test_password_reset_ends_open_sessions(client: FlaskClient, engine: Engine) -> None:
    login(client, "cv")
    assert "Đăng xuất" in client.get("/login").get_data(as_text=True)
    engine.set_password("cv", "một-mật-khẩu-mới", actor="admin")
    assert "Đăng xuất" not in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]
)
def test_next_never_leaves_the_site(client: FlaskClient, target: str) -> None:
    token = csrf_token(client)
    response = client.post(
        f"/login?next={target}",
        data={"username": "cv", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.location == "/"


def test_next_within_the_site_is_followed(client: FlaskClient) -> None:
    token = csrf_token(client)
    response = client.post(
        "/login?next=/login", data={"username": "cv", "password": PASSWORD, "csrf_token": token}
    )
    assert response.location == "/login"


def test_session_cookie_is_httponly_and_lax(client: FlaskClient) -> None:
    login(client, "cv")
    cookie = client.get_cookie("lienthong_session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert not cookie.secure  # configurable: session_cookie_secure


def test_secure_cookie_setting(engine: Engine) -> None:
    from engine.settings import load
    from webui.app import create_app

    secure = Engine(
        load(
            {
                "database_url": str(engine.db.url.render_as_string(False)),
                "session_cookie_secure": True,
            }
        )
    )
    try:
        app = create_app(secure, {"SECRET_KEY": "x"})
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert app.config["REMEMBER_COOKIE_SECURE"] is True
    finally:
        secure.db.dispose()


def test_officers_change_their_own_password(client: FlaskClient, engine: Engine) -> None:
    login(client, "cv")
    assert client.get("/account/password").status_code == 200
    form = {"current": PASSWORD, "password": "mật khẩu mới tinh", "confirm": "khác"}
    response = client.post("/account/password", data={**form, "csrf_token": csrf_token(client)})
    assert response.status_code == 400 and "không khớp" in response.get_data(as_text=True)
    form = {"current": "sai-mat-khau-roi", "password": "mật khẩu mới tinh"}
    form["confirm"] = form["password"]
    response = client.post("/account/password", data={**form, "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert "Mật khẩu hiện tại không đúng." in response.get_data(as_text=True)
    form = {"current": PASSWORD, "password": "ngắn", "confirm": "ngắn"}
    response = client.post("/account/password", data={**form, "csrf_token": csrf_token(client)})
    assert response.status_code == 400 and "ít nhất 10 ký tự" in response.get_data(as_text=True)
    form = {"current": PASSWORD, "password": "mật khẩu mới tinh", "confirm": "mật khẩu mới tinh"}
    response = client.post("/account/password", data={**form, "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert "Đăng xuất" in client.get("/login").get_data(as_text=True)  # still signed in
    assert engine.authenticate("cv", "mật khẩu mới tinh").username == "cv"
    with engine.db.read() as s:
        failures = s.execute(
            select(AuditEvent).where(AuditEvent.actor == "cv", AuditEvent.action == "login_failed")
        ).all()
    assert len(failures) == 1  # the wrong current password counted as a failed sign-in


def test_changing_the_password_needs_a_session(client: FlaskClient) -> None:
    assert client.get("/account/password").status_code == 302

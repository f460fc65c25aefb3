"""The admin's pages: accounts and agencies, reachable by admins only, every change audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from engine.models import Agency, AuditEvent
from engine.runtime import Engine
from tests.engine.conftest import AGENCY, OTHER_AGENCY
from tests.webui.conftest import csrf_token, login

NEW_PASSWORD = "mật khẩu mới 2026"


@pytest.fixture
def engine_db_url(db_url: str) -> str:
    return db_url


@pytest.fixture
def admin(logged_in: Callable[[str], FlaskClient]) -> FlaskClient:
    return logged_in("admin")


def post(client: FlaskClient, url: str, **data: object) -> tuple[int, str, str | None]:
    response = client.post(url, data={**data, "csrf_token": csrf_token(client)})
    return response.status_code, response.get_data(as_text=True), response.location


@pytest.mark.parametrize(
    "url",
    [
        "/admin/users",
        "/admin/users/new",
        "/admin/users/cv",
        "/admin/agencies",
        "/admin/agencies/new",
        f"/admin/agencies/{AGENCY}",
    ],
)
@pytest.mark.parametrize("user", ["cv", "ld"])
def test_only_admins_open_the_admin_pages(
    logged_in: Callable[[str], FlaskClient], url: str, user: str
) -> None:
    client = logged_in(user)
    assert client.get(url).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login?next=" in response.location


def test_users_are_listed_in_vietnamese_order(admin: FlaskClient, engine: Engine) -> None:
    for username, name in [("u1", "Đỗ An"), ("u2", "Dương Bình"), ("u3", "Ánh Chi")]:
        engine.ensure_user(username, name, AGENCY, ["specialist"])
    page = admin.get("/admin/users").get_data(as_text=True)
    # by given name first, as Vietnamese lists are: An, Bình, Chi
    assert page.index("Đỗ An") < page.index("Dương Bình") < page.index("Ánh Chi")
    filtered = admin.get(f"/admin/users?agency={OTHER_AGENCY}").get_data(as_text=True)
    assert "OUTSIDER" in filtered and "Dương Bình" not in filtered


def test_admin_creates_an_account_that_can_sign_in(
    admin: FlaskClient, client: FlaskClient, engine: Engine
) -> None:
    status, _, location = post(
        admin,
        "/admin/users/new",
        username="phuloi.motcua2",
        full_name="Lê Thị Hoa",
        agency_code=AGENCY,
        roles=["one_stop_officer", "specialist"],
        password=NEW_PASSWORD,
    )
    assert status == 302 and location == "/admin/users"
    account = engine.account("phuloi.motcua2")
    assert account is not None and account.roles == ("one_stop_officer", "specialist")
    admin.post("/logout", data={"csrf_token": csrf_token(admin)})
    assert login(client, "phuloi.motcua2", NEW_PASSWORD).status_code == 302
    with engine.db.read() as s:
        event = s.execute(
            select(AuditEvent).where(AuditEvent.action == "user_created")
        ).scalar_one()
    assert event.actor == "admin" and event.detail["user"] == "phuloi.motcua2"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "cv"}, "Tên đăng nhập đã có"),
        ({"username": "Có Dấu"}, "chữ thường không dấu"),
        ({"password": "ngắn"}, "ít nhất 10 ký tự"),
        ({"roles": []}, "Chọn ít nhất một vai trò"),
        ({"roles": ["emperor"]}, "Vai trò không hợp lệ"),
        ({"agency_code": "999.99.99.H56"}, "Cơ quan không tồn tại"),
        ({"full_name": ""}, "Vui lòng nhập"),
    ],
)
def test_bad_accounts_are_refused_with_a_message(
    admin: FlaskClient, engine: Engine, data: dict, message: str
) -> None:
    form = {
        "username": "moi",
        "full_name": "Người Mới",
        "agency_code": AGENCY,
        "roles": ["specialist"],
        "password": NEW_PASSWORD,
        **data,
    }
    status, page, _ = post(admin, "/admin/users/new", **form)
    assert status == 400 and message in page
    if data.get("username") != "cv":
        assert engine.account("moi") is None


def test_deactivating_ends_the_officers_session(
    admin: FlaskClient,
    app,
    engine: Engine,  # noqa: ANN001
) -> None:
    officer = app.test_client()
    login(officer, "cv")
    assert "Đăng xuất" in officer.get("/login").get_data(as_text=True)
    status, _, _ = post(
        admin,
        "/admin/users/cv",
        full_name="CV",
        agency_code=AGENCY,
        roles=["specialist", "head_of_unit"],
    )  # active unticked
    assert status == 302
    account = engine.account("cv")
    assert account is not None and not account.active and "head_of_unit" in account.roles
    assert "Đăng xuất" not in officer.get("/login").get_data(as_text=True)
    assert login(officer, "cv").status_code == 401


def test_admin_cannot_lock_themselves_out(admin: FlaskClient, engine: Engine) -> None:
    status, page, _ = post(
        admin,
        "/admin/users/admin",
        full_name="Quản trị viên",
        agency_code=AGENCY,
        roles=["specialist"],
        active="y",
    )
    assert status == 400
    assert engine.account("admin").roles == ("admin",)


def test_password_reset_unlocks_and_replaces(
    admin: FlaskClient,
    app,
    engine: Engine,  # noqa: ANN001
) -> None:
    other = app.test_client()
    for _ in range(engine.settings.login_max_failures):
        login(other, "cv", "sai-mat-khau-roi")
    page = admin.get("/admin/users/cv").get_data(as_text=True)
    assert "tạm khóa" in page
    status, page, _ = post(admin, "/admin/users/cv/password", password="ngắn", confirm="ngắn")
    assert status == 400 and "ít nhất 10 ký tự" in page
    status, page, _ = post(
        admin, "/admin/users/cv/password", password=NEW_PASSWORD, confirm="khác hẳn"
    )
    assert status == 400 and "không khớp" in page
    status, _, _ = post(
        admin, "/admin/users/cv/password", password=NEW_PASSWORD, confirm=NEW_PASSWORD
    )
    assert status == 302
    assert login(other, "cv", NEW_PASSWORD).status_code == 302


def test_agencies_form_a_tree(admin: FlaskClient, engine: Engine) -> None:
    status, _, _ = post(
        admin,
        "/admin/agencies/new",
        code="000.21.00.h56",
        name="UBND thành phố Thủ Dầu Một",
        level="district",
        parent_code=AGENCY,
    )
    assert status == 302
    status, _, _ = post(
        admin,
        "/admin/agencies/new",
        code="000.21.05.H56",
        name="UBND phường Hiệp Thành",
        level="commune",
        parent_code="000.21.00.H56",
    )
    assert status == 302
    page = admin.get("/admin/agencies").get_data(as_text=True)
    assert page.index("UBND tỉnh (thử nghiệm)") < page.index("UBND thành phố Thủ Dầu Một")
    assert page.index("UBND thành phố Thủ Dầu Một") < page.index("UBND phường Hiệp Thành")
    assert 'class="depth-2"' in page
    # a loop is refused: the province cannot be placed under its own commune
    status, page, _ = post(
        admin,
        f"/admin/agencies/{AGENCY}",
        name="UBND tỉnh (thử nghiệm)",
        level="province",
        parent_code="000.21.05.H56",
    )
    assert status == 400 and "vòng lặp" in page
    with engine.db.read() as s:
        assert s.get(Agency, AGENCY).parent_code is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": AGENCY}, "đã có"),
        ({"code": "không phải mã"}, "000.00.12.H56"),
        ({"level": "empire"}, "Cấp không hợp lệ"),
        ({"parent_code": "000.99.99.H56"}, "Cơ quan cấp trên không tồn tại"),
        ({"name": ""}, "Vui lòng nhập"),
    ],
)
def test_bad_agencies_are_refused(admin: FlaskClient, data: dict, message: str) -> None:
    form = {
        "code": "000.30.01.H56",
        "name": "Phòng mới",
        "level": "department",
        "parent_code": "",
        **data,
    }
    status, page, _ = post(admin, "/admin/agencies/new", **form)
    assert status == 400 and message in page


def test_unknown_user_and_agency_are_404(admin: FlaskClient) -> None:
    assert admin.get("/admin/users/khong-co").status_code == 404
    assert admin.get("/admin/agencies/000.99.99.H56").status_code == 404

"""Passwords, sign-in with lock-out, the admin's directory, and the data-access log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.accounts import AccountLocked, AuthenticationFailed
from engine.clock import ManualClock
from engine.errors import InvalidInput, NotFound
from engine.models import AuditEvent, User
from engine.passwords import hash_password, needs_rehash, verify_password
from engine.runtime import Engine
from tests.engine.conftest import AGENCY, KET_HON, OTHER_AGENCY, Officers

PASSWORD = "một mật khẩu đủ dài"


def actions(engine: Engine, actor: str) -> list[str]:
    with engine.db.read() as s:
        return list(
            s.execute(
                select(AuditEvent.action).where(AuditEvent.actor == actor).order_by(AuditEvent.id)
            ).scalars()
        )


def test_hashes_are_salted_argon2id_and_verify() -> None:
    first, second = (hash_password(PASSWORD, min_length=10) for _ in range(2))
    assert first != second and first.startswith("$argon2id$")
    assert verify_password(first, PASSWORD) and not verify_password(first, PASSWORD + "x")
    assert not verify_password(None, PASSWORD) and not verify_password("garbage", PASSWORD)
    assert not needs_rehash(first) and needs_rehash("garbage")


@pytest.mark.parametrize("bad", ["short", " leading space ok?", "trailing space ok? "])
def test_weak_passwords_are_refused(engine: Engine, bad: str) -> None:
    with pytest.raises(InvalidInput) as err:
        engine.set_password("cv", bad)
    assert "password" in err.value.errors
    assert engine.account("cv").has_password is False


def test_sign_in_counts_failures_and_locks(engine: Engine, clock: ManualClock) -> None:
    engine.set_password("cv", PASSWORD)
    assert engine.authenticate("cv", PASSWORD).username == "cv"
    for _ in range(engine.settings.login_max_failures - 1):
        with pytest.raises(AuthenticationFailed) as err:
            engine.authenticate("cv", "sai")
        assert not isinstance(err.value, AccountLocked)
    with pytest.raises(AccountLocked) as locked:
        engine.authenticate("cv", "sai")
    assert locked.value.until > clock.now()
    with pytest.raises(AccountLocked):
        engine.authenticate("cv", PASSWORD)
    clock.advance(minutes=engine.settings.login_lockout_minutes + 1)
    assert engine.authenticate("cv", PASSWORD).username == "cv"
    assert actions(engine, "cv").count("login_failed") == engine.settings.login_max_failures
    assert "account_locked" in actions(engine, "cv")
    assert "login_refused_locked" in actions(engine, "cv")


def test_settings_change_the_lock(make_engine) -> None:  # noqa: ANN001
    from tests.engine.conftest import setup_engine

    e = setup_engine(make_engine(settings={"login_max_failures": 2}))
    e.set_password("cv", PASSWORD)
    with pytest.raises(AuthenticationFailed):
        e.authenticate("cv", "sai")
    with pytest.raises(AccountLocked):
        e.authenticate("cv", "sai")


def test_unknown_inactive_and_passwordless_users_fail_alike(engine: Engine) -> None:
    for username in ("khong-co", "x" * 200, "cv"):  # cv has no password yet
        with pytest.raises(AuthenticationFailed) as err:
            engine.authenticate(username, PASSWORD)
        assert str(err.value) == "sai tên đăng nhập hoặc mật khẩu"
    engine.set_password("cv", PASSWORD)
    with engine.db.write() as s:
        s.execute(select(User).where(User.username == "cv")).scalar_one().active = False
    with pytest.raises(AuthenticationFailed):
        engine.authenticate("cv", PASSWORD)


def test_session_token_changes_with_the_password(engine: Engine) -> None:
    token = engine.set_password("cv", PASSWORD).session_token
    assert engine.account_by_token(token).username == "cv"
    engine.set_password("cv", PASSWORD + " mới")
    assert engine.account_by_token(token) is None
    assert engine.account_by_token("khong-co:abc") is None


def test_set_password_for_a_missing_user(engine: Engine) -> None:
    with pytest.raises(NotFound):
        engine.set_password("khong-co", PASSWORD)


def test_directory_creates_and_updates_accounts(engine: Engine) -> None:
    account = engine.create_account(
        "Phuloi.MotCua",
        " Lê  Thị Hoa ",
        AGENCY,
        ["specialist", "one_stop_officer"],
        PASSWORD,
        actor="admin",
    )
    assert account.username == "phuloi.motcua" and account.full_name == "Lê Thị Hoa"
    assert account.roles == ("one_stop_officer", "specialist")  # canonical order
    assert engine.authenticate("phuloi.motcua", PASSWORD).agency_code == AGENCY
    with pytest.raises(InvalidInput):
        engine.create_account("phuloi.motcua", "X", AGENCY, ["specialist"], PASSWORD, actor="a")
    changed = engine.update_account(
        "phuloi.motcua", "Lê Thị Hoa", OTHER_AGENCY, ["leader"], False, actor="admin"
    )
    assert changed.agency_code == OTHER_AGENCY and not changed.active
    assert [a for a in actions(engine, "admin") if a.startswith("user_")] == [
        "user_created",
        "user_changed",
    ]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("ok.user", "Tên", AGENCY, ["king"]), "roles"),
        (("ok.user", "Tên", AGENCY, []), "roles"),
        (("ok.user", "", AGENCY, ["specialist"]), "full_name"),
        (("ok.user", "Tên", "999.99.99.H56", ["specialist"]), "agency_code"),
        (("a", "Tên", AGENCY, ["specialist"]), "username"),
        (("có dấu", "Tên", AGENCY, ["specialist"]), "username"),
    ],
)
def test_bad_accounts_change_nothing(engine: Engine, args: tuple, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        engine.create_account(*args, PASSWORD, actor="admin")
    assert field in err.value.errors
    assert engine.account("ok.user") is None


def test_agency_hierarchy(engine: Engine) -> None:
    engine.save_agency(
        "000.21.00.h56", "UBND thành phố", "district", AGENCY, actor="admin", create=True
    )
    engine.save_agency(
        "000.21.05.H56", "UBND phường", "commune", "000.21.00.H56", actor="admin", create=True
    )
    tree = engine.agency_tree()
    codes = [a.code for a in tree]
    assert codes.index(AGENCY) < codes.index("000.21.00.H56") < codes.index("000.21.05.H56")
    assert {a.code: a.depth for a in tree}["000.21.05.H56"] == 2
    with pytest.raises(InvalidInput) as loop:
        engine.save_agency(
            AGENCY, "UBND tỉnh", "province", "000.21.05.H56", actor="admin", create=False
        )
    assert "parent_code" in loop.value.errors
    with pytest.raises(InvalidInput):
        engine.save_agency("000.21.05.H56", "X", "commune", None, actor="admin", create=True)
    with pytest.raises(NotFound):
        engine.save_agency("000.99.99.H56", "X", "commune", None, actor="admin", create=False)
    with pytest.raises(InvalidInput) as bad:
        engine.save_agency("không mã", "", "empire", None, actor="admin", create=True)
    assert set(bad.value.errors) == {"code", "name", "level"}


def test_data_access_log(engine: Engine, officers: Officers) -> None:
    d = officers.submit(KET_HON)
    assert engine.data_access_log(d.code) == []
    engine.record_data_access(d.code, "cv", "  Xem   hồ sơ ")
    engine.record_data_access(d.code, "outsider", "Xem giấy tờ")
    log = engine.data_access_log(d.code)
    assert [(a.username, a.agency_code, a.what) for a in log] == [
        ("cv", AGENCY, "Xem hồ sơ"),
        ("outsider", OTHER_AGENCY, "Xem giấy tờ"),
    ]
    assert log[0].agency_name == "UBND tỉnh (thử nghiệm)" and log[0].full_name == "CV"
    with pytest.raises(NotFound):
        engine.record_data_access("KHONG-CO", "cv", "x")
    with pytest.raises(InvalidInput):
        engine.record_data_access(d.code, "cv", "   ")
    with pytest.raises(NotFound):
        engine.data_access_log("KHONG-CO")


def test_public_status(engine: Engine, officers: Officers) -> None:
    d = officers.submit(KET_HON, applicant={"full_name": "A", "cccd": "079203001234"})
    assert engine.public_status(d.code, "0000") is None
    assert engine.public_status("KHONG-CO", "1234") is None
    assert engine.public_status(d.code, "1234" * 30) is None
    status = engine.public_status(d.code.lower(), "1234")
    assert status is not None and status.status == "received"
    assert [m.status for m in status.milestones] == ["received"]
    assert not hasattr(status, "applicant")

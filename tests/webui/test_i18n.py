"""Languages, dates and name order: Vietnamese by default, English on request."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from tests.webui.conftest import csrf_token, login
from webui.i18n import (
    TRANSLATIONS,
    ensure_compiled,
    format_date_vn,
    format_datetime_vn,
    status_label,
    vi_name_key,
    vi_sort_key,
)

PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"


def test_vietnamese_is_the_default(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in page and "Tên đăng nhập" in page


def test_the_language_switch_changes_pages_and_survives_sign_in(client: FlaskClient) -> None:
    response = client.post(
        "/language", data={"lang": "en", "next": "/login", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302 and response.location == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Username" in page and "Tên đăng nhập" not in page
    wrong = login(client, "cv", "sai-mat-khau-roi").get_data(as_text=True)
    assert "Wrong username or password." in wrong
    assert login(client, "cv").status_code == 302
    assert "Sign out" in client.get("/login").get_data(as_text=True)
    back = client.post(
        "/language", data={"lang": "vi", "next": "/login", "csrf_token": csrf_token(client)}
    )
    assert back.status_code == 302
    assert "Đăng xuất" in client.get("/login").get_data(as_text=True)


def test_unknown_language_and_foreign_next_fall_back(client: FlaskClient) -> None:
    response = client.post(
        "/language",
        data={"lang": "xx", "next": "https://evil.example/", "csrf_token": csrf_token(client)},
    )
    assert response.location == "/"
    assert '<html lang="vi">' in client.get("/login").get_data(as_text=True)


def test_the_switch_needs_the_csrf_token(client: FlaskClient) -> None:
    assert client.post("/language", data={"lang": "en"}).status_code == 400


def test_the_catalogue_is_clean_and_compiles(tmp_path: Path) -> None:
    with PO.open("rb") as f:
        catalog = read_po(f, locale="en")
    assert len([m for m in catalog if m.id and m.string]) >= 100
    for message in catalog:
        if not message.id or not message.string:
            continue
        assert "fuzzy" not in message.flags, message.id
        for placeholder in ("%(name)s", "%(user)s", "%(when)s", "%(code)s", "%(n)d"):
            assert (placeholder in message.id) == (placeholder in message.string), message.id
    copy = tmp_path / "en" / "LC_MESSAGES"
    copy.mkdir(parents=True)
    (copy / "messages.po").write_bytes(PO.read_bytes())
    assert ensure_compiled(tmp_path) == [copy / "messages.mo"]
    assert ensure_compiled(tmp_path) == []  # up to date: not rewritten
    assert (copy / "messages.mo").stat().st_size > 1000


def test_dates_are_day_month_year_in_vietnam_time() -> None:
    assert format_date_vn(date(2026, 1, 2)) == "02/01/2026"
    late_evening_utc = datetime(2026, 11, 24, 18, 30, tzinfo=UTC)  # 01:30 on the 25th in Hà Nội
    assert format_date_vn(late_evening_utc) == "25/11/2026"
    assert format_datetime_vn(late_evening_utc) == "25/11/2026 01:30"
    assert format_date_vn(None) == "" and format_datetime_vn(None) == ""


def test_statuses_have_labels() -> None:
    assert status_label("in_process") == "Đang giải quyết"
    assert status_label("something_new") == "something_new" and status_label(None) == ""


def test_vietnamese_alphabetical_order() -> None:
    names = [
        "Đỗ Thị Hạnh",
        "Dương Văn Long",
        "Ăn",
        "anh",
        "Ân",
        "Bùi",
        "Bà",
        "Ba",
        "Bá",
        "ơi",
        "ô",
        "Ong",
        "Ư",
        "Uyên",
        "Lý",
        "Lâm",
        "Lê",
    ]
    assert sorted(names, key=vi_sort_key) == [
        "anh",
        "Ăn",
        "Ân",
        "Ba",
        "Bà",
        "Bá",
        "Bùi",
        "Dương Văn Long",
        "Đỗ Thị Hạnh",
        "Lâm",
        "Lê",
        "Lý",
        "Ong",
        "ô",
        "ơi",
        "Uyên",
        "Ư",
    ]


def test_tones_order_ngang_huyen_hoi_nga_sac_nang() -> None:
    assert sorted(["má", "mạ", "mả", "mà", "ma", "mã"], key=vi_sort_key) == [
        "ma",
        "mà",
        "mả",
        "mã",
        "má",
        "mạ",
    ]


def test_people_sort_by_given_name_then_family_name() -> None:
    names = ["Trần Văn Bình", "Nguyễn Thị Ánh", "Lê An", "Đặng Bình", "Vũ Thị Ân"]
    assert sorted(names, key=vi_name_key) == [
        "Lê An",
        "Nguyễn Thị Ánh",
        "Vũ Thị Ân",
        "Đặng Bình",
        "Trần Văn Bình",
    ]


def test_a_read_only_install_compiles_into_the_instance_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from webui import i18n

    package = tmp_path / "package"
    (package / "en" / "LC_MESSAGES").mkdir(parents=True)
    (package / "en" / "LC_MESSAGES" / "messages.po").write_bytes(PO.read_bytes())
    real = i18n.ensure_compiled

    def read_only_package(directory: Path = package) -> list[Path]:
        if directory == package:  # root ignores file modes, so refuse the way a mount would
            raise PermissionError(13, "Read-only file system", str(directory))
        return real(directory)

    monkeypatch.setattr(i18n, "TRANSLATIONS", package)
    monkeypatch.setattr(i18n, "ensure_compiled", read_only_package)
    fake = SimpleNamespace(instance_path=str(tmp_path / "instance"))
    where = i18n.compiled_translations(fake)
    assert where == tmp_path / "instance" / "translations"
    assert (where / "en" / "LC_MESSAGES" / "messages.mo").stat().st_size > 1000
    assert not (package / "en" / "LC_MESSAGES" / "messages.mo").exists()

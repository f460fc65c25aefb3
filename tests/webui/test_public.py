"""The public look-up: status, milestones, due date and the data-access log — nothing else."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from engine.models import Dossier
from engine.public_status import normalise_phone, secret_matches
from engine.runtime import Engine
from tests.engine.conftest import APPLICANT, HAPPY, KET_HON, Officers
from tests.webui.conftest import csrf_token

PHONE = "0912 345 678"


@pytest.fixture
def engine_db_url(db_url: str) -> str:
    return db_url


@pytest.fixture
def dossier(engine: Engine) -> Dossier:
    applicant = {**APPLICANT, "phone": PHONE, "address": "12 Lê Lợi, Thủ Dầu Một"}
    return engine.submit(KET_HON, applicant=applicant, data={"note": "bí mật"}, actor="mc")


def ask(client: FlaskClient, code: str, secret: str) -> tuple[int, str]:
    token = csrf_token(client)
    response = client.post("/tra-cuu/", data={"code": code, "secret": secret, "csrf_token": token})
    return response.status_code, response.get_data(as_text=True)


@pytest.mark.parametrize("secret", [PHONE, "0912345678", "+84 912 345 678", "0001"])
def test_the_right_secret_shows_the_status(
    client: FlaskClient, dossier: Dossier, secret: str
) -> None:
    status, page = ask(client, dossier.code, secret)
    assert status == 200
    assert dossier.code in page and "Đăng ký kết hôn" in page
    assert "Đã tiếp nhận" in page and "Hạn trả kết quả" in page
    for private in ("Nguyễn Thị Lan", "001190000001", "Lê Lợi", "bí mật", "0912"):
        assert private not in page, private


def test_the_code_is_case_and_space_tolerant(client: FlaskClient, dossier: Dossier) -> None:
    assert ask(client, f"  {dossier.code.lower()} ", "0001")[0] == 200


def normalised(page: str) -> str:
    page = re.sub(r'value="[^"]*"', 'value=""', page)
    return re.sub(r"nonce-[\w-]+|nonce=\"[^\"]*\"", "nonce", page)


def test_wrong_code_and_wrong_secret_look_the_same(client: FlaskClient, dossier: Dossier) -> None:
    wrong_secret = ask(client, dossier.code, "0999")
    other_digit = "8" if dossier.code.endswith("9") else "9"
    wrong_code = ask(client, dossier.code[:-1] + other_digit, "0001")
    nonsense = ask(client, "KHONG-CO", "0912345678")
    assert wrong_secret[0] == wrong_code[0] == nonsense[0] == 404
    assert normalised(wrong_secret[1]) == normalised(wrong_code[1]) == normalised(nonsense[1])
    assert dossier.code not in wrong_secret[1]


@pytest.mark.parametrize("secret", ["", "1", "12", "001", "00001", "091234567", "' OR 1=1 --"])
def test_short_or_malformed_secrets_never_match(
    client: FlaskClient, dossier: Dossier, secret: str
) -> None:
    assert ask(client, dossier.code, secret)[0] in (400, 404)


def test_milestones_follow_the_dossier(
    client: FlaskClient, engine: Engine, dossier: Dossier
) -> None:
    Officers(engine, check_state=False).walk(dossier, HAPPY)
    status, page = ask(client, dossier.code, PHONE)
    assert status == 200
    for label in ("Đã tiếp nhận", "Đang giải quyết", "Đã trả kết quả"):
        assert label in page, label
    assert "Ngày hoàn thành" in page


def test_the_citizen_sees_who_opened_their_data(
    client: FlaskClient, engine: Engine, dossier: Dossier
) -> None:
    _, page = ask(client, dossier.code, PHONE)
    assert "Chưa có cán bộ nào mở dữ liệu cá nhân" in page
    engine.record_data_access(dossier.code, "cv", "Xem hồ sơ và giấy tờ")
    engine.record_data_access(dossier.code, "outsider", "Xem tờ khai")
    _, page = ask(client, dossier.code, PHONE)
    assert "Xem hồ sơ và giấy tờ" in page and "UBND tỉnh (thử nghiệm)" in page
    assert "Xem tờ khai" in page and "Sở Tư pháp (thử nghiệm)" in page
    assert page.index("Xem hồ sơ và giấy tờ") < page.index("Xem tờ khai")


def test_the_lookup_is_rate_limited(client: FlaskClient, engine: Engine, dossier: Dossier) -> None:
    limit = int(engine.settings.public_lookup_limit.split()[0])
    for _ in range(limit):
        assert ask(client, dossier.code, "0999")[0] == 404
    status, page = ask(client, dossier.code, "0001")  # even the right answer now waits
    assert status == 429 and "thử lại" in page


def test_the_form_prefills_the_code_from_the_receipt_qr(client: FlaskClient) -> None:
    page = client.get("/tra-cuu/?ma=000.00.00.H56-261125-0001").get_data(as_text=True)
    assert 'value="000.00.00.H56-261125-0001"' in page


def test_the_lookup_needs_the_csrf_token(client: FlaskClient, dossier: Dossier) -> None:
    response = client.post("/tra-cuu/", data={"code": dossier.code, "secret": PHONE})
    assert response.status_code == 400
    assert dossier.code not in response.get_data(as_text=True)


def test_secret_rules() -> None:
    applicant = {"cccd": "079 2030 01234", "phone": "+84 (912) 345-678"}
    assert secret_matches(applicant, "1234")
    assert secret_matches(applicant, "0912345678")
    assert secret_matches(applicant, "84912345678")
    assert not secret_matches(applicant, "4321")
    assert not secret_matches(applicant, "912345678")  # without the leading 0
    assert not secret_matches({}, "1234") and not secret_matches({"phone": ""}, "0912345678")
    assert normalise_phone("+84 912 345 678") == "0912345678"


class TestBehindAProxy:
    @pytest.fixture
    def engine_settings(self) -> dict:
        return {"proxy_hops": 1, "public_lookup_limit": "2 per minute"}

    def test_limits_count_the_forwarded_address(self, client: FlaskClient, dossier: Dossier):
        def ask_from(address: str) -> int:
            token = csrf_token(client)
            return client.post(
                "/tra-cuu/",
                data={"code": dossier.code, "secret": "0999", "csrf_token": token},
                headers={"X-Forwarded-For": address},
            ).status_code

        assert [ask_from("203.0.113.7") for _ in range(3)] == [404, 404, 429]
        assert ask_from("203.0.113.8") == 404  # another citizen behind the same proxy


def test_without_proxy_hops_a_forged_header_does_not_dodge_the_limit(
    client: FlaskClient, engine: Engine, dossier: Dossier
) -> None:
    limit = int(engine.settings.public_lookup_limit.split()[0])
    codes = []
    for i in range(limit + 1):
        token = csrf_token(client)
        codes.append(
            client.post(
                "/tra-cuu/",
                data={"code": dossier.code, "secret": "0999", "csrf_token": token},
                headers={"X-Forwarded-For": f"198.51.100.{i}"},
            ).status_code
        )
    assert codes[-1] == 429

"""The REST API end to end: tokens, scopes, agencies, idempotency, documents, status, limits."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from engine import api_clients, payments
from engine.models import Dossier
from tests.engine.conftest import AGENCY, OTHER_AGENCY, Officers
from tests.webui.api_helpers import EXE, PDF, PNG, auth, doc, new_key, submission, token


@pytest.fixture
def engine_db_url(db_url: str) -> str:
    return db_url


def dossiers(engine) -> int:
    with engine.db.read() as s:
        return s.execute(select(func.count()).select_from(Dossier)).scalar_one()


def submit(client, tok, body=None, key=None):
    return client.post(
        "/api/v1/dossiers", json=body or submission(), headers=auth(tok, key or new_key())
    )


def test_tokens_scopes_and_revocation(client, engine):
    assert client.get("/api/v1/procedures").status_code == 401
    body = client.get("/api/v1/procedures", headers=auth("lt_x_y")).get_json()
    assert body["error"]["code"] == "unauthorised"
    reader = token(engine, "reader", scopes=["dossiers:read"])
    response = client.get("/api/v1/procedures", headers=auth(reader))
    assert (
        response.status_code == 403 and "procedures:read" in response.get_json()["error"]["message"]
    )
    full = token(engine)
    procs = client.get("/api/v1/procedures", headers=auth(full)).get_json()["procedures"]
    assert {"T.000010", "1.001193"} <= {p["code"] for p in procs}
    api_clients.revoke_client(engine, "cong-dvc")
    response = client.get("/api/v1/procedures", headers=auth(full))
    assert (
        response.status_code == 401 and "đã bị thu hồi" in response.get_json()["error"]["message"]
    )


def test_submit_with_documents_and_retry_with_the_same_key(client, engine):
    tok, key = token(engine), new_key()
    first = submit(client, tok, key=key)
    assert first.status_code == 201, first.get_data(as_text=True)
    made = first.get_json()
    assert made["status"] == "received" and made["channel"] == "online"
    assert [(d["kind"], d["media_type"]) for d in made["documents"]] == [
        ("to_khai", "application/pdf")
    ]
    assert made["milestones"][0]["event"] == "received"
    again = submit(client, tok, key=key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["code"] == made["code"]
    assert dossiers(engine) == 1
    other = submit(client, tok, submission(applicant={"full_name": "Người khác"}), key=key)
    assert other.status_code == 409
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert dossiers(engine) == 1


def test_multipart_submission(client, engine):
    tok = token(engine)
    payload = {k: v for k, v in submission().items() if k != "documents"}
    response = client.post(
        "/api/v1/dossiers",
        data={
            "payload": json.dumps(payload),
            "to_khai": (io.BytesIO(PDF), "to-khai.pdf"),
            "anh_the": (io.BytesIO(PNG), "anh.png"),
        },
        content_type="multipart/form-data",
        headers=auth(tok, new_key()),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert sorted(d["kind"] for d in response.get_json()["documents"]) == ["anh_the", "to_khai"]


@pytest.mark.parametrize(
    ("documents", "field"),
    [
        ([doc(content=EXE, filename="to-khai.pdf")], "documents[0].content"),
        ([doc(content=b"")], "documents[0].content"),
        ([doc(kind="../../etc")], "documents[0].kind"),
        ([doc(kind="result")], "documents[0].kind"),
        ([{"kind": "x", "filename": "a", "content_base64": "***"}], "documents[0].content_base64"),
        ([doc(content=PDF + b"x" * 3000)], "documents[0].content"),
    ],
    ids=["executable", "empty", "bad-kind", "result-kind", "bad-base64", "oversized"],
)
def test_bad_documents_create_nothing(client, engine, documents, field):
    response = submit(client, token(engine), submission(documents=documents))
    assert response.status_code == 400, response.get_data(as_text=True)
    assert field in response.get_json()["error"]["fields"]
    assert dossiers(engine) == 0


@pytest.fixture
def engine_settings():
    return {"max_upload_bytes": 2048}


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (submission(), {}, 400),  # no Idempotency-Key
        (submission(procedure_code="9.999999"), None, 404),
        (submission(applicant={}), None, 400),
        (submission(extra=1), None, 400),
        ([1, 2], None, 400),
    ],
    ids=["no-key", "unknown-procedure", "no-name", "unknown-field", "not-an-object"],
)
def test_bad_submissions_get_clear_errors(client, engine, body, headers, status):
    tok = token(engine)
    response = client.post(
        "/api/v1/dossiers",
        json=body,
        headers=auth(tok) | (new_key_header() if headers is None else headers),
    )
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["error"]["message"]
    assert dossiers(engine) == 0


def new_key_header() -> dict[str, str]:
    return {"Idempotency-Key": new_key()}


def test_another_agencys_dossier_is_out_of_reach(client, engine):
    mine = token(engine, "tinh", agencies=[OTHER_AGENCY])
    response = submit(client, mine)
    assert response.status_code == 403 and AGENCY in response.get_json()["error"]["message"]
    code = submit(client, token(engine, "all")).get_json()["code"]
    assert client.get(f"/api/v1/dossiers/{code}", headers=auth(mine)).status_code == 403
    assert client.get("/api/v1/dossiers/nope", headers=auth(mine)).status_code == 404


def test_supplement_withdraw_and_results(client, engine):
    tok = token(engine)
    code = submit(client, tok).get_json()["code"]
    officers = Officers(engine, check_state=False)
    officers.walk(code, ["receive", ("appraise", "supplement")])
    state = client.get(f"/api/v1/dossiers/{code}", headers=auth(tok)).get_json()
    assert state["status"] == "supplement_requested"
    assert state["supplement_request"]["missing_documents"] == ["Bản sao CCCD"]
    key = new_key()
    body = {"note": "Đã bổ sung", "documents": [doc("ban_sao_cccd")]}
    answer = client.post(f"/api/v1/dossiers/{code}/supplement", json=body, headers=auth(tok, key))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["status"] == "in_process"
    again = client.post(f"/api/v1/dossiers/{code}/supplement", json=body, headers=auth(tok, key))
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    late = client.post(
        f"/api/v1/dossiers/{code}/supplement", json=body, headers=auth(tok, new_key())
    )
    message = late.get_json()["error"]["message"]
    assert late.status_code == 400 and "không có yêu cầu bổ sung" in message
    officers.walk(code, ["appraise", "approve"])
    result = PDF.replace(b"<<>>endobj", b"<</KQ 1>>endobj")
    engine.attach_document(code, result, filename="giấy khai sinh.pdf", kind="result", actor="ld")
    listed = client.get(f"/api/v1/dossiers/{code}/results", headers=auth(tok)).get_json()["results"]
    assert [r["kind"] for r in listed] == ["result"]
    got = client.get(f"/api/v1/dossiers/{code}/results/{listed[0]['id']}", headers=auth(tok))
    assert got.status_code == 200 and got.data == result and got.mimetype == "application/pdf"
    assert "attachment" in got.headers["Content-Disposition"]
    submitted = state["documents"][0]["id"]  # not a result: not downloadable as one
    assert (
        client.get(f"/api/v1/dossiers/{code}/results/{submitted}", headers=auth(tok)).status_code
        == 404
    )
    other = submit(client, tok).get_json()["code"]
    gone = client.post(
        f"/api/v1/dossiers/{other}/withdraw",
        json={"reason": "Nộp nhầm"},
        headers=auth(tok, new_key()),
    )
    assert gone.status_code == 200 and gone.get_json()["status"] == "withdrawn"
    twice = client.post(
        f"/api/v1/dossiers/{other}/withdraw",
        json={"reason": "Nộp nhầm"},
        headers=auth(tok, new_key()),
    )
    assert twice.status_code == 400


def test_payment_callbacks_through_the_api(client, engine, monkeypatch, tmp_path):
    from adapters.registry import reset_registry

    monkeypatch.setenv("LIENTHONG_SIM_DATA_DIR", str(tmp_path / "sims"))
    monkeypatch.setenv("LIENTHONG_ADAPTERS_MODE", "inprocess")
    monkeypatch.delenv("LIENTHONG_ADAPTERS_ALLOW", raising=False)
    reset_registry(None)
    from adapters.payment import SIGNATURE_HEADER
    from adapters.payment.simulator import settle
    from adapters.registry import get_registry

    code = submit(client, token(engine)).get_json()["code"]
    payments.set_fee(engine, code, 20_000, "Lệ phí")
    row = payments.start_online(engine, code)
    _, signature, body = settle(
        get_registry().adapter("payment").simulator(), row.gateway_ref, "paid"
    )
    post = lambda sig: client.post(  # noqa: E731
        "/api/v1/payments/callback",
        data=body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: sig},
    )
    assert post(signature).get_json() == {
        "effect": "applied",
        "state": "paid",
        "dossier_code": code,
    }
    assert post(signature).get_json()["effect"] == "replayed"
    forged = post("f" * 64)
    assert forged.status_code == 401 and forged.get_json()["error"]["code"] == "bad_signature"
    reset_registry(None)


class TestRateLimits:
    @pytest.fixture
    def engine_settings(self):
        return {"api_client_limit": "3 per minute", "api_ip_limit": "7 per minute"}

    def test_per_client_then_per_address(self, client, engine):
        import uuid

        # an address of its own, so counts left by other tests in this process cannot interfere
        # (uuid, not random: pytest-randomly reseeds random identically for every test)
        octets = uuid.uuid4().bytes
        addr = {"REMOTE_ADDR": f"10.{octets[0]}.{octets[1]}.{octets[2]}"}
        one, two = token(engine, "one"), token(engine, "two")

        def get(tok):
            return client.get("/api/v1/procedures", headers=auth(tok), environ_base=addr)

        # the limit counts every route together: two reads of one route, one of another
        assert [get(one).status_code for _ in range(2)] == [200, 200]
        assert (
            client.get("/api/v1/dossiers/x", headers=auth(one), environ_base=addr).status_code
            == 404
        )
        assert get(one).status_code == 429
        assert get(one).get_json()["error"]["code"] == "too_many_requests"
        first_two = get(two)
        assert first_two.status_code == 200, first_two.get_data(as_text=True)
        # the address reaches its own limit whatever the token: everyone from it waits
        codes = [get(two).status_code for _ in range(3)]
        assert codes[-1] == 429 and 429 in codes[:2]


def test_rate_limit_key_is_the_token_prefix_even_when_the_secret_holds_underscores(app):
    from webui.api import client_key

    headers = {"Authorization": "Bearer lt_ab12cd34_se_cr_et"}
    with app.test_request_context(headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.9"}):
        assert client_key() == "api-client:ab12cd34"
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.0.0.9"}):
        assert client_key() == "api-ip:10.0.0.9"


class TestTooLarge:
    @pytest.fixture
    def app_config(self):
        return {"MAX_CONTENT_LENGTH": 4096}

    def test_an_oversized_request_gets_413_and_creates_nothing(self, client, engine):
        body = submission(documents=[doc(content=PDF + b"0" * 8000)])
        response = submit(client, token(engine), body)
        assert response.status_code == 413
        assert response.get_json()["error"]["code"] == "request_entity_too_large"
        assert dossiers(engine) == 0


def test_multipart_supplement(client, engine):
    tok = token(engine)
    code = submit(client, tok).get_json()["code"]
    Officers(engine, check_state=False).walk(code, ["receive", ("appraise", "supplement")])
    response = client.post(
        f"/api/v1/dossiers/{code}/supplement",
        data={
            "payload": json.dumps({"note": "Bổ sung bản sao"}),
            "ban_sao_cccd": (io.BytesIO(PNG), "cccd.png"),
        },
        content_type="multipart/form-data",
        headers=auth(tok, new_key()),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "in_process"
    assert "ban_sao_cccd" in {d["kind"] for d in body["documents"]}
    # answered at once: no working time passed, so the appointment date stays
    assert [m["event"] for m in body["milestones"]][-2:] == ["supplement_requested", "in_process"]


@pytest.mark.redis
class TestRateLimitsInRedis(TestRateLimits):
    """The distributed mode: every web process counts in the same Redis (DB 12 here)."""

    @pytest.fixture
    def engine_settings(self):
        import os

        base = os.environ.get("LIENTHONG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
        return {
            "api_client_limit": "3 per minute",
            "api_ip_limit": "7 per minute",
            "ratelimit_storage_url": base.rsplit("/", 1)[0] + "/12",
        }

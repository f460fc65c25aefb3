"""Citizen pages through the Flask client: VNeID sign-in, prefill, submit, pay, supplement,
confirm the draft, download the result, rate — and nobody else's dossier is reachable."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from adapters.settings import sim_people, sim_seed
from adapters.sim.world import world
from engine import payments
from engine.models import Procedure, Rating
from tests.engine.conftest import TEST_PROC, Officers
from tests.webui.api_helpers import EXE, PDF
from tests.webui.conftest import csrf_token

_STATE = re.compile(r'name="state" value="([^"]+)"')


@pytest.fixture(scope="module")
def person():
    return world(sim_seed(), sim_people()).people[0]


@pytest.fixture
def engine_db_url(db_url: str) -> str:
    return db_url


@pytest.fixture(autouse=True)
def registry_here(monkeypatch, tmp_path):
    """Adapters on fresh simulators of this test (the process-wide registry is rebuilt)."""
    from adapters.registry import reset_registry

    monkeypatch.setenv("LIENTHONG_SIM_DATA_DIR", str(tmp_path / "sims"))
    monkeypatch.setenv("LIENTHONG_ADAPTERS_MODE", "inprocess")
    monkeypatch.delenv("LIENTHONG_ADAPTERS_ALLOW", raising=False)
    reset_registry(None)
    yield
    reset_registry(None)


def citizen_login(client, pid: str):
    token = csrf_token(client)
    step = client.post("/cong-dan/dang-nhap", data={"personal_id": pid, "csrf_token": token})
    assert step.status_code == 302 and "/cong-dan/vneid/xac-thuc" in step.location
    page = client.get(step.location).get_data(as_text=True)
    state = _STATE.search(page).group(1)
    back = client.post(
        "/cong-dan/vneid/xac-thuc",
        data={"personal_id": pid, "state": state, "decision": "allow", "csrf_token": token},
    )
    assert back.status_code == 302 and "/cong-dan/vneid/callback" in back.location
    return client.get(back.location)


def submit(client, person, files=None):
    form = {
        "csrf_token": csrf_token(client),
        "applicant.full_name": person.full_name,
        "applicant.address": person.address,
        "applicant.phone": "0912345678",
        "applicant.cccd": "000000000000",  # ignored: the signed-in identity is used
    }
    for name, (content, filename) in (files or {"attachments": (PDF, "to-khai.pdf")}).items():
        form[name] = (io.BytesIO(content), filename)
    return client.post(
        f"/cong-dan/thu-tuc/{TEST_PROC}", data=form, content_type="multipart/form-data"
    )


def test_sign_in_prefills_and_submits(client, engine, person):
    assert client.get(f"/cong-dan/thu-tuc/{TEST_PROC}").status_code == 302  # sign in first
    signed = citizen_login(client, person.personal_id)
    assert signed.status_code == 302
    page = client.get(f"/cong-dan/thu-tuc/{TEST_PROC}").get_data(as_text=True)
    assert person.full_name in page and person.address in page  # from the population registry
    sent = submit(client, person)
    assert sent.status_code == 302, sent.get_data(as_text=True)[:2000]
    code = sent.location.rsplit("/", 1)[1]
    d = engine.dossier(code)
    assert d.channel == "online" and d.applicant["id_number"] == person.personal_id
    assert d.applicant["full_name"] == person.full_name
    page = client.get(sent.location).get_data(as_text=True)
    assert '<dd id="status">Đã tiếp nhận</dd>' in page
    assert client.get(f"/cong-dan/ho-so/{code}/bien-nhan.pdf").data.startswith(b"%PDF")
    home = client.get("/cong-dan/").get_data(as_text=True)
    assert code in home


def test_bad_files_and_bad_identities_are_refused(client, engine, person):
    bad = client.post(
        "/cong-dan/dang-nhap", data={"personal_id": "123", "csrf_token": csrf_token(client)}
    )
    assert bad.status_code == 400 and "không hợp lệ" in bad.get_data(as_text=True)
    forged = client.get("/cong-dan/vneid/callback?code=x&state=y")
    assert forged.status_code == 400
    citizen_login(client, person.personal_id)
    sent = submit(client, person, {"attachments": (EXE, "to-khai.pdf")})
    assert sent.status_code == 400 and "PDF, JPEG hoặc PNG" in sent.get_data(as_text=True)
    assert online_dossiers(engine) == 0


def online_dossiers(engine) -> int:
    from engine.models import Dossier

    with engine.db.read() as s:
        return len(list(s.execute(select(Dossier.id)).scalars()))


def test_the_whole_online_life_of_a_dossier(client, engine, person, app):
    with engine.db.write() as s:
        s.get(Procedure, TEST_PROC).meta = {"fee_vnd": 50_000}
    citizen_login(client, person.personal_id)
    code = submit(client, person).location.rsplit("/", 1)[1]
    page = f"/cong-dan/ho-so/{code}"
    # pay: the first attempt is cancelled, the second goes through
    for outcome in ("failed", "paid"):
        to_gateway = client.post(f"{page}/thanh-toan", data={"csrf_token": csrf_token(client)})
        assert to_gateway.status_code == 302 and "/cong-thanh-toan/" in to_gateway.location
        assert "50.000 đồng" in client.get(to_gateway.location).get_data(as_text=True)
        back = client.post(
            to_gateway.location, data={"outcome": outcome, "csrf_token": csrf_token(client)}
        )
        assert back.status_code == 302
    fee = payments.fee(engine, code)
    assert (fee.state, fee.channel) == ("paid", "online")
    # supplementation requested by the officer, answered by the citizen
    officers = Officers(engine, check_state=False)
    officers.walk(code, ["receive", ("appraise", "supplement")])
    shown = client.get(page).get_data(as_text=True)
    assert "Yêu cầu bổ sung hồ sơ" in shown and "Bản sao CCCD" in shown
    answered = client.post(
        f"{page}/bo-sung",
        data={
            "files": (io.BytesIO(PDF.replace(b"<<>>", b"<</S 1>>")), "cccd.pdf"),
            "note": "Bổ sung CCCD",
            "csrf_token": csrf_token(client),
        },
        content_type="multipart/form-data",
    )
    assert answered.status_code == 302
    assert engine.dossier(code).status == "in_process"
    officers.walk(code, ["appraise", "approve"])
    assert engine.dossier(code).status == "settled"
    draft = client.post(f"{page}/xac-nhan-du-thao", data={"csrf_token": csrf_token(client)})
    assert draft.status_code == 302
    assert "result_draft_confirmed" in [e.action for e in engine.history(engine.dossier(code).id)]
    result = PDF.replace(b"<<>>", b"<</KQ 1>>")
    doc = engine.attach_document(code, result, filename="ket-qua.pdf", kind="result", actor="ld")
    assert client.get(f"{page}/ket-qua/{doc.id}").data == result
    rated = client.post(
        f"{page}/danh-gia",
        data={"score": "5", "comment": "Nhanh, đúng hẹn", "csrf_token": csrf_token(client)},
    )
    assert rated.status_code == 302
    with engine.db.read() as s:
        rating = s.execute(select(Rating)).scalar_one()
    assert (rating.score, rating.comment, rating.channel) == (5, "Nhanh, đúng hẹn", "online")
    again = client.post(f"{page}/danh-gia", data={"score": "1", "csrf_token": csrf_token(client)})
    assert again.status_code == 302
    with engine.db.read() as s:
        assert s.execute(select(Rating.score)).scalars().all() == [5]


def test_another_citizens_dossier_is_not_there(client, engine, person):
    citizen_login(client, person.personal_id)
    code = submit(client, person).location.rsplit("/", 1)[1]
    other = world(sim_seed(), sim_people()).people[1]
    client.post("/cong-dan/dang-xuat", data={"csrf_token": csrf_token(client)})
    citizen_login(client, other.personal_id)
    assert client.get(f"/cong-dan/ho-so/{code}").status_code == 404
    assert client.get(f"/cong-dan/ho-so/{code}/bien-nhan.pdf").status_code == 404

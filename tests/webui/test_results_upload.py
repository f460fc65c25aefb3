"""Officers attach the result at the steps that produce it; the citizen gets exactly that file.

The leader's approve step issues the signed (electronic) decision, the counter's return step
adds the scan of what was handed over; both land as kind ``result``, which the officer's
dossier page, the citizen pages and ``/api/v1/dossiers/<code>/results`` serve.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from adapters.settings import sim_people, sim_seed
from adapters.sim.world import world
from engine.models import Dossier
from engine.runtime import Engine
from tests.engine.conftest import TEST_PROC, Officers
from tests.webui.api_helpers import EXE, PNG, auth, token
from tests.webui.conftest import csrf_token, login
from tests.webui.test_citizen import citizen_login

#: A signed decision: a PDF distinct from every file the dossier already holds.
DECISION = b"%PDF-1.4\n1 0 obj<</KQ (123/QD-UBND)>>endobj\ntrailer<<>>\n%%EOF\n"
RECEIPT_SCAN = PNG + b"ky-nhan"


@pytest.fixture
def engine_db_url(db_url: str) -> str:
    return db_url


@pytest.fixture(autouse=True)
def simulators_here(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[None]:
    """VNeID sign-in runs on fresh simulators of this test (the registry is rebuilt)."""
    from adapters.registry import reset_registry

    monkeypatch.setenv("LIENTHONG_SIM_DATA_DIR", str(tmp_path / "sims"))
    monkeypatch.setenv("LIENTHONG_ADAPTERS_MODE", "inprocess")
    monkeypatch.delenv("LIENTHONG_ADAPTERS_ALLOW", raising=False)
    reset_registry(None)
    yield
    reset_registry(None)


@pytest.fixture
def person() -> Any:
    return world(sim_seed(), sim_people()).people[0]


@pytest.fixture
def dossier(engine: Engine, person: Any) -> Dossier:
    """An online dossier of ``person``, appraised and waiting for the leader's signature."""
    officers = Officers(engine, check_state=False)
    d = officers.submit(
        TEST_PROC,
        applicant={"full_name": person.full_name, "id_number": person.personal_id},
        channel="online",
    )
    officers.walk(d, ["receive", "appraise"])
    return d


def claimed(engine: Engine, d: Dossier, step: str, user: str) -> str:
    (row,) = [t for t in engine.list_tasks(dossier_code=d.code) if t.bpmn_id == step]
    engine.claim(row.id, user=user)
    return row.id


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def post_result(client: FlaskClient, url: str, content: bytes, filename: str, **data: str) -> Any:
    form: dict[str, Any] = {"csrf_token": csrf_token(client), "action": "complete", **data}
    form["result_files"] = [(io.BytesIO(content), filename)]
    return client.post(url, data=form, content_type="multipart/form-data")


def results_of(engine: Engine, d: Dossier) -> list[Any]:
    return [doc for doc in engine.dossier_documents(d.id) if doc.kind.startswith("result")]


def test_leader_attaches_the_signed_result_and_the_citizen_downloads_it(
    app: Flask, client: FlaskClient, engine: Engine, dossier: Dossier, person: Any
) -> None:
    task = claimed(engine, dossier, "approve", "ld")
    ld = signed_in(app, "ld")
    url = f"/ho-so/{dossier.code}/viec/{task}"
    page = ld.get(url).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'name="result_files"' in page

    sent = post_result(ld, url, DECISION, "Quyết định 123.pdf", opinion="Đồng ý")
    assert sent.status_code == 302, sent.get_data(as_text=True)[:2000]
    assert engine.task(task).state == "completed"
    (doc,) = results_of(engine, dossier)
    assert (doc.kind, doc.filename, doc.attached_by) == ("result", "Quyết định 123.pdf", "ld")
    assert engine.dossier(dossier.code).status == "settled"

    # the officer's dossier page lists it and serves it
    shown = ld.get(f"/ho-so/{dossier.code}").get_data(as_text=True)
    link = f"/ho-so/{dossier.code}/giay-to/{doc.id}"
    assert link in shown and "Quyết định 123.pdf" in shown
    assert ld.get(link).data == DECISION

    # the API client (the national portal) lists and downloads exactly that file
    headers = auth(token(engine))
    api = f"/api/v1/dossiers/{dossier.code}/results"
    listed = client.get(api, headers=headers).get_json()["results"]
    assert [(r["id"], r["kind"]) for r in listed] == [(doc.id, "result")]
    got = client.get(f"{api}/{doc.id}", headers=headers)
    assert got.status_code == 200 and got.data == DECISION and got.mimetype == "application/pdf"

    # the citizen sees it on their dossier page and downloads the same bytes
    citizen = app.test_client()
    citizen_login(citizen, person.personal_id)
    mine = citizen.get(f"/cong-dan/ho-so/{dossier.code}")
    assert mine.status_code == 200
    assert f"/cong-dan/ho-so/{dossier.code}/ket-qua/{doc.id}" in mine.get_data(as_text=True)
    assert citizen.get(f"/cong-dan/ho-so/{dossier.code}/ket-qua/{doc.id}").data == DECISION

    # the counter adds the scan of what was handed over when returning the result
    back = claimed(engine, dossier, "return_result", "mc")
    mc = signed_in(app, "mc")
    returned = post_result(mc, f"/ho-so/{dossier.code}/viec/{back}", RECEIPT_SCAN, "ký nhận")
    assert returned.status_code == 302, returned.get_data(as_text=True)[:2000]
    assert engine.task(back).state == "completed"
    kept = {d.filename: d for d in results_of(engine, dossier)}
    assert set(kept) == {"Quyết định 123.pdf", "ký nhận.png"}
    scan = kept["ký nhận.png"]
    listed = client.get(api, headers=headers).get_json()["results"]
    assert sorted(r["id"] for r in listed) == sorted([doc.id, scan.id])
    assert client.get(f"{api}/{scan.id}", headers=headers).data == RECEIPT_SCAN
    assert citizen.get(f"/cong-dan/ho-so/{dossier.code}/ket-qua/{scan.id}").data == RECEIPT_SCAN


def test_a_disguised_result_is_refused_and_nothing_moves(
    app: Flask, engine: Engine, dossier: Dossier
) -> None:
    task = claimed(engine, dossier, "approve", "ld")
    ld = signed_in(app, "ld")
    url = f"/ho-so/{dossier.code}/viec/{task}"
    before = engine.dossier_documents(dossier.id)
    refused = post_result(ld, url, EXE, "quyết định.pdf", opinion="Đồng ý")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert 'data-field="result_files"' in page
    assert "Tệp “quyết định.pdf” không phải PDF, JPEG hoặc PNG (kiểm tra theo nội dung)" in page
    assert "Đồng ý" in page  # what the leader typed is kept
    assert engine.task(task).state == "open"
    assert engine.dossier_documents(dossier.id) == before and results_of(engine, dossier) == []
    assert engine.dossier(dossier.code).status != "settled"


def test_steps_that_do_not_produce_the_result_offer_no_upload(
    app: Flask, engine: Engine, person: Any
) -> None:
    officers = Officers(engine, check_state=False)
    d = officers.submit(TEST_PROC, applicant={"full_name": person.full_name})
    officers.do(d, "receive")
    task = claimed(engine, d, "appraise", "cv")
    cv = signed_in(app, "cv")
    url = f"/ho-so/{d.code}/viec/{task}"
    assert 'name="result_files"' not in cv.get(url).get_data(as_text=True)
    sent = post_result(cv, url, DECISION, "kq.pdf", opinion="Đủ điều kiện")
    assert sent.status_code == 302 and engine.task(task).state == "completed"
    assert results_of(engine, d) == []  # a file posted at another step is not a result


def test_another_agencys_officer_cannot_attach(
    app: Flask, engine: Engine, dossier: Dossier
) -> None:
    task = claimed(engine, dossier, "approve", "ld")
    outsider = signed_in(app, "outsider")  # a leader, but of another agency
    url = f"/ho-so/{dossier.code}/viec/{task}"
    assert outsider.get(url).status_code == 404
    sent = post_result(outsider, url, DECISION, "kq.pdf", opinion="Đồng ý")
    assert sent.status_code == 404
    assert results_of(engine, dossier) == [] and engine.task(task).state == "open"

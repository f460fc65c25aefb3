"""eForm prefill at the counter: the lookup endpoint, the officer's confirmation, held documents
not asked for, and the reuse counted on the dossier (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from adapters.registry import Registry, reset_registry
from engine.runtime import Engine
from tests.adapters.conftest import FAST
from tests.engine.conftest import KHAI_SINH
from tests.engine.test_reuse import citizen
from tests.webui.conftest import browser_login, csrf_token

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
URL = f"/quay/dien-san/{KHAI_SINH}"
HELD = ["documents.doc_05", "documents.doc_06"]  # residence proof and ID: the registry has them
OTHER_DOCS = [f"documents.doc_0{n}" for n in (1, 2, 3, 4, 7, 8)]


@pytest.fixture
def engine_db_url(db_url: str) -> str:
    return db_url


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[Registry]:
    """The adapters' registry on a fresh population simulator."""
    for key, value in FAST.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LIENTHONG_ADAPTERS_ALLOW", "population")
    monkeypatch.setenv("LIENTHONG_SIM_DATA_DIR", str(tmp_path / "sims"))
    registry = Registry.from_entry_points()
    reset_registry(registry)
    yield registry
    reset_registry()
    for adapter in registry.adapters.values():
        adapter.close()


@pytest.fixture
def person(registry: Registry) -> Any:
    from adapters.settings import sim_people, sim_seed
    from adapters.sim.world import world

    return citizen(world(sim_seed(), sim_people()).people)


@pytest.fixture
def mc(logged_in: Callable[[str], FlaskClient]) -> FlaskClient:
    return logged_in("mc")


def lookup(client: FlaskClient, value: str, *, token: str | None = None, field: str = "") -> Any:
    headers = {"X-CSRFToken": token if token is not None else csrf_token(client)}
    body = {"field": field or "applicant.cccd", "value": value}
    return client.post(URL, json=body, headers=headers)


def submit(client: FlaskClient, fields: dict[str, str], docs: list[str]) -> Any:
    body: dict[str, Any] = {"csrf_token": csrf_token(client), **fields}
    for name in docs:
        body[name] = [(io.BytesIO(PDF), f"{name}.pdf", "application/pdf")]
    return client.post(f"/quay/thu-tuc/{KHAI_SINH}", data=body, content_type="multipart/form-data")


def test_counter_form_names_the_lookup_and_its_key_field(mc: FlaskClient) -> None:
    html = mc.get(f"/quay/thu-tuc/{KHAI_SINH}").get_data(as_text=True)
    assert f'data-prefill-url="{URL}"' in html
    assert 'data-prefill-fields="applicant.cccd"' in html
    assert "/static/prefill.js" in html


def test_lookup_proposes_the_registry_values_and_held_documents(
    mc: FlaskClient, person: Any
) -> None:
    response = lookup(mc, person.personal_id)
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["status"] == "found" and answer["operation"] == "population.lookup_citizen"
    values = {p["field"]: p["value"] for p in answer["proposals"]}
    assert values["applicant.full_name"] == person.full_name
    assert values["applicant.date_of_birth"] == person.date_of_birth.isoformat()
    assert [d["field"] for d in answer["held"]] == HELD


def test_lookup_needs_the_csrf_header_a_receiving_officer_and_a_key_field(
    mc: FlaskClient, client: FlaskClient, person: Any, logged_in: Any
) -> None:
    assert lookup(mc, person.personal_id, token="").status_code == 400
    bad_field = lookup(mc, person.personal_id, field="applicant.full_name")
    assert bad_field.status_code == 400 and "nguồn điền sẵn" in bad_field.get_json()["error"]
    assert mc.post(URL, data="x", headers={"X-CSRFToken": csrf_token(mc)}).status_code == 400
    assert (
        mc.post(
            "/quay/dien-san/9.999999", json={}, headers={"X-CSRFToken": csrf_token(mc)}
        ).status_code
        == 404
    )
    mc.post("/logout", data={"csrf_token": csrf_token(mc)})
    logged_in("cv")  # a specialist does not receive at the counter
    assert lookup(client, person.personal_id).status_code == 403


def test_a_malformed_id_is_refused_with_the_field_message_and_nothing_is_sent(
    mc: FlaskClient, registry: Registry
) -> None:
    response = lookup(mc, "12345")
    assert response.status_code == 400
    assert response.get_json()["errors"]["applicant.cccd"]


def test_an_unknown_citizen_is_not_found_and_the_officer_types(
    mc: FlaskClient, person: Any
) -> None:
    unknown = person.personal_id[:-4] + ("0000" if person.personal_id[-4:] != "0000" else "0001")
    answer = lookup(mc, unknown).get_json()
    assert answer["status"] == "not_found" and answer["proposals"] == []
    assert "nhập tay" in answer["message"]


def _fields(person: Any) -> dict[str, str]:
    return {
        "applicant.full_name": person.full_name,
        "applicant.cccd": person.personal_id,
        "applicant.date_of_birth": person.date_of_birth.isoformat(),
        "applicant.address": "Số 9, phường Phú Lợi",  # the officer corrected the address
        "applicant.phone": "0912345678",
    }


def test_confirmed_prefill_spares_the_held_documents_and_counts_the_reuse(
    mc: FlaskClient, engine: Engine, person: Any
) -> None:
    confirmed = {**_fields(person), "_prefill_confirmed": "applicant.cccd"}
    response = submit(mc, confirmed, OTHER_DOCS)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    code = re.search(r"/quay/ho-so/([^/?#]+)", response.headers["Location"]).group(1)
    reused = {(i.kind, i.target) for i in engine.dossier_reuse(code)}
    assert reused == {
        ("field", "applicant.full_name"),
        ("field", "applicant.date_of_birth"),
        *(("document", d) for d in HELD),
    }  # the corrected address is the officer's, not the registry's
    dossier = engine.dossier(code)
    assert dossier.form_data["documents"]["doc_05"] == ["registry:population.lookup_citizen"]
    assert {d.kind for d in engine.dossier_documents(dossier.id)} == set(OTHER_DOCS)
    counts = engine.reuse_counts()
    assert (counts.documents, counts.fields, counts.dossiers) == (2, 2, 1)
    page = mc.get(f"/ho-so/{code}").get_data(as_text=True)  # the dossier page says so too
    assert 'data-reused-documents="2"' in page and 'data-reused-fields="2"' in page
    assert 'data-touchpoint="handed-over">6<' in page


def test_without_confirmation_the_held_documents_are_still_asked_for(
    mc: FlaskClient, engine: Engine, person: Any
) -> None:
    response = submit(mc, _fields(person), OTHER_DOCS)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'data-field="documents.doc_05"' in html and 'data-field="documents.doc_06"' in html
    assert engine.reuse_counts().dossiers == 0


def test_an_uploaded_held_document_stays_an_upload_and_is_not_counted(
    mc: FlaskClient, engine: Engine, person: Any
) -> None:
    confirmed = {**_fields(person), "_prefill_confirmed": "applicant.cccd"}
    response = submit(mc, confirmed, [*OTHER_DOCS, "documents.doc_05"])
    assert response.status_code == 302
    counts = engine.reuse_counts()
    assert (counts.documents, counts.fields) == (1, 2)


def test_a_forged_confirmation_for_an_unknown_citizen_spares_nothing(
    mc: FlaskClient, engine: Engine, person: Any
) -> None:
    stranger = person.personal_id[:-4] + ("0000" if person.personal_id[-4:] != "0000" else "0001")
    forged = {**_fields(person), "applicant.cccd": stranger, "_prefill_confirmed": "applicant.cccd"}
    assert submit(mc, forged, OTHER_DOCS).status_code == 400
    assert engine.reuse_counts().dossiers == 0


@pytest.mark.browser
def test_browser_officer_confirms_the_prefill_and_hands_over_fewer_documents(
    page: Any, shot: Any, engine: Engine, person: Any, engine_db_url: str, tmp_path: Any
) -> None:
    if not engine_db_url.startswith("sqlite"):
        pytest.skip("one browser run is enough")
    browser_login(page, "mc")
    page.goto(f"/quay/thu-tuc/{KHAI_SINH}")
    page.get_by_label("Số định danh cá nhân (CCCD)").fill(person.personal_id)
    page.get_by_label("Số định danh cá nhân (CCCD)").press("Tab")
    panel = page.locator(".prefill-panel")
    panel.get_by_role("button", name="Xác nhận và điền").wait_for()
    assert person.full_name in panel.inner_text()
    assert page.get_by_label("Họ, chữ đệm và tên").input_value() == ""  # not before confirming
    shot("proposals")
    panel.get_by_role("button", name="Xác nhận và điền").click()
    assert page.get_by_label("Họ, chữ đệm và tên").input_value() == person.full_name
    held = page.locator(".prefill-held")
    assert sorted(held.evaluate_all("ns => ns.map(n => n.dataset.document)")) == HELD
    page.get_by_label("Số điện thoại liên hệ").fill("0912345678")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    for name in OTHER_DOCS:
        page.locator(f'input[name="{name}"]').set_input_files(str(scan))
    shot("confirmed")
    page.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    page.wait_for_url(re.compile(r"/quay/ho-so/"))
    code = page.url.rsplit("/", 1)[1]
    kinds = {i.kind for i in engine.dossier_reuse(code)}
    assert kinds == {"field", "document"}
    assert engine.reuse_counts().documents == 2
    shot("received")


def test_lookups_are_limited_per_officer(mc: FlaskClient, registry: Registry) -> None:
    from webui.prefill import LOOKUP_LIMIT

    allowed = int(LOOKUP_LIMIT.split()[0])
    token = csrf_token(mc)
    codes = [lookup(mc, "12345", token=token).status_code for _ in range(allowed + 1)]
    assert codes[:allowed] == [400] * allowed and codes[-1] == 429

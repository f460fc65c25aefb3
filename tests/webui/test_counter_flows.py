"""A liên thông flow received at the web counter: its intake eForm (the declaration, the
documents checklist) rendered and validated, then the dossier runs through the agencies'
task lists — flow 1 (birth + residence + health card) reaches the police officer's list."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from adapters.sim.world import World
from engine.runtime import Engine
from tests.engine import flowkit
from tests.engine.flowkit import COMMUNE, POLICE, START, Desk
from tests.engine.test_flows_birth import declaration
from tests.webui.conftest import csrf_token
from tests.webui.test_flow_birth_browser import engine  # noqa: F401

people, registry = flowkit.people, flowkit.registry
BIRTH, DEATH = "2.000986", "L.000201"


@pytest.fixture
def engine_db_url(db_url: str) -> str:
    return db_url


def birth_form(people: World, nth: int = 3) -> dict[str, str]:
    """What the one-stop officer types: the family's declaration, dates as dd/mm/yyyy."""
    decl = declaration(people, nth=nth, born=START.date() - timedelta(days=10))
    born = START.date() - timedelta(days=10)
    return {
        "applicant.full_name": "Nguyễn Văn An",
        "applicant.cccd": decl["father_id"],
        "applicant.address": "Số 12, Đường Yersin, phường Phú Cường",
        "applicant.phone": "0912345678",
        "child.full_name": decl["child"]["full_name"],
        "child.sex": "M",
        "child.date_of_birth": born.strftime("%d/%m/%Y"),
        "child.place_of_birth": decl["child"]["place_of_birth"],
        "mother_id": decl["mother_id"],
        "father_id": decl["father_id"],
        "commune_code": decl["commune_code"],
        "address_detail": decl["address_detail"],
        "documents.to_khai_lien_thong": "on",
        "documents.giay_chung_sinh": "on",
    }


def post(client: FlaskClient, code: str, form: dict[str, str]) -> Any:
    return client.post(f"/quay/thu-tuc/{code}", data={"csrf_token": csrf_token(client), **form})


def test_the_flow_intake_form_asks_for_the_declaration(logged_in: Callable) -> None:
    counter = logged_in("motcua.phucuong")
    page = counter.get(f"/quay/thu-tuc/{BIRTH}").get_data(as_text=True)
    for name in ("child.full_name", "child.date_of_birth", "mother_id", "father_id",
                 "commune_code", "address_detail", "documents.giay_chung_sinh"):  # fmt: skip
        assert f'name="{name}"' in page, name
    assert "Thông tin của trẻ" in page and 'placeholder="dd/mm/yyyy"' in page
    page = counter.get(f"/quay/thu-tuc/{DEATH}").get_data(as_text=True)
    for name in ("deceased_id", "date_of_death", "place_of_death", "claimant_id",
                 "documents.giay_bao_tu"):  # fmt: skip
        assert f'name="{name}"' in page, name


def test_missing_declaration_fields_are_named_and_nothing_is_received(
    engine: Engine, people: World, logged_in: Callable  # noqa: F811
) -> None:
    form = birth_form(people)
    del form["mother_id"], form["documents.giay_chung_sinh"]
    form["child.date_of_birth"] = "31/02/2026"
    response = post(logged_in("motcua.phucuong"), BIRTH, form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for name in ("mother_id", "documents.giay_chung_sinh", "child.date_of_birth"):
        assert f'data-field="{name}"' in page, name
    assert "ngày/tháng/năm" in page and 'value="31/02/2026"' in page  # kept as typed
    assert engine.list_tasks(agency_code=COMMUNE) == []


def test_flow_1_received_at_the_counter_reaches_the_police_task_list(
    engine: Engine, people: World, logged_in: Callable  # noqa: F811
) -> None:
    response = post(logged_in("motcua.phucuong"), BIRTH, birth_form(people))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    code = response.headers["Location"].rstrip("/").split("/")[-1]
    d = engine.dossier(code)
    assert d.channel == "counter" and d.agency_code == COMMUNE
    desk = Desk(engine)
    assert desk.steps(d) == ["appraise_birth"]  # the counter completed the receive step
    desk.do(d, "appraise_birth", {"opinion": "Tờ khai đầy đủ, đúng quy định"})
    desk.do(d, "sign_birth", {"opinion": "Đồng ý", "result_number": "KS-125/2026"})
    jobs = {j.operation: j for j in desk.jobs(d)}
    birth = jobs["civil_status.register_birth"]
    assert birth.state == "done"
    born = (START.date() - timedelta(days=10)).isoformat()
    assert birth.params["date_of_birth"] == born  # typed dd/mm/yyyy, handed on as ISO
    [row] = desk.open(d)
    assert (row.bpmn_id, row.agency_code) == ("police_residence", POLICE)

    police = logged_in("congan.cutru").get("/cong-viec/", query_string={"scope": "group"})
    page = police.get_data(as_text=True)
    assert d.code in page and re.search(rf'data-task="{re.escape(row.id)}"', page)
    commune = logged_in("hotich.phucuong").get("/cong-viec/", query_string={"scope": "group"})
    assert d.code not in commune.get_data(as_text=True)  # the commune's part is done


def test_flow_2_received_at_the_counter_reaches_the_police_task_list(
    engine: Engine, people: World, logged_in: Callable  # noqa: F811
) -> None:
    from tests.engine.test_flows_death import insured

    deceased, claimant = insured(people), people.people[0]
    died = START.date() - timedelta(days=2)
    form = {
        "applicant.full_name": claimant.full_name,
        "applicant.cccd": claimant.personal_id,
        "applicant.address": "Số 3, Đường Cách Mạng Tháng Tám, phường Phú Cường",
        "applicant.phone": "0987654321",
        "deceased_id": deceased.personal_id,
        "date_of_death": died.strftime("%d/%m/%Y"),
        "place_of_death": "Tại nhà",
        "commune_code": deceased.commune_code,
        "claimant_id": claimant.personal_id,
        "documents.to_khai_lien_thong": "on",
        "documents.giay_bao_tu": "on",
    }
    response = post(logged_in("motcua.phucuong"), DEATH, form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    d = engine.dossier(response.headers["Location"].rstrip("/").split("/")[-1])
    desk = Desk(engine)
    assert desk.steps(d) == ["appraise_death"]
    desk.do(d, "appraise_death", {"opinion": "Đủ điều kiện đăng ký khai tử"})
    desk.do(d, "sign_death", {"opinion": "Đồng ý", "result_number": "KT-07/2026"})
    jobs = {j.operation: j for j in desk.jobs(d)}
    assert jobs["civil_status.register_death"].params["date_of_death"] == died.isoformat()
    [row] = desk.open(d)
    assert (row.bpmn_id, row.agency_code) == ("police_deregister", POLICE)
    page = logged_in("congan.cutru").get("/cong-viec/").get_data(as_text=True)
    assert d.code in page

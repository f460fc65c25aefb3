"""ID numbers are masked in every list (issue 5): walk the list pages with a known number in
the data — an applicant's ID and an external system's error that quotes it — and check the
full number never reaches the HTML (nor the dashboard's downloads), while its masked form
does where the list shows IDs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from engine.clock import ManualClock
from engine.errors import AdapterError
from engine.models import User
from engine.runtime import Engine
from engine.settings import load
from tests.engine.conftest import AGENCY, KET_HON, Officers, setup_engine
from tests.engine.test_service_tasks import ECHO_PROC, FakeAdapter, deploy_echo

ID = "001190012345"
MASKED = "********2345"
APPLICANT = {"full_name": "Trần Thị Bình", "cccd": ID, "address": "Hà Nội", "phone": "0912345678"}


@pytest.fixture
def engine_db_url(db_url: str) -> str:
    return db_url


@pytest.fixture
def engine(engine_db_url: str, clock: ManualClock, password_hash: str) -> Iterator[Engine]:
    """The partner system answers with an error quoting the citizen's ID (as real ones do)."""
    fake = FakeAdapter(*[AdapterError(f"không tìm thấy công dân {ID}", retryable=False)] * 2)
    e = Engine(load({"database_url": engine_db_url}), clock=clock, service_caller=fake)
    setup_engine(e)
    e.ensure_user("admin", "Quản trị viên", AGENCY, ["admin"])
    with e.db.write() as s:
        s.execute(update(User).values(password_hash=password_hash))
    deploy_echo(e)
    yield e
    e.db.dispose()


@pytest.fixture
def world(engine: Engine, clock: ManualClock) -> dict[str, Any]:
    officers = Officers(engine, check_state=False)
    late = officers.submit(KET_HON, applicant=dict(APPLICANT))
    officers.do(late, "receive")
    failed = officers.submit(ECHO_PROC, applicant=dict(APPLICANT))
    officers.walk(failed, ["prepare"])  # its service call fails: an incident
    clock.advance(days=3)
    engine.tick()  # the marriage dossier is late and escalated
    return {"late": late, "failed": failed}


LISTS = {
    "tp": ["/cong-viec/?scope=group", "/cong-viec/?scope=unit", "/cong-viec/?scope=escalated",
           "/cong-viec/?scope=mine", "/cong-viec/?urgency=overdue", "/tre-han/", "/su-co/",
           "/su-co/?view=all", "/dashboard/"],
    "cv": ["/cong-viec/?scope=group", "/cong-viec/?scope=unit", "/su-co/"],
    "ld": ["/tre-han/", "/dashboard/", "/dashboard/data/backlog.csv",
           "/dashboard/data/backlog.json"],
    "admin": ["/cong-viec/?scope=group", "/cong-viec/?scope=unit", "/su-co/", "/tre-han/",
              "/dashboard/", "/admin/users", "/admin/agencies"],
}  # fmt: skip


def test_no_list_shows_a_full_id_number(
    world: dict[str, Any], logged_in: Callable[[str], FlaskClient]
) -> None:
    shown: dict[str, str] = {}
    for user, paths in LISTS.items():
        client = logged_in(user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (user, path, response.status_code)
            body = response.get_data(as_text=True)
            assert ID not in body, f"{user} {path} shows the full ID number"
            shown[f"{user} {path}"] = body
    # the lists really show the dossiers (a page that shows nothing would pass trivially)
    assert world["late"].code in shown["tp /cong-viec/?scope=escalated"]
    assert MASKED in shown["tp /cong-viec/?scope=unit"]
    assert MASKED in shown["cv /cong-viec/?scope=group"]
    assert world["failed"].code in shown["tp /su-co/"] and MASKED in shown["tp /su-co/"]
    assert world["late"].code in shown["ld /tre-han/"]
    assert world["late"].code in shown["ld /dashboard/"]


def test_the_dossier_page_shows_the_number_and_records_the_view(
    world: dict[str, Any], engine: Engine, logged_in: Callable[[str], FlaskClient]
) -> None:
    """Only the dossier itself shows the full number — and that view is in the access log."""
    code = world["late"].code
    before = len(engine.data_access_log(code))
    body = logged_in("cv").get(f"/ho-so/{code}").get_data(as_text=True)
    assert ID in body
    log = engine.data_access_log(code)
    assert len(log) == before + 1 and log[-1].username == "cv"


def test_the_task_list_does_not_write_the_citizens_access_log(
    world: dict[str, Any], engine: Engine, logged_in: Callable[[str], FlaskClient]
) -> None:
    """A list shows names and masked numbers only (see webui/README.md, Personal data)."""
    code = world["late"].code
    before = len(engine.data_access_log(code))
    logged_in("cv").get("/cong-viec/?scope=unit")
    assert len(engine.data_access_log(code)) == before

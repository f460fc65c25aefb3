"""The incidents page: failed service calls listed per agency, retried or cancelled by a head of
unit or an admin through the engine (audited), never dropped."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from engine.clock import ManualClock
from engine.errors import AdapterError
from engine.models import User
from engine.runtime import Engine
from engine.settings import load
from tests.engine.conftest import AGENCY, Officers, audit_rows, setup_engine
from tests.engine.test_service_tasks import ECHO_PROC, FakeAdapter, _job, deploy_echo
from tests.webui.conftest import browser_login, csrf_token


@pytest.fixture
def engine_db_url(db_url: str) -> str:
    return db_url


@pytest.fixture
def fake() -> FakeAdapter:
    """The partner system: refuses the first two calls with an error that is not retried."""
    return FakeAdapter(*[AdapterError("sai tham số: thiếu mã xã", retryable=False)] * 2)


@pytest.fixture
def engine(
    engine_db_url: str, clock: ManualClock, password_hash: str, fake: FakeAdapter
) -> Iterator[Engine]:
    e = Engine(load({"database_url": engine_db_url}), clock=clock, service_caller=fake)
    setup_engine(e)
    e.ensure_user("admin", "Quản trị viên", AGENCY, ["admin"])
    with e.db.write() as s:
        s.execute(update(User).values(password_hash=password_hash))
    deploy_echo(e)
    yield e
    e.db.dispose()


@pytest.fixture
def dossier(engine: Engine) -> Any:
    """A dossier whose service call failed (exhausted: a person must decide)."""
    officers = Officers(engine)
    d = officers.submit(ECHO_PROC)
    officers.walk(d, ["prepare"])
    return d


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-job="(\d+)" data-state="(\w+)"', html)


def test_head_of_unit_sees_the_incident_with_its_error_and_attempts(
    engine: Engine, dossier: Any, logged_in: Any
) -> None:
    client = logged_in("tp")
    page = client.get("/su-co/")
    html = page.get_data(as_text=True)
    job = _job(engine, dossier.id)
    assert page.status_code == 200
    assert _rows(html) == [(str(job.id), "failed")]
    assert f'href="/ho-so/{dossier.code}"' in html
    assert "sai tham số: thiếu mã xã" in html and "test.echo" in html
    assert "Đã hết lượt thử" in html and "không còn" in html
    assert "Gọi lại ngay" in html and "Dừng gọi" in html
    assert 'href="/su-co/"' in client.get("/cong-viec/").get_data(as_text=True)  # nav


def test_officer_of_another_agency_sees_nothing_and_cannot_decide(
    engine: Engine, dossier: Any, client: FlaskClient, logged_in: Any
) -> None:
    logged_in("outsider")
    job = _job(engine, dossier.id)
    assert _rows(client.get("/su-co/").get_data(as_text=True)) == []
    token = csrf_token(client)
    assert client.post(f"/su-co/{job.id}/thu-lai", data={"csrf_token": token}).status_code == 404
    assert (
        client.post(f"/su-co/{job.id}/huy", data={"csrf_token": token, "reason": "x"}).status_code
        == 404
    )
    assert _job(engine, dossier.id).state == "failed"


def test_a_specialist_sees_the_incident_but_the_engine_refuses_the_decision(
    engine: Engine, dossier: Any, client: FlaskClient, logged_in: Any, fake: FakeAdapter
) -> None:
    logged_in("cv")
    html = client.get("/su-co/").get_data(as_text=True)
    job = _job(engine, dossier.id)
    assert _rows(html) == [(str(job.id), "failed")] and "Gọi lại ngay" not in html
    response = client.post(
        f"/su-co/{job.id}/thu-lai", data={"csrf_token": csrf_token(client)}, follow_redirects=True
    )
    assert "Không thử lại được" in response.get_data(as_text=True)
    assert len(fake.calls) == 1 and _job(engine, dossier.id).state == "failed"


def test_retry_needs_the_csrf_token(
    engine: Engine, dossier: Any, client: FlaskClient, logged_in: Any, fake: FakeAdapter
) -> None:
    logged_in("tp")
    job = _job(engine, dossier.id)
    assert client.post(f"/su-co/{job.id}/thu-lai").status_code == 400
    assert len(fake.calls) == 1


def test_retry_until_it_succeeds_moves_the_dossier_on(
    engine: Engine, dossier: Any, client: FlaskClient, logged_in: Any, fake: FakeAdapter
) -> None:
    logged_in("tp")
    job = _job(engine, dossier.id)
    url, data = f"/su-co/{job.id}/thu-lai", {"csrf_token": csrf_token(client)}
    html = client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
    assert "vẫn lỗi" in html and _rows(html) == [(str(job.id), "failed")]
    html = client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
    assert "thành công" in html and _rows(html) == []
    assert len(fake.calls) == 3
    assert Officers(engine).open_steps(dossier) == ["check"]
    assert [ev.actor for ev in audit_rows(engine, "service_retry_requested", dossier.id)] == [
        "tp",
        "tp",
    ]


def test_cancel_needs_a_reason_then_hands_the_step_to_a_person(
    engine: Engine, dossier: Any, client: FlaskClient, logged_in: Any, fake: FakeAdapter
) -> None:
    logged_in("admin")
    job = _job(engine, dossier.id)
    url, token = f"/su-co/{job.id}/huy", csrf_token(client)
    html = client.post(url, data={"csrf_token": token, "reason": " "}, follow_redirects=True)
    assert "Vui lòng ghi lý do" in html.get_data(as_text=True)
    assert _job(engine, dossier.id).state == "failed"
    reason = "Hệ thống hộ tịch bảo trì cả tuần"
    html = client.post(url, data={"csrf_token": token, "reason": reason}, follow_redirects=True)
    assert "xử lý thủ công" in html.get_data(as_text=True)
    assert _job(engine, dossier.id).state == "cancelled"
    assert _rows(client.get("/su-co/").get_data(as_text=True)) == []
    cancelled = client.get("/su-co/?xem=da-huy").get_data(as_text=True)
    assert _rows(cancelled) == [(str(job.id), "cancelled")]
    [event] = audit_rows(engine, "incident_cancelled", dossier.id)
    assert event.actor == "admin" and event.detail["reason"] == reason
    [task] = engine.list_tasks(dossier_code=dossier.code, role="head_of_unit")
    assert task.kind == "incident" and task.state == "open"
    assert len(fake.calls) == 1


def test_nav_links_the_page_for_heads_of_unit_and_admins_only(
    engine: Engine, client: FlaskClient, logged_in: Any
) -> None:
    logged_in("admin")
    assert 'href="/su-co/"' in client.get("/su-co/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    logged_in("mc")
    assert 'href="/su-co/"' not in client.get("/cong-viec/").get_data(as_text=True)


@pytest.mark.browser
def test_browser_head_of_unit_retries_an_incident(
    engine: Engine, dossier: Any, page: Any, shot: Any, fake: FakeAdapter, engine_db_url: str
) -> None:
    if not engine_db_url.startswith("sqlite"):
        pytest.skip("one browser run is enough")
    browser_login(page, "tp")
    page.get_by_role("link", name="Sự cố").click()
    row = page.locator("tr[data-state=failed]")
    assert "sai tham số" in row.inner_text()
    shot("incidents-list")
    row.get_by_role("button", name="Gọi lại ngay").click()
    page.wait_for_load_state()
    assert "vẫn lỗi" in page.locator(".flashes").inner_text()
    page.locator("tr[data-state=failed]").get_by_role("button", name="Gọi lại ngay").click()
    page.wait_for_load_state()
    assert "thành công" in page.locator(".flashes").inner_text()
    assert page.get_by_test_id("no-incidents").is_visible()
    shot("incidents-retried")
    assert Officers(engine).open_steps(dossier) == ["check"]


def test_a_cancelled_call_is_resolved_by_hand_and_the_dossier_moves_on(
    engine: Engine, dossier: Any, client: FlaskClient, logged_in: Any, fake: FakeAdapter
) -> None:
    logged_in("tp")
    job = _job(engine, dossier.id)
    token = csrf_token(client)
    client.post(f"/su-co/{job.id}/huy", data={"csrf_token": token, "reason": "Hệ thống bảo trì"})
    cancelled = client.get(f"/su-co/?xem=da-huy&ma={dossier.code}").get_data(as_text=True)
    task_id = _job(engine, dossier.id).task_id
    assert f'href="/su-co/viec/{task_id}"' in cancelled
    url = f"/su-co/viec/{task_id}"
    dossier_page = client.get(f"/ho-so/{dossier.code}").get_data(as_text=True)
    assert f'data-incident-task="{task_id}"' in dossier_page and f'href="{url}"' in dossier_page
    form = client.get(url)
    assert form.status_code == 200 and "test.echo" in form.get_data(as_text=True)
    bad = client.post(url, data={"csrf_token": token, "answer": "{không phải json"})
    assert bad.status_code == 400 and "JSON hợp lệ" in bad.get_data(as_text=True)
    empty = client.post(url, data={"csrf_token": token, "answer": "{}"})
    assert empty.status_code == 400 and "ít nhất một mục" in empty.get_data(as_text=True)
    assert engine.task(task_id).state == "open"
    answer = json.dumps({"echo": {"code": dossier.code, "manual": True}})
    done = client.post(url, data={"csrf_token": token, "answer": answer})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/ho-so/{dossier.code}")
    assert engine.task(task_id).state == "completed" and engine.task(task_id).completed_by == "tp"
    assert Officers(engine).open_steps(dossier) == ["check"]
    [event] = audit_rows(engine, "incident_resolved", dossier.id)
    assert event.actor == "tp"
    assert f'href="{url}"' not in client.get("/su-co/?xem=da-huy").get_data(as_text=True)
    assert len(fake.calls) == 1  # the stopped system was never called again


def test_only_a_head_of_unit_resolves_and_other_agencies_get_404(
    engine: Engine, dossier: Any, client: FlaskClient, logged_in: Any
) -> None:
    job = _job(engine, dossier.id)
    row = engine.cancel_incident(job.id, user="tp", reason="Hệ thống bảo trì")
    logged_in("cv")
    url, answer = f"/su-co/viec/{row.id}", '{"echo": {"manual": true}}'
    assert "Chỉ trưởng phòng" in client.get(url).get_data(as_text=True)
    refused = client.post(url, data={"csrf_token": csrf_token(client), "answer": answer})
    assert refused.status_code == 400 and engine.task(row.id).state == "open"
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    logged_in("outsider")
    assert client.get(url).status_code == 404
    assert client.get("/su-co/viec/khong-co").status_code == 404
    other = client.get(f"/su-co/?xem=da-huy&ma={dossier.code}").get_data(as_text=True)
    assert _rows(other) == []


# -- the task list: dossiers stuck on a failing call -------------------------------------------
STUCK_ROW = re.compile(r'<tr class="row-\w+" data-task="([^"]+)" data-incident="(\d+)" '
                       r'data-state="(\w+)"')  # fmt: skip
STUCK_COUNT = re.compile(r'data-testid="stuck-count">(\d+)<')
TOP_COUNT = re.compile(r'data-testid="incident-count"[^>]*>(\d+)<')


def _board(client: FlaskClient, **query: str) -> str:
    response = client.get("/cong-viec/", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_heads_of_unit_find_the_stuck_dossier_in_their_task_list(
    engine: Engine, dossier: Any, logged_in: Any
) -> None:
    client = logged_in("tp")
    job = _job(engine, dossier.id)
    group = _board(client)
    assert 'data-testid="stuck-notice"' in group and 'href="/cong-viec/?scope=incidents"' in group
    # the tab's count is the top bar's, and the tab lists exactly those dossiers
    assert STUCK_COUNT.findall(group) == TOP_COUNT.findall(group) == ["1"]
    assert STUCK_ROW.findall(group) == []  # the group's own work has no service tasks
    html = _board(client, scope="incidents")
    assert STUCK_ROW.findall(html) == [(job.task_id, str(job.id), "failed")]
    assert "Tổng số: 1 công việc" in html and 'data-testid="stuck-notice"' not in html
    assert "Gọi dịch vụ echo" in html and "sai tham số: thiếu mã xã" in html
    assert "Đã hết lượt thử" in html and f'formaction="/su-co/{job.id}/thu-lai"' in html
    assert f'href="/su-co/?ma={dossier.code}"' in html
    assert f'name="task" value="{job.task_id}"' not in html  # nobody claims a system's step
    # the filters apply as on any tab
    assert STUCK_ROW.findall(_board(client, scope="incidents", code=dossier.code))
    assert not STUCK_ROW.findall(_board(client, scope="incidents", procedure="1.000894"))


def test_retry_from_the_task_list_comes_back_to_it(
    engine: Engine, dossier: Any, client: FlaskClient, logged_in: Any, fake: FakeAdapter
) -> None:
    logged_in("tp")
    job = _job(engine, dossier.id)
    back = "/cong-viec/?scope=incidents"
    data = {"csrf_token": csrf_token(client), "next": back}
    first = client.post(f"/su-co/{job.id}/thu-lai", data=data)
    assert first.status_code == 302 and first.headers["Location"] == back
    html = client.get(back).get_data(as_text=True)
    assert "vẫn lỗi" in html and STUCK_ROW.findall(html)
    client.post(f"/su-co/{job.id}/thu-lai", data=data)
    html = client.get(back).get_data(as_text=True)
    assert "thành công" in html and STUCK_ROW.findall(html) == []
    assert STUCK_COUNT.findall(html) == ["0"] and 'data-testid="stuck-notice"' not in html
    assert Officers(engine).open_steps(dossier) == ["check"] and len(fake.calls) == 3
    outside = {"csrf_token": data["csrf_token"], "next": "//evil.example/"}
    assert client.post(f"/su-co/{job.id}/thu-lai", data=outside).headers["Location"] == "/su-co/"


def test_others_see_the_stuck_rows_only_where_the_incidents_page_shows_them(
    engine: Engine, dossier: Any, client: FlaskClient, logged_in: Any
) -> None:
    job = _job(engine, dossier.id)
    logged_in("cv")  # sees the incidents page, does not decide: no tab, no notice, no button
    group = _board(client)
    assert "stuck-notice" not in group and "scope=incidents" not in group
    html = _board(client, scope="incidents")
    assert STUCK_ROW.findall(html) == [(job.task_id, str(job.id), "failed")]
    assert "thu-lai" not in html and f'href="/su-co/?ma={dossier.code}"' in html
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    logged_in("outsider")
    assert STUCK_ROW.findall(_board(client, scope="incidents")) == []


def test_a_cancelled_call_is_the_head_of_units_task_with_a_link_to_enter_the_answer(
    engine: Engine, dossier: Any, logged_in: Any
) -> None:
    row = engine.cancel_incident(_job(engine, dossier.id).id, user="tp", reason="Bảo trì")
    for user in ("tp", "admin"):
        client = logged_in(user)
        html = _board(client, code=dossier.code)
        assert f'data-task="{row.id}"' in html, user
        assert f'href="/su-co/viec/{row.id}"' in html
        assert STUCK_ROW.findall(_board(client, scope="incidents")) == []
        client.post("/logout", data={"csrf_token": csrf_token(client)})


@pytest.mark.browser
def test_browser_head_of_unit_retries_a_stuck_dossier_from_the_task_list(
    engine: Engine, dossier: Any, page: Any, shot: Any, engine_db_url: str
) -> None:
    if not engine_db_url.startswith("sqlite"):
        pytest.skip("one browser run is enough")
    browser_login(page, "tp")
    page.goto("/cong-viec/")
    notice = page.get_by_test_id("stuck-notice")
    assert "1 hồ sơ đang dừng" in notice.inner_text()
    notice.get_by_role("link", name="Xem và gọi lại").click()
    row = page.locator("tr[data-state=failed]")
    assert dossier.code in row.inner_text() and "sai tham số" in row.inner_text()
    shot("tasks-stuck-dossiers")
    row.get_by_role("button", name=f"Gọi lại ngay {dossier.code}").click()
    page.wait_for_load_state()
    assert "vẫn lỗi" in page.locator(".flashes").inner_text() and "scope=incidents" in page.url
    page.locator("tr[data-state=failed]").get_by_role("button", name="Gọi lại ngay").click()
    page.wait_for_load_state()
    assert "thành công" in page.locator(".flashes").inner_text()
    assert page.locator("tr[data-incident]").count() == 0
    assert page.get_by_test_id("stuck-count").inner_text() == "0"
    shot("tasks-stuck-retried")
    assert Officers(engine).open_steps(dossier) == ["check"]

"""The task list: scopes, filters, colours, paging, claims and assignments, saved filters."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from engine.clock import ManualClock
from engine.models import Dossier
from engine.runtime import Engine
from tests.engine.conftest import KET_HON, TEST_PROC, Officers
from tests.webui.conftest import csrf_token


@pytest.fixture
def engine_db_url(db_url: str) -> str:
    return db_url


@pytest.fixture
def officers(engine: Engine) -> Officers:
    return Officers(engine, check_state=False)


def received(officers: Officers, n: int = 1, procedure: str = TEST_PROC) -> list[Dossier]:
    """``n`` dossiers past reception: each waits at appraise for a specialist."""
    out = []
    for i in range(n):
        d = officers.submit(
            procedure,
            applicant={"full_name": f"Công dân {i}", "cccd": f"0011900000{i:02d}"},
        )
        officers.do(d, "receive")
        out.append(d)
    return out


def board(client: FlaskClient, **query: str) -> str:
    response = client.get("/cong-viec/", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    return response.get_data(as_text=True)


def task_ids(page: str) -> list[str]:
    return re.findall(r'<tr class="row-\w+" data-task="([^"]+)"', page)


def test_group_tasks_show_masked_ids_and_only_my_agency(
    officers: Officers, logged_in: Callable[[str], FlaskClient]
) -> None:
    mine = received(officers, 2)
    page = board(logged_in("cv"), scope="group")
    assert all(d.code in page for d in mine)
    assert "001190000000" not in page and "********0000" in page
    assert "Tổng số: 2 công việc" in page


def test_another_agency_sees_none_of_our_tasks(
    officers: Officers, logged_in: Callable[[str], FlaskClient]
) -> None:
    d = received(officers)[0]
    page = board(logged_in("outsider"), scope="group")
    assert d.code not in page and "Công dân 0" not in page


def test_claim_is_exclusive_then_release_and_assign(
    officers: Officers, engine: Engine, client: FlaskClient, logged_in: Callable
) -> None:
    task = officers.task(received(officers)[0], "appraise")
    cv = logged_in("cv")
    cv.post(f"/cong-viec/{task.id}/nhan", data={"csrf_token": csrf_token(cv)})
    assert engine.task(task.id).assignee == "cv"
    assert task.id in task_ids(board(cv, scope="mine"))

    cv2 = logged_in("cv2")  # the same client, now signed in as cv2
    response = cv2.post(
        f"/cong-viec/{task.id}/nhan", data={"csrf_token": csrf_token(cv2)}, follow_redirects=True
    )
    assert "đã được nhận bởi cv" in response.get_data(as_text=True) or "already claimed" in (
        response.get_data(as_text=True)
    )
    assert engine.task(task.id).assignee == "cv"

    cv = logged_in("cv")
    cv.post(f"/cong-viec/{task.id}/tra-lai", data={"csrf_token": csrf_token(cv)})
    assert engine.task(task.id).assignee is None
    cv.post(f"/cong-viec/{task.id}/giao", data={"csrf_token": csrf_token(cv), "to": "cv2"})
    assert engine.task(task.id).assignee == "cv2"


def test_bulk_claim_and_assign(
    officers: Officers, engine: Engine, logged_in: Callable[[str], FlaskClient]
) -> None:
    tasks = [officers.task(d, "appraise").id for d in received(officers, 3)]
    cv = logged_in("cv")
    page = cv.post(
        "/cong-viec/hang-loat",
        data={"csrf_token": csrf_token(cv), "task": tasks[:2], "action": "claim"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Đã xử lý 2 công việc" in page
    assert [engine.task(t).assignee for t in tasks] == ["cv", "cv", None]
    cv.post(
        "/cong-viec/hang-loat",
        data={"csrf_token": csrf_token(cv), "task": tasks, "action": "assign", "to": "cv2"},
    )
    assert [engine.task(t).assignee for t in tasks] == ["cv2", "cv2", "cv2"]


def test_bulk_reports_what_failed(
    officers: Officers, engine: Engine, logged_in: Callable[[str], FlaskClient]
) -> None:
    tasks = [officers.task(d, "appraise").id for d in received(officers, 2)]
    engine.claim(tasks[0], user="cv2")
    cv = logged_in("cv")
    page = cv.post(
        "/cong-viec/hang-loat",
        data={"csrf_token": csrf_token(cv), "task": tasks, "action": "claim"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Đã xử lý 1 công việc" in page and "1 công việc không thực hiện được" in page
    assert [engine.task(t).assignee for t in tasks] == ["cv2", "cv"]


def test_head_of_unit_reassigns_an_absent_officers_work(
    officers: Officers, engine: Engine, logged_in: Callable[[str], FlaskClient]
) -> None:
    tasks = [officers.task(d, "appraise").id for d in received(officers, 3)]
    for t in tasks:
        engine.claim(t, user="cv")
    cv = logged_in("cv")
    assert (
        cv.post(
            "/cong-viec/chuyen-giao", data={"csrf_token": csrf_token(cv), "from": "cv", "to": "cv2"}
        ).status_code
        == 403
    )
    tp = logged_in("tp")
    page = board(tp, scope="unit", assignee="cv")
    assert sorted(task_ids(page)) == sorted(tasks)
    response = tp.post(
        "/cong-viec/chuyen-giao",
        data={"csrf_token": csrf_token(tp), "from": "cv", "to": "cv2"},
        follow_redirects=True,
    )
    assert "Đã chuyển 3 công việc của cv cho cv2" in response.get_data(as_text=True)
    assert {engine.task(t).assignee for t in tasks} == {"cv2"}


def test_filters_by_procedure_dates_and_urgency(
    officers: Officers, engine: Engine, clock: ManualClock, logged_in: Callable
) -> None:
    (slow,) = received(officers, 1, TEST_PROC)  # 10 working days
    (fast,) = received(officers, 1, KET_HON)  # 1 working day
    cv = logged_in("cv")
    page = board(cv, procedure=KET_HON)
    assert fast.code in page and slow.code not in page
    today = clock.now().date().isoformat()
    assert fast.code in board(cv, received_from=today, received_to=today)
    assert fast.code not in board(cv, received_to="2026-01-01")
    clock.advance(days=2)  # the marriage step is now late, the test one is not
    page = board(cv, urgency="overdue")
    assert fast.code in page and slow.code not in page and 'class="row-late"' in page
    assert slow.code in board(cv, sort="-due") and fast.code in board(cv, sort="code")


def test_near_due_rows_are_coloured(
    officers: Officers, engine: Engine, clock: ManualClock, logged_in: Callable
) -> None:
    (d,) = received(officers)
    task = officers.task(d, "appraise")
    clock.set(task.warn_at + timedelta(minutes=1))
    page = board(logged_in("cv"), urgency="near_due")
    assert d.code in page and 'class="row-near"' in page


def test_bad_filter_values_are_dropped_with_a_warning(
    officers: Officers, logged_in: Callable[[str], FlaskClient]
) -> None:
    received(officers)
    cv = logged_in("cv")
    page = board(cv, sort="due; DROP TABLE tasks", received_from="31/02/2026", page="-1")
    assert "không hợp lệ" in page and "không đúng định dạng" in page
    assert "Tổng số: 1 công việc" in page
    page = board(cv, code="' OR 1=1 --")
    assert "Tổng số: 0 công việc" in page


def test_paging(officers: Officers, logged_in: Callable[[str], FlaskClient]) -> None:
    received(officers, 5)
    cv = logged_in("cv")
    first = task_ids(board(cv, per_page="2", sort="code"))
    third = board(cv, per_page="2", sort="code", page="3")
    assert len(first) == 2 and len(task_ids(third)) == 1 and "Trang 3 / 3" in third
    assert not set(first) & set(task_ids(third))


def test_saved_filters_are_per_officer(
    officers: Officers, engine: Engine, logged_in: Callable[[str], FlaskClient]
) -> None:
    cv = logged_in("cv")
    response = cv.post(
        "/cong-viec/bo-loc",
        data={"csrf_token": csrf_token(cv), "name": "Kết hôn quá hạn", "procedure": KET_HON,
              "urgency": "overdue", "page": "9"},
    )  # fmt: skip
    assert response.status_code == 302
    (saved,) = engine.saved_filters("cv")
    assert saved.query == {"procedure": KET_HON, "urgency": "overdue"}
    assert "Kết hôn quá hạn" in board(cv)
    assert engine.saved_filters("cv2") == []
    cv2 = logged_in("cv2")
    cv2.post(f"/cong-viec/bo-loc/{saved.id}/xoa", data={"csrf_token": csrf_token(cv2)})
    assert len(engine.saved_filters("cv")) == 1  # another officer's filter is not theirs
    cv = logged_in("cv")
    cv.post(f"/cong-viec/bo-loc/{saved.id}/xoa", data={"csrf_token": csrf_token(cv)})
    assert engine.saved_filters("cv") == []


def test_bell_counts_tasks_escalated_to_me(
    officers: Officers, engine: Engine, clock: ManualClock, logged_in: Callable
) -> None:
    (d,) = received(officers, 1, KET_HON)
    tp = logged_in("tp")
    assert 'data-testid="bell-count">0<' in board(tp)
    clock.advance(days=3)
    engine.tick()
    page = board(tp)
    assert 'data-testid="bell-count">1<' in page
    page = board(tp, scope="escalated")
    assert d.code in page and "đã báo cấp trên" in page
    assert engine.escalated_count("tp") == 1 and engine.escalated_count("cv") == 0
    assert 'data-testid="bell-count">0<' in board(logged_in("cv"))  # not escalated to cv


def test_actions_need_csrf(officers: Officers, engine: Engine, logged_in: Callable) -> None:
    task = officers.task(received(officers)[0], "appraise")
    cv = logged_in("cv")
    assert cv.post(f"/cong-viec/{task.id}/nhan").status_code == 400
    assert engine.task(task.id).assignee is None


def test_row_buttons_claim_and_release_from_the_list(
    officers: Officers, engine: Engine, logged_in: Callable[[str], FlaskClient]
) -> None:
    task = officers.task(received(officers)[0], "appraise")
    cv = logged_in("cv")
    page = board(cv)
    assert f'formaction="/cong-viec/{task.id}/nhan"' in page
    token = csrf_token(cv)
    cv.post(f"/cong-viec/{task.id}/nhan", data={"csrf_token": token, "next": "/cong-viec/"})
    page = board(cv)
    assert f'formaction="/cong-viec/{task.id}/tra-lai"' in page
    assert f'formaction="/cong-viec/{task.id}/nhan"' not in page
    response = cv.post(
        f"/cong-viec/{task.id}/tra-lai",
        data={"csrf_token": csrf_token(cv), "next": "https://evil.example/"},
    )
    assert response.headers["Location"] == "/cong-viec/"  # never redirected off the site
    assert engine.task(task.id).assignee is None


def test_counts_stop_at_the_cap_and_paging_goes_on(
    officers: Officers, logged_in: Callable[[str], FlaskClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    import engine.task_board

    monkeypatch.setattr(engine.task_board, "COUNT_CAP", 3)
    received(officers, 5)
    cv = logged_in("cv")
    first = board(cv, per_page="2", sort="code")
    assert "Hơn 3 công việc" in first and "Trang 1<" in first and 'rel="next"' in first
    last = board(cv, per_page="2", sort="code", page="3")
    assert len(task_ids(last)) == 1 and 'rel="next"' not in last
    seen = task_ids(first) + task_ids(board(cv, per_page="2", sort="code", page="2"))
    assert len(set(seen + task_ids(last))) == 5


def test_an_officer_of_no_agency_sees_no_work(
    officers: Officers, engine: Engine, logged_in: Callable[[str], FlaskClient]
) -> None:
    from sqlalchemy import update

    from engine.models import User

    d = received(officers, 1, KET_HON)[0]  # due tomorrow: near-due on every late list
    assert d.code in logged_in("ld").get("/tre-han/").get_data(as_text=True)
    engine.ensure_user("lac", "Lạc", None, ["specialist", "leader"])
    with engine.db.write() as s:
        hashed = s.execute(select_hash()).scalar_one()
        s.execute(update(User).where(User.username == "lac").values(password_hash=hashed))
    lac = logged_in("lac")
    assert "Tổng số: 0 công việc" in board(lac)
    assert lac.get(f"/ho-so/{d.code}").status_code == 404
    assert d.code not in lac.get("/tre-han/").get_data(as_text=True)


def select_hash():  # noqa: ANN201 - a select of cv's password hash
    from sqlalchemy import select

    from engine.models import User

    return select(User.password_hash).where(User.username == "cv")

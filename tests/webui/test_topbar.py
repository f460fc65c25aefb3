"""The top bar on every officer page: the bell (tasks escalated to me) and open incidents."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from engine.clock import ManualClock
from engine.runtime import Engine
from tests.engine.conftest import KET_HON, Officers
from tests.webui.test_tasks import received

BELL = 'data-testid="bell-count">'
INCIDENTS = 'data-testid="incident-count"'


@pytest.fixture
def engine_db_url(db_url: str) -> str:
    return db_url


@pytest.fixture
def officers(engine: Engine) -> Officers:
    return Officers(engine, check_state=False)


def html(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the app runs while the test is inside it."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine.db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine.db.engine, "before_cursor_execute", record)


def test_the_bell_rings_on_every_officer_page(
    officers: Officers, engine: Engine, clock: ManualClock, logged_in: Callable
) -> None:
    (d,) = received(officers, 1, KET_HON)
    tp = logged_in("tp")
    assert f"{BELL}0<" in html(tp, "/account/password")
    clock.advance(days=3)
    engine.tick()  # the marriage step is late: escalated to the head of unit
    for path in ("/account/password", f"/ho-so/{d.code}", "/tra-cuu/", "/cong-viec/"):
        page = html(tp, path)
        assert f"{BELL}1<" in page, path
        assert 'class="bell ringing"' in page and "scope=escalated" in page
    assert f"{BELL}0<" in html(logged_in("cv"), "/account/password")  # not escalated to cv


def test_no_bell_for_people_without_a_task_list(client: FlaskClient, logged_in: Callable) -> None:
    assert BELL not in html(client, "/tra-cuu/")  # the public
    assert INCIDENTS not in html(client, "/tra-cuu/")


def test_the_counts_cost_one_query_each_per_page(
    officers: Officers, logged_in: Callable, statements: list[str]
) -> None:
    received(officers, 1, KET_HON)
    tp = logged_in("tp")
    statements.clear()
    html(tp, "/account/password")
    bell = [s for s in statements if "escalated_at" in s]
    incidents = [s for s in statements if "service_jobs" in s]
    assert len(bell) == 1 and "count(" in bell[0].lower()
    assert len(incidents) == 1 and "count(" in incidents[0].lower()


def test_badge_caps_at_99() -> None:
    from webui.topbar import Counts

    assert (Counts.badge(None), Counts.badge(0), Counts.badge(99), Counts.badge(100)) == (
        "", "0", "99", "99+")  # fmt: skip


def test_the_task_list_counts_the_bell_once(
    officers: Officers, logged_in: Callable, statements: list[str]
) -> None:
    received(officers, 1, KET_HON)
    tp = logged_in("tp")
    statements.clear()
    assert f"{BELL}0<" in html(tp, "/cong-viec/")
    assert len([s for s in statements if "escalated_at IS NOT NULL" in s]) == 1

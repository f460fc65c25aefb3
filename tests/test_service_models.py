"""Service-call models (the executor and fault tests' fixtures): they deploy
and run as built, the calls in series one after another, in parallel all before the join."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from engine.clock import ManualClock
from engine.errors import AdapterError
from engine.model_parser import parse_model
from engine.runtime import Engine
from engine.settings import load
from tests.service_models import Call, service_model

CALLS = [Call("lookup", "Tra cứu công dân", "fake.lookup"), Call("record", "Ghi", "fake.write")]


@pytest.fixture
def engine(db_url: str) -> Iterator[tuple[Engine, list[tuple[str, dict, str]]]]:
    calls: list[tuple[str, dict, str]] = []

    def caller(operation: str, params: dict, *, idempotency_key: str) -> dict:
        """Answer every call but the first look-up, which finds the registry busy."""
        calls.append((operation, params, idempotency_key))
        if [op for op, _, _ in calls] == ["fake.lookup"]:
            raise AdapterError("hệ thống bận", retryable=True)
        return {"ok": True}

    clock = ManualClock(datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))
    e = Engine(load({"database_url": db_url}), clock=clock, service_caller=caller)
    e.create_schema()
    e.ensure_agency("A1", "Sở A")
    yield e, calls
    e.db.dispose()


def test_the_model_declares_each_call_with_the_dossier_code() -> None:
    parsed = parse_model(service_model("chain", CALLS))
    tasks = {k: v for k, v in parsed.elements.items() if v.kind == "serviceTask"}
    assert {k: v.name for k, v in tasks.items()} == {"lookup": "Tra cứu công dân", "record": "Ghi"}
    assert {lane.role for lane in parsed.lanes.values()} == {"system"}


@pytest.mark.parametrize(
    ("parallel", "while_busy"),
    [(False, {"fake.lookup": "pending"}), (True, {"fake.lookup": "pending", "fake.write": "done"})],
    ids=["series", "parallel"],
)
def test_the_calls_run_in_their_order_and_the_dossier_reaches_its_end(
    engine, parallel: bool, while_busy: dict[str, str]
) -> None:
    e, calls = engine
    e.deploy("9.000020", service_model("flow", CALLS, parallel=parallel), name="flow",
             deadline=(2, "working_days"), agency_code="A1")  # fmt: skip
    d = e.submit("9.000020", applicant={"full_name": "Phạm D"})
    # the look-up waits for its retry: in series the write waits behind it, in parallel not
    assert {j.operation: j.state for j in e.dossier_view(d.code).jobs} == while_busy
    e.tick(e.clock.now() + timedelta(hours=1))
    assert [j.state for j in e.dossier_view(d.code).jobs] == ["done", "done"]
    assert [op for op, _, _ in calls][-1] == ("fake.lookup" if parallel else "fake.write")
    assert all(params == {"code": d.code} for _, params, _ in calls)
    assert e.dossier(d.code).status == "result_returned"

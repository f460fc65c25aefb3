"""What the liên thông flow tests share: the province of `bpmn.flows.province`, the simulators.

`flow_engine` builds an engine on ``db_url`` (SQLite and PostgreSQL) whose service tasks call
the real adapters against fresh in-process simulators, with every flow of `bpmn.flows`
deployed and its partner lanes mapped to agencies of their own. `Desk` acts as the officer
of whichever agency owns a task, the way the officers' task lists would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters.registry import Registry
from adapters.settings import sim_people, sim_seed
from adapters.sim.world import World, world
from bpmn.flows import cases, province
from engine.clock import ManualClock
from engine.models import Dossier, ServiceJob, TaskRow
from engine.runtime import Engine
from engine.settings import load

VN = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 11, 25, 8, 30, tzinfo=VN)  # a Wednesday morning
AGENCIES, OFFICERS = province.AGENCIES, province.OFFICERS
COMMUNE, POLICE, SOCIAL, BUSINESS, LAND, TAX = AGENCIES
docs = cases.documents


@pytest.fixture(scope="session")
def people() -> World:
    """The world the simulators are seeded with (same seed and size as `registry`'s)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("LIENTHONG_SIM_PEOPLE", province.SIMULATOR_ENV["LIENTHONG_SIM_PEOPLE"])
    try:
        return world(sim_seed(), sim_people())
    finally:
        mp.undo()


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[Registry]:
    for key, value in province.simulator_env(str(tmp_path / "sims")).items():
        monkeypatch.setenv(key, value)
    reg = Registry.from_entry_points()
    yield reg
    for adapter in reg.adapters.values():
        if adapter._simulator is not None:
            adapter._simulator.faults.reset()
        adapter.close()


def setup_flows(e: Engine) -> Engine:
    e.create_schema()
    province.deploy(e)
    return e


@pytest.fixture
def flow_engine(db_url: str, registry: Registry) -> Iterator[Engine]:
    def call(operation: str, params: dict, *, idempotency_key: str) -> Any:
        return registry.call(operation, params, idempotency_key=idempotency_key)

    e = Engine(load({"database_url": db_url, "service_retry_base_s": 60}),
               clock=ManualClock(START), service_caller=call)  # fmt: skip
    setup_flows(e)
    yield e
    e.db.dispose()


class Desk:
    """The officers of every agency, each acting only on the tasks in their own list."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def officer(self, row: TaskRow) -> str:
        return province.officer(row)

    def open(self, dossier: Dossier | str) -> list[TaskRow]:
        code = dossier if isinstance(dossier, str) else dossier.code
        return self.engine.list_tasks(dossier_code=code)

    def steps(self, dossier: Dossier | str) -> list[str]:
        return sorted(t.bpmn_id for t in self.open(dossier))

    def row(self, dossier: Dossier | str, step: str) -> TaskRow:
        rows = [t for t in self.open(dossier) if t.bpmn_id == step]
        assert len(rows) == 1, f"expected one open {step!r}; open: {self.steps(dossier)}"
        return rows[0]

    def do(self, dossier: Dossier | str, step: str, data: dict | None = None,
           action: str = "complete", hours: float = 2.0) -> TaskRow:  # fmt: skip
        """The owning agency's officer claims the task, works ``hours``, then completes it."""
        row = self.row(dossier, step)
        user = self.officer(row)
        self.engine.claim(row.id, user=user)
        self.engine.clock.advance(hours=hours)  # type: ignore[attr-defined]
        if action == "refuse":
            return self.engine.refuse(row.id, user=user, reasons=(data or {})["reasons"])
        return self.engine.complete(row.id, user=user, data=data or {}, action=action)

    def jobs(self, dossier: Dossier) -> list[ServiceJob]:
        from sqlalchemy import select

        with self.engine.db.read() as s:
            q = select(ServiceJob).where(ServiceJob.dossier_id == dossier.id)
            return list(s.execute(q.order_by(ServiceJob.id)).scalars())


def iso(d: date) -> str:
    return d.isoformat()


Maker = Callable[..., Any]

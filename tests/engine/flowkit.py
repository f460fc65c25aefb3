"""What the liên thông flow tests share: agencies, their officers, the simulators, the flows.

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
from bpmn.flows import MODELS
from engine.clock import ManualClock
from engine.models import Dossier, ServiceJob, TaskRow
from engine.runtime import Engine
from engine.settings import load

VN = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 11, 25, 8, 30, tzinfo=VN)  # a Wednesday morning
SIM_ENV = {
    "LIENTHONG_ADAPTERS_MODE": "inprocess",
    "LIENTHONG_ADAPTERS_BACKOFF": "0",
    "LIENTHONG_ADAPTERS_RETRIES": "1",
    "LIENTHONG_ADAPTERS_TIMEOUT": "2",
    "LIENTHONG_ADAPTERS_BREAKER_FAILURES": "50",
    "LIENTHONG_ADAPTERS_ALLOW": "",
    "LIENTHONG_SIM_PEOPLE": "300",
}
#: agency code → (name, level)
AGENCIES = {
    "000.25.41.H56": ("UBND phường Phú Cường", "commune"),
    "000.25.41.H56.CA": ("Công an phường Phú Cường", "commune"),
    "000.00.74.BHXH": ("Bảo hiểm xã hội tỉnh Bình Dương", "province"),
    "000.00.06.H56": ("Phòng Đăng ký kinh doanh – Sở Tài chính", "province"),
    "000.00.07.H56": ("Văn phòng Đăng ký đất đai tỉnh", "province"),
    "000.00.74.THUE": ("Thuế tỉnh Bình Dương", "province"),
}
COMMUNE, POLICE, SOCIAL, BUSINESS, LAND, TAX = AGENCIES
#: username → (agency, roles)
OFFICERS = {
    "motcua.phucuong": (COMMUNE, ["one_stop_officer"]),
    "hotich.phucuong": (COMMUNE, ["specialist"]),
    "chutich.phucuong": (COMMUNE, ["leader"]),
    "congan.cutru": (POLICE, ["specialist"]),
    "bhxh.motcua": (SOCIAL, ["one_stop_officer"]),
    "bhxh.chuyenvien": (SOCIAL, ["specialist"]),
    "bhxh.lanhdao": (SOCIAL, ["leader"]),
    "dkkd.motcua": (BUSINESS, ["one_stop_officer"]),
    "dkkd.chuyenvien": (BUSINESS, ["specialist"]),
    "dkkd.lanhdao": (BUSINESS, ["leader"]),
    "datdai.motcua": (LAND, ["one_stop_officer"]),
    "datdai.chuyenvien": (LAND, ["specialist"]),
    "datdai.lanhdao": (LAND, ["leader"]),
    "thue.chuyenvien": (TAX, ["specialist"]),
}
#: lane key of a flow → agency code in this test province
LANE_AGENCIES = {"police": POLICE, "social_insurance": SOCIAL, "tax": TAX}
#: procedure code → the agency whose counter receives it
RECEIVING = {"1.004222": POLICE, "L.000103": SOCIAL, "2.001583": BUSINESS, "1.013831": LAND}


@pytest.fixture(scope="session")
def people() -> World:
    """The world the simulators are seeded with (same seed and size as SIM_ENV)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("LIENTHONG_SIM_PEOPLE", SIM_ENV["LIENTHONG_SIM_PEOPLE"])
    try:
        return world(sim_seed(), sim_people())
    finally:
        mp.undo()


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[Registry]:
    for key, value in SIM_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LIENTHONG_SIM_DATA_DIR", str(tmp_path / "sims"))
    reg = Registry.from_entry_points()
    yield reg
    for adapter in reg.adapters.values():
        if adapter._simulator is not None:
            adapter._simulator.faults.reset()
        adapter.close()


def setup_flows(e: Engine) -> Engine:
    e.create_schema()
    for code, (name, level) in AGENCIES.items():
        e.ensure_agency(code, name, level=level)
    for username, (agency, roles) in OFFICERS.items():
        e.ensure_user(username, username, agency, roles)
    for model in MODELS.values():
        e.deploy(model.code, model.xml(), name=model.name, deadline=model.deadline,
                 agency_code=RECEIVING.get(model.code, COMMUNE), level=model.level)  # fmt: skip
        keys = {k: LANE_AGENCIES[k] for k in model.lane_keys}
        if keys:
            e.set_lane_agencies(model.code, keys)
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
        for username, (agency, roles) in OFFICERS.items():
            if agency == row.agency_code and row.role in roles:
                return username
        raise AssertionError(f"no officer of {row.agency_code} with role {row.role}")

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


def docs(*names: str) -> dict[str, bool]:
    """The counter's ticks: each named document was handed over and checked."""
    return dict.fromkeys(names, True)


def iso(d: date) -> str:
    return d.isoformat()


Maker = Callable[..., Any]

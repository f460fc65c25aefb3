"""Engine fixtures: an engine on a fresh database, its people, its procedures, and officers.

``engine`` runs on ``db_url`` (SQLite and PostgreSQL) with a manual clock set to a working
morning, one agency with a user per role (and an outsider of another agency), and the
standard one-stop template deployed for two real procedures and one test procedure.
``officers`` is a small helper-action object in the flaskr-tutorial style: it knows who
works which step and what a step's form needs, so a test can say
``officers.walk(dossier, ["receive", "appraise", "approve", "return_result"])``.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from engine.clock import ManualClock
from engine.models import AuditEvent, Dossier, ProcessVersion, TaskRow, WorkflowState
from engine.runtime import Engine
from engine.settings import load
from engine.state import StoredState, load_state, save_state

VN = ZoneInfo("Asia/Ho_Chi_Minh")
#: Wednesday 25/11/2026, 08:30 in Hà Nội: a working morning (24/11 is a public holiday).
START = datetime(2026, 11, 25, 8, 30, tzinfo=VN)

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
TEMPLATE = (ROOT / "bpmn" / "templates" / "standard_one_stop.bpmn").read_bytes()

AGENCY = "000.00.00.H56"
OTHER_AGENCY = "000.00.12.H56"
KHAI_SINH = "1.001193"  # Đăng ký khai sinh: same-day settlement (0 working days)
KET_HON = "1.000894"  # Đăng ký kết hôn: 1 working day
TEST_PROC = "T.000010"  # a test procedure with 10 working days
PROCEDURES = {
    KHAI_SINH: ("Đăng ký khai sinh", (0, "working_days")),
    KET_HON: ("Đăng ký kết hôn", (1, "working_days")),
    TEST_PROC: ("Thủ tục thử nghiệm", (10, "working_days")),
}
USERS = {
    "mc": (AGENCY, ["one_stop_officer"]),
    "mc2": (AGENCY, ["one_stop_officer"]),
    "cv": (AGENCY, ["specialist"]),
    "cv2": (AGENCY, ["specialist"]),
    "tp": (AGENCY, ["head_of_unit"]),
    "ld": (AGENCY, ["leader"]),
    "outsider": (OTHER_AGENCY, ["specialist", "one_stop_officer", "leader"]),
}
BY_ROLE = {"one_stop_officer": "mc", "specialist": "cv", "leader": "ld", "head_of_unit": "tp"}
FORM_DATA: dict[str, dict[str, Any]] = {
    "receive": {"received_documents": ["Tờ khai"]},
    "appraise": {"opinion": "Hồ sơ đủ điều kiện"},
    "approve": {"opinion": "Đồng ý", "result_number": "123/QĐ"},
    "supplement": {"supplemented_documents": ["Bản sao CCCD"]},
    "apology_letter": {"delay_reason": "Chờ xác minh", "new_due_date": "2026-12-31"},
}
APPLICANT = {"full_name": "Nguyễn Thị Lan", "id_number": "001190000001"}


def setup_engine(e: Engine) -> Engine:
    """Create the schema, the agencies, a user per role, and deploy the three procedures."""
    e.create_schema()
    e.ensure_agency(AGENCY, "UBND tỉnh (thử nghiệm)")
    e.ensure_agency(OTHER_AGENCY, "Sở Tư pháp (thử nghiệm)")
    for username, (agency, roles) in USERS.items():
        e.ensure_user(username, username.upper(), agency, roles)
    for code, (name, deadline) in PROCEDURES.items():
        e.deploy(code, TEMPLATE, name=name, deadline=deadline, agency_code=AGENCY)
    return e


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def make_engine(db_url: str, clock: ManualClock) -> Iterator[Callable[..., Engine]]:
    """Build engines on this test's database; every one is disposed of afterwards."""
    made: list[Engine] = []

    def make(**kwargs: Any) -> Engine:
        settings = load({"database_url": db_url, **kwargs.pop("settings", {})})
        e = Engine(settings, clock=kwargs.pop("clock", clock), **kwargs)
        made.append(e)
        return e

    yield make
    for e in made:
        e.db.dispose()


@pytest.fixture
def engine(make_engine: Callable[..., Engine]) -> Engine:
    return setup_engine(make_engine())


@pytest.fixture
def officers(engine: Engine) -> Officers:
    return Officers(engine)


class Officers:
    """The people of the one-stop centre, acting on the engine through its public API."""

    def __init__(self, engine: Engine, *, check_state: bool = True) -> None:
        self.engine = engine
        self.check_state = check_state

    def submit(self, procedure: str = KET_HON, **kwargs: Any) -> Dossier:
        kwargs.setdefault("applicant", dict(APPLICANT))
        kwargs.setdefault("actor", "mc")
        return self.engine.submit(procedure, **kwargs)

    def open_tasks(self, dossier: Dossier | str) -> list[TaskRow]:
        code = dossier if isinstance(dossier, str) else dossier.code
        return self.engine.list_tasks(dossier_code=code)

    def open_steps(self, dossier: Dossier | str) -> list[str]:
        return sorted(t.bpmn_id for t in self.open_tasks(dossier))

    def task(self, dossier: Dossier | str, step: str) -> TaskRow:
        rows = [t for t in self.open_tasks(dossier) if t.bpmn_id == step]
        assert len(rows) == 1, f"expected one open {step!r}, open: {self.open_steps(dossier)}"
        return rows[0]

    def user_for(self, row: TaskRow) -> str:
        return BY_ROLE[row.role]

    def do(
        self,
        dossier: Dossier | str,
        step: str,
        action: str = "complete",
        *,
        data: dict[str, Any] | None = None,
        user: str | None = None,
    ) -> TaskRow:
        """Act on the dossier's open ``step`` the way the right officer would."""
        e = self.engine
        row = self.task(dossier, step)
        user = user or self.user_for(row)
        if action == "supplement":
            done = e.request_supplementation(row.id, user=user, missing=["Bản sao CCCD"])
        elif action == "refuse":
            done = e.refuse(row.id, user=user, reasons=["Không đủ điều kiện"])
        elif step == "supplement":
            done = e.supplement(row.id, user=user, data=data or FORM_DATA["supplement"])
        else:
            payload = FORM_DATA.get(step, {}) if data is None else data
            done = e.complete(row.id, user=user, data=payload, action=action)
        if self.check_state:
            assert_state_roundtrip(e, row.dossier_id)
        return done

    def walk(self, dossier: Dossier | str, path: list[str | tuple[str, str]]) -> Dossier:
        """Do each step of ``path`` ("step" or ("step", "action")); return the dossier."""
        for item in path:
            step, action = (item, "complete") if isinstance(item, str) else item
            self.do(dossier, step, action)
        return self.engine.dossier(dossier if isinstance(dossier, str) else dossier.code)

    def statuses(self, dossier: Dossier) -> list[str]:
        """The dossier's status sequence as the audit log tells it."""
        out = []
        for ev in self.engine.history(dossier.id):
            if ev.action in ("submit", "status", "withdraw") and ev.to_state:
                out.append(ev.to_state)
        return out

    def actions(self, dossier: Dossier) -> list[str]:
        return [ev.action for ev in self.engine.history(dossier.id)]


HAPPY = ["receive", "appraise", "approve", "return_result"]


# -- persisted state ------------------------------------------------------------------------
def stored_state(e: Engine, dossier_id: int) -> StoredState:
    with e.db.read() as s:
        row = s.get(WorkflowState, dossier_id)
        return StoredState(row.format_version, row.state)


def restore(e: Engine, dossier_id: int) -> Any:
    """Rebuild a dossier's live workflow from the database, as a step would."""
    with e.db.read() as s:
        d = s.get(Dossier, dossier_id)
        model = e.models.get(s, s.get(ProcessVersion, d.version_id))
    return load_state(
        stored_state(e, dossier_id), model.spec, model.subprocess_specs, e.script_engine
    )


def assert_state_roundtrip(e: Engine, dossier_id: int) -> None:
    """Restoring the stored state and saving it again must give back the same state."""
    stored = stored_state(e, dossier_id)
    again = save_state(restore(e, dossier_id))
    assert again.format_version == stored.format_version
    before = json.loads(zlib.decompress(stored.blob))
    after = json.loads(zlib.decompress(again.blob))
    assert after == before


def count(e: Engine, model: Any, *where: Any) -> int:
    with e.db.read() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def audit_rows(e: Engine, action: str, dossier_id: int | None = None) -> list[AuditEvent]:
    with e.db.read() as s:
        q = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        if dossier_id is not None:
            q = q.where(AuditEvent.dossier_id == dossier_id)
        return list(s.execute(q).scalars())

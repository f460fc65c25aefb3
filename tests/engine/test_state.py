"""Persisted workflow state: round-trips, saved fixtures that must keep loading, versions.

The files in ``data/states/`` were written once from real runs by ``write_fixtures()``
(``python -m tests.engine.test_state``) with the BPMN they ran on beside them. Never
regenerate them to make a test pass: a state that no longer loads is a migration to write.
"""

from __future__ import annotations

import base64
import json
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import update

from engine.clock import ManualClock
from engine.errors import LienThongError
from engine.model_parser import parse_model
from engine.models import AuditEvent, WorkflowState
from engine.runtime import Engine
from engine.settings import load
from engine.state import STATE_FORMAT, StateError, StoredState, load_state
from engine.steps import run_step
from tests.engine.conftest import (
    DATA,
    HAPPY,
    KET_HON,
    START,
    TEMPLATE,
    TEST_PROC,
    Officers,
    assert_state_roundtrip,
    count,
    restore,
    setup_engine,
    stored_state,
)

STATES = DATA / "states"
FIXTURE_MODEL = STATES / "standard_one_stop.bpmn"
SAVED = sorted(STATES.glob("*.json"))

PATHS = {
    "happy": HAPPY,
    "refused_at_receipt": [("receive", "refuse"), "notify_refusal"],
    "refused_at_appraisal": ["receive", ("appraise", "refuse"), "notify_refusal"],
    "refused_at_approval": ["receive", "appraise", ("approve", "refuse"), "notify_refusal"],
    "supplemented": ["receive", ("appraise", "supplement"), "supplement", *HAPPY[1:]],
}


@pytest.mark.parametrize("path", PATHS.values(), ids=PATHS.keys())
def test_state_round_trips_after_every_step(engine, path) -> None:
    officers = Officers(engine, check_state=False)
    d = officers.submit(TEST_PROC)
    assert_state_roundtrip(engine, d.id)
    for item in path:
        step, action = (item, "complete") if isinstance(item, str) else item
        ready_before = officers.open_steps(d)
        officers.do(d, step, action)
        assert_state_roundtrip(engine, d.id)
        live = sorted(
            t.task_spec.bpmn_id
            for t in restore(engine, d.id).get_tasks()
            if t.task_spec.manual and t.state == TaskState.READY
        )
        assert live == officers.open_steps(d), (ready_before, step)
    assert engine.dossier(d.code).finished_at is not None


def test_state_holds_no_spec(engine, officers: Officers) -> None:
    """The spec lives once per model version; a dossier's state only names its tasks."""
    d = officers.submit(TEST_PROC)
    raw = zlib.decompress(stored_state(engine, d.id).blob)
    assert b"userTask" not in raw and b"Ti\\u1ebfp nh\\u1eadn" not in raw
    assert len(raw) < 20_000


# -- saved fixtures -------------------------------------------------------------------------
def _fixture(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def test_saved_fixtures_exist() -> None:
    assert FIXTURE_MODEL.exists() and len(SAVED) >= 3, "tests/engine/data/states/ is incomplete"
    for path in SAVED:
        fx = _fixture(path)
        assert fx["format_version"] <= STATE_FORMAT
        assert fx["spiffworkflow"] == "3.2.0"


@pytest.mark.parametrize("path", SAVED, ids=[p.stem for p in SAVED])
def test_saved_state_loads_as_written(path: Path) -> None:
    fx = _fixture(path)
    model = parse_model(FIXTURE_MODEL.read_bytes())
    e = Engine(load({"database_url": "sqlite://"}), clock=ManualClock(START))
    wf = load_state(
        StoredState(fx["format_version"], base64.b64decode(fx["state"])),
        model.spec,
        model.subprocess_specs,
        e.script_engine,
    )
    ready = sorted(
        t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.READY) if t.task_spec.manual
    )
    assert ready == fx["ready"]


@pytest.mark.parametrize("path", SAVED, ids=[p.stem for p in SAVED])
def test_saved_state_completes_in_the_engine(engine, path: Path, clock) -> None:
    """Put a saved state into a live dossier; the engine must carry it to the end."""
    fx = _fixture(path)
    engine.deploy(
        "F.000001", FIXTURE_MODEL.read_bytes(), name="Fixture", deadline=(10, "working_days")
    )
    officers = Officers(engine)
    d = officers.submit("F.000001")
    with engine.db.write() as s:
        s.execute(
            update(WorkflowState)
            .where(WorkflowState.dossier_id == d.id)
            .values(format_version=fx["format_version"], state=base64.b64decode(fx["state"]))
        )
    if fx["paused"]:
        with engine.db.write() as s:
            from engine.models import Dossier

            s.get(Dossier, d.id).paused_at = clock.now()
    run_step(engine, d.id, "system", lambda ctx: None)  # re-syncs the task rows
    assert officers.open_steps(d) == fx["ready"]
    clock.advance(hours=1)
    d = officers.walk(d, fx["then"])
    assert d.status in ("result_returned", "refused"), d.status
    assert officers.open_tasks(d) == []


def write_fixtures() -> None:  # pragma: no cover - run by hand, once per new state format
    """Write the saved-state fixtures from real runs on the current template."""
    STATES.mkdir(parents=True, exist_ok=True)
    FIXTURE_MODEL.write_bytes(TEMPLATE)
    clock = ManualClock(START)
    e = setup_engine(Engine(load({"database_url": "sqlite://"}), clock=clock))
    e.deploy("F.000001", TEMPLATE, name="Fixture", deadline=(1, "working_days"))
    officers = Officers(e)
    cases = {
        "appraise_after_supplement": (
            ["receive", ("appraise", "supplement"), "supplement"],
            False,
            ["appraise", "approve", "return_result"],
        ),
        "waiting_for_supplement": (
            ["receive", ("appraise", "supplement")],
            True,
            ["supplement", "appraise", ("approve", "refuse"), "notify_refusal"],
        ),
        "late_with_apology": (
            ["receive", "late", "appraise"],
            False,
            ["apology_letter", "approve", "return_result"],
        ),
    }
    for name, (path, paused, then) in cases.items():
        clock.set(START)
        d = officers.submit("F.000001")
        for item in path:
            if item == "late":
                e.tick(d.due_at + timedelta(hours=1))
                continue
            step, action = (item, "complete") if isinstance(item, str) else item
            officers.do(d, step, action)
        stored = stored_state(e, d.id)
        fx = {
            "about": f"saved state of a real dossier: {name}",
            "format_version": stored.format_version,
            "spiffworkflow": "3.2.0",
            "written": datetime.now().date().isoformat(),
            "model": FIXTURE_MODEL.name,
            "ready": officers.open_steps(d),
            "paused": paused,
            "then": [list(x) if isinstance(x, tuple) else x for x in then],
            "state": base64.b64encode(stored.blob).decode(),
        }
        (STATES / f"{name}.json").write_text(json.dumps(fx, indent=1, ensure_ascii=False) + "\n")


# -- versions and damage --------------------------------------------------------------------
def test_a_future_state_format_is_refused_clearly(engine, officers: Officers) -> None:
    d = officers.submit(KET_HON)
    task = officers.task(d, "receive")
    with engine.db.write() as s:
        s.execute(
            update(WorkflowState)
            .where(WorkflowState.dossier_id == d.id)
            .values(format_version=STATE_FORMAT + 1)
        )
    before = (engine.dossier(d.code).lock_version, count(engine, AuditEvent))
    with pytest.raises(StateError, match=f"state format {STATE_FORMAT + 1} is newer"):
        engine.complete(task.id, user="mc", data={})
    assert issubclass(StateError, LienThongError)
    assert (engine.dossier(d.code).lock_version, count(engine, AuditEvent)) == before
    assert engine.task(task.id).state == "open"


@pytest.mark.parametrize(
    ("version", "blob", "message"),
    [
        (STATE_FORMAT, b"not zlib at all", "unreadable"),
        (STATE_FORMAT, zlib.compress(b"{not json"), "unreadable"),
        (0, zlib.compress(b"{}"), "no migration from state format 0"),
        (STATE_FORMAT + 7, zlib.compress(b"{}"), "newer than this code"),
    ],
)
def test_damaged_state_is_a_state_error(version, blob, message) -> None:
    model = parse_model(TEMPLATE)
    with pytest.raises(StateError, match=message):
        load_state(StoredState(version, blob), model.spec, model.subprocess_specs, None)


if __name__ == "__main__":  # pragma: no cover
    write_fixtures()

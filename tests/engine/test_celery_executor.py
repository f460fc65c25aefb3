"""The embedded default runs service tasks through Celery in eager mode, after commit."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from engine.clock import ManualClock
from engine.executor import CeleryExecutor, make_executor
from engine.runtime import Engine
from engine.settings import load
from tests.engine.service_model import SERVICE_BPMN


def test_default_settings_pick_celery_in_eager_mode() -> None:
    settings = load({})
    assert (settings.executor, settings.celery_eager) == ("celery", True)
    assert isinstance(make_executor(settings), CeleryExecutor)


def test_eager_celery_runs_the_job_on_the_calling_engine(tmp_path: Path) -> None:
    calls: list[tuple[str, dict, str]] = []

    def caller(operation: str, params: dict, *, idempotency_key: str) -> dict:
        calls.append((operation, params, idempotency_key))
        return {"ok": True}

    clock = ManualClock(datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))
    e = Engine(
        load({"database_url": f"sqlite:///{tmp_path / 'c.sqlite'}"}),
        clock=clock,
        service_caller=caller,
    )
    e.create_schema()
    e.ensure_agency("A1", "Sở A")
    e.deploy("9.000010", SERVICE_BPMN, name="svc", deadline=(2, "working_days"), agency_code="A1")
    d = e.submit("9.000010", applicant={"full_name": "Phạm D"})
    view = e.dossier_view(d.code)
    assert [j.state for j in view.jobs] == ["done"]
    assert [(op, key) for op, _, key in calls] == [
        ("test.echo", f"{d.code}:{view.jobs[0].task_id}")
    ]
    assert calls[0][1] == {"code": d.code}
    assert e.dossier(d.code).status == "result_returned"

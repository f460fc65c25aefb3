"""The embedded default runs service tasks through Celery in eager mode, after commit."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from engine.clock import ManualClock
from engine.executor import CeleryExecutor, make_executor
from engine.runtime import Engine
from engine.settings import load
from tests.service_models import Call, service_model


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
    model = service_model("svc", [Call("call", "Tra cứu", "test.echo")])
    e.deploy("9.000010", model, name="svc", deadline=(2, "working_days"), agency_code="A1")
    d = e.submit("9.000010", applicant={"full_name": "Phạm D"})
    view = e.dossier_view(d.code)
    assert [j.state for j in view.jobs] == ["done"]
    assert [(op, key) for op, _, key in calls] == [
        ("test.echo", f"{d.code}:{view.jobs[0].task_id}")
    ]
    assert calls[0][1] == {"code": d.code}
    assert e.dossier(d.code).status == "result_returned"


def test_the_scheduler_publishes_tick_sweep_and_the_daily_late_report() -> None:
    from celery.schedules import crontab

    from engine.celery_app import beat_schedule

    schedule = beat_schedule(load({"tick_interval_s": 0, "late_report_hour": 6}))
    assert {k: v["task"] for k, v in schedule.items()} == {
        "tick": "lienthong.tick",
        "sweep": "lienthong.sweep",
        "late-report": "lienthong.late_report",
        "metrics-summary": "lienthong.metrics_summary",
        "daily-report": "lienthong.daily_report",
    }
    assert schedule["tick"]["schedule"] == 60.0  # 0 only turns the embedded ticker off
    assert schedule["sweep"]["schedule"] == 30.0
    assert schedule["late-report"]["schedule"] == crontab(hour=6, minute=0)


def test_a_redis_broker_gets_the_transport_that_survives_losing_it() -> None:
    from engine.celery_app import RedisTransport, app, configure

    configure(load({"broker_url": "redis://127.0.0.1:6379/1", "celery_eager": False}))
    conn = app.connection_for_write()
    assert conn.get_transport_cls() is RedisTransport
    assert app.conf.broker_transport_options["visibility_timeout"] == 3600.0
    configure(load({"broker_url": "memory://", "celery_eager": True}))
    assert app.conf.broker_transport is None


def test_the_service_caller_setting_names_a_function() -> None:
    from engine.celery_app import load_service_caller

    assert load_service_caller(load({})) is None
    assert load_service_caller(load({"service_caller": "json:dumps"})) is json.dumps
    with pytest.raises(ValueError, match="module:function"):
        load_service_caller(load({"service_caller": "json.dumps"}))


def test_the_tick_task_reads_a_moment_without_zone_as_vietnam_time(tmp_path: Path) -> None:
    from engine.celery_app import bind_engine, tick

    seen: list[datetime] = []

    class Recorder:
        def tick(self, now: datetime | None) -> dict[str, int]:
            seen.append(now)
            return {}

    bind_engine(Recorder())  # type: ignore[arg-type]
    try:
        tick.run("2026-12-01T09:00")
        tick.run("2026-12-01T02:00+00:00")
        tick.run()
    finally:
        bind_engine(None)
    vn = ZoneInfo("Asia/Ho_Chi_Minh")
    assert seen[:2] == [datetime(2026, 12, 1, 9, 0, tzinfo=vn)] * 2
    assert seen[2] is None

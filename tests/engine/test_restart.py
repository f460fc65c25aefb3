"""A restart mid-dossier: a brand-new engine on the same database carries on."""

from __future__ import annotations

import pytest

from tests.engine.conftest import KET_HON, TEST_PROC, Officers, setup_engine


def forbid_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any BPMN parse: a restart must restore specs from the stored cache, not re-parse."""

    def refuse(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the BPMN was parsed again after a restart")

    monkeypatch.setattr("engine.specs.parse_model", refuse)
    monkeypatch.setattr("engine.runtime.parse_model", refuse)


def test_a_new_engine_finishes_what_the_old_one_started(
    engine, officers: Officers, make_engine, clock, monkeypatch
) -> None:
    d = officers.submit(TEST_PROC)
    officers.walk(d, ["receive", ("appraise", "supplement")])
    clock.advance(hours=3)
    forbid_parsing(monkeypatch)
    engine.models.clear()
    engine.db.dispose()
    del engine, officers

    fresh = make_engine()
    after = Officers(fresh)
    assert after.open_steps(d.code) == ["supplement"]
    assert fresh.dossier(d.code).status == "supplement_requested"
    d = after.walk(d.code, ["supplement", "appraise", "approve"])
    assert d.status == "settled"

    again = make_engine()  # and once more, for the last step
    d = Officers(again).walk(d.code, ["return_result"])
    assert d.status == "result_returned"
    assert Officers(again).statuses(d)[-1] == "result_returned"


def test_a_restart_keeps_running_dossiers_on_their_version(
    engine, officers: Officers, make_engine
) -> None:
    from tests.engine.test_versions import template_v2

    d = officers.submit(KET_HON)
    officers.walk(d, ["receive", "appraise"])
    engine.deploy(KET_HON, template_v2())
    fresh = make_engine()
    assert Officers(fresh).open_steps(d.code) == ["approve"]
    assert Officers(fresh).walk(d.code, ["approve", "return_result"]).status == "result_returned"


def test_a_pending_service_job_survives_a_restart(make_engine, monkeypatch) -> None:
    from tests.engine.test_service_tasks import ECHO_PROC, FakeAdapter, _job, deploy_echo

    first = setup_engine(make_engine(settings={"executor": "deferred"}))
    deploy_echo(first)
    d = Officers(first).submit(ECHO_PROC)
    Officers(first).walk(d, ["prepare"])
    job = _job(first, d.id)
    assert job.state == "pending"
    first.db.dispose()

    forbid_parsing(monkeypatch)
    fake = FakeAdapter()
    fresh = make_engine(service_caller=fake)
    assert fresh.run_service_job(job.id) == "done"
    assert len(fake.calls) == 1
    assert Officers(fresh).walk(d.code, ["check"]).status == "result_returned"

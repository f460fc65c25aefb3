"""Dossier figures from the records, and the `lienthong analyse` command.

The flow-1 dossier below is worked with a manual clock, so every figure is counted by hand:
received Wed 25/11/2026 08:30; the commune's three steps take an hour each (done 11:30);
the police work until Thu 08:30 (Wed 13:30–17:00 and Thu 07:00–08:30: 5 working hours =
0.625 working days, working hours 07:00–11:30 and 13:30–17:00); the result is ready Thu 08:30
(3 + 3.5 + 1.5 = 8 working hours = 1 working day after receipt) and collected at 09:30. The
commune had open work 08:30–11:30 and Thu 08:30–09:30: 4 hours = 0.5 working days.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import bpmn.analysis
from adapters.sim.world import World
from engine import cli_analyse
from engine.analysis import ModelMarks
from engine.cli import cli
from engine.errors import NotFound, UnknownProcedure
from engine.runtime import Engine
from tests.engine import flowkit
from tests.engine.conftest import AGENCY, TEMPLATE, TEST_PROC, Officers
from tests.engine.flowkit import COMMUNE, POLICE, Desk, docs
from tests.engine.test_flows_birth import submit

flow_engine, people, registry = flowkit.flow_engine, flowkit.people, flowkit.registry


def finished_birth_dossier(e: Engine, people: World):  # noqa: ANN201
    desk = Desk(e)
    d = submit(e, people)
    desk.do(d, "receive", {"documents": docs("to_khai_lien_thong", "giay_chung_sinh")}, hours=1)
    desk.do(d, "appraise_birth", {"opinion": "Đủ"}, hours=1)
    desk.do(d, "sign_birth", {"opinion": "Đồng ý", "result_number": "KS-1"}, hours=1)
    desk.do(d, "police_residence", {"residence_result": "registered"}, hours=21)
    desk.do(d, "return_result", hours=1)
    return d


def test_dossier_figures_counted_by_hand(flow_engine: Engine, people: World) -> None:
    d = finished_birth_dossier(flow_engine, people)
    f = flow_engine.analyse_dossier(d.code)
    assert f.status == "result_returned"
    assert (f.human_steps, f.human_steps_by_agency) == (5, {COMMUNE: 4, POLICE: 1})
    assert (f.system_steps, f.adapter_calls, f.incidents, f.retries) == (3, 3, 0, 0)
    assert [(h["from"], h["to"], h["from_step"], h["to_step"]) for h in f.handoffs] == [
        (COMMUNE, POLICE, "sign_birth", "police_residence"),
        (POLICE, COMMUNE, "police_residence", "return_result"),
    ]
    assert f.waited_on == {COMMUNE: 0.5, POLICE: 0.625, "civil_status": 0.0,
                           "social_insurance": 0.0, "population": 0.0, "citizen": 0.0}  # fmt: skip
    assert f.elapsed_working_days == 1.0 and f.agency_working_days == 1.0
    assert (f.deadline, f.on_time) == ("20 working_days", True)
    assert (f.submissions, f.visits, f.payments, f.supplement_rounds) == (1, 2, 0, 0)
    assert f.as_dict()["agency_working_days"] == 1.0


def test_running_dossier_counts_up_to_now(flow_engine: Engine, people: World) -> None:
    e, desk = flow_engine, Desk(flow_engine)
    d = submit(e, people, nth=5)
    desk.do(d, "receive", {"documents": docs("to_khai_lien_thong", "giay_chung_sinh")}, hours=1)
    e.clock.advance(hours=2)  # 09:30 → 11:30 with the civil-status officer
    f = e.analyse_dossier(d.code)
    assert f.ready_at is None and f.on_time is True
    assert f.elapsed_working_days == 0.375  # 08:30–11:30: 3 hours
    assert f.waited_on == {COMMUNE: 0.375, "citizen": 0.0}
    assert f.human_steps == 1 and f.handoffs == []


def test_dossiers_analysed_together_are_each_analysed_alone(
    flow_engine: Engine, people: World
) -> None:
    """The dashboard's batch (engine.metrics_flows) gives what the dossier page gives."""
    e, desk = flow_engine, Desk(flow_engine)
    finished = finished_birth_dossier(e, people)
    running = submit(e, people, nth=5)
    desk.do(running, "receive", {"documents": docs("to_khai_lien_thong", "giay_chung_sinh")})
    e.clock.advance(hours=2)
    ids = [running.id, 2**62, finished.id]  # in the order asked; an unknown id left out
    together = [f.as_dict() for f in e.analyse_dossiers(ids)]
    assert together == [e.analyse_dossier(i).as_dict() for i in (running.id, finished.id)]
    assert together[1]["human_steps"] == 5 and e.analyse_dossiers([]) == []


def test_unknown_dossier_and_procedure_are_clear_errors(flow_engine: Engine) -> None:
    with pytest.raises(NotFound):
        flow_engine.analyse_dossier("000.00.00.H56-000000-0000")
    with pytest.raises(UnknownProcedure):
        flow_engine.analyse_procedure("9.999999")


def test_deployed_procedure_is_analysed_with_its_deadline(flow_engine: Engine) -> None:
    f = flow_engine.analyse_procedure("1.013831")
    assert f.deadline == (18.0, "working_days") and f.code == "1.013831"
    assert (f.touchpoints.payments, len(f.handoffs)) == (1, 2)


def _template_marked(kind: str) -> bytes:
    """The standard template with its result-return step marked as a citizen touchpoint."""
    step = '<bpmn:userTask id="return_result" name="Trả kết quả"'.encode()
    assert step in TEMPLATE
    return TEMPLATE.replace(step, step + b' lt:touchpoint="' + kind.encode() + b'"')


def test_the_model_part_is_read_once_per_version_and_a_new_version_is_not_served_stale(
    engine: Engine, officers: Officers, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[bytes] = []
    analyse = bpmn.analysis.analyse_model
    monkeypatch.setattr(
        bpmn.analysis, "analyse_model", lambda xml, **kw: parsed.append(xml) or analyse(xml, **kw)
    )
    path = ["receive", "appraise", "approve", "return_result"]

    def deploy(kind: str) -> None:
        engine.deploy(TEST_PROC, _template_marked(kind), name="Thủ tục thử nghiệm",
                      deadline=(10, "working_days"), agency_code=AGENCY)  # fmt: skip

    deploy("collect")
    old = officers.walk(officers.submit(TEST_PROC), path)
    first = engine.analyse_dossier(old.code)
    assert (first.visits, first.payments) == (2, 0)  # the counter, then collecting the result
    assert engine.analyse_dossier(old.code) == first and len(parsed) == 1
    deploy("pay")  # the same step, now where the citizen pays
    new = officers.walk(officers.submit(TEST_PROC), path)
    assert new.version_id != old.version_id
    fresh = engine.analyse_dossier(new.code)
    assert (fresh.visits, fresh.payments) == (1, 1) and len(parsed) == 2
    assert engine.analyse_dossier(old.code) == first and len(parsed) == 2


def test_the_model_marks_cache_is_bounded_least_recently_used_first() -> None:
    reads: list[str] = []
    marks = ModelMarks(size=2)

    def get(key: str) -> dict[str, str]:
        return marks.get(key, lambda: reads.append(key) or b"<not bpmn/>")

    assert get("a") == {}  # a model the analysis cannot read has no marks, and is kept
    get("b"), get("a"), get("c")  # c pushes out b, the least recently used
    get("a"), get("b")
    assert reads == ["a", "b", "c", "b"]


# -- the command ------------------------------------------------------------------------------
def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--database-url", "sqlite:///:memory:", "analyse", *args])
    return result.exit_code, result.output


def test_cli_model_figures_of_a_shipped_flow() -> None:
    code, out = run("2.000986")
    assert code == 0, out
    assert "Thời hạn giải quyết: 20 ngày làm việc" in out
    assert "Công dân: 1 lần nộp, 2 lần đến cơ quan, 0 lần nộp tiền, 2 giấy tờ" in out
    assert "receiving → police  (sign_birth → police_residence)" in out


def test_cli_compare_prints_the_reduction_and_json() -> None:
    code, out = run("--compare", "2.000986")
    assert code == 0, out
    assert "so với làm riêng: 1.001193 + 1.004222 + L.000103" in out
    assert any(line.split()[-4:] == ["6", "2", "4", "66.7%"] for line in out.splitlines()
               if line.startswith("Lần đến cơ quan"))  # fmt: skip
    code, out = run("--compare", "L.000201", "1.000656", "1.003197", "2.000821", "--json")
    data = json.loads(out)
    assert data["figures"]["submissions"] == {"label": "Lần nộp hồ sơ", "separate": 3,
        "lienthong": 1, "reduction": 2, "reduction_pct": 66.7}  # fmt: skip
    assert data["deadline_working_days"]["separate_total"] == 13.0


def test_cli_file_and_bad_input(tmp_path) -> None:  # noqa: ANN001
    from bpmn.flows import MODELS

    path = tmp_path / "land.bpmn"
    path.write_bytes(MODELS["1.013831"].xml())
    code, out = run("--file", str(path), "--json")
    assert code == 0 and json.loads(out)["touchpoints"]["payments"] == 1
    code, out = run()
    assert code == 1 and "hãy cho mã thủ tục CODE" in out
    code, out = run("--compare", "1.001193")
    assert code == 1 and "hãy cho biết 1.001193 thay cho những thủ tục nào" in out


def test_cli_dossier(flow_engine: Engine, people: World, monkeypatch) -> None:  # noqa: ANN001
    d = finished_birth_dossier(flow_engine, people)
    monkeypatch.setattr(cli_analyse, "open_engine", lambda ctx: flow_engine)
    code, out = run("--dossier", d.code)
    assert code == 0, out
    assert "Thời gian đã qua: 1 ngày làm việc; chờ công dân 0; các cơ quan 1" in out
    assert f"{COMMUNE} → {POLICE}  (sign_birth → police_residence)" in out
    code, out = run("--dossier", d.code, "--json")
    assert json.loads(out)["human_steps_by_agency"] == {COMMUNE: 4, POLICE: 1}

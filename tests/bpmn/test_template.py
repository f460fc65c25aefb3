"""The standard one-stop template runs every path in SpiffWorkflow and is schema-valid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser import BpmnValidator
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

TEMPLATE = Path(__file__).parents[2] / "bpmn" / "templates" / "standard_one_stop.bpmn"
LT = "urn:lienthong:bpmn:1"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "lt": LT}


@pytest.fixture(scope="module")
def specs():
    parser = SpiffBpmnParser(validator=BpmnValidator())
    parser.add_bpmn_file(str(TEMPLATE))
    return parser.get_spec("standard_one_stop"), parser.get_subprocess_specs("standard_one_stop")


def _due(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


class Dossier:
    """Drive the template the way the engine does: set data, run, step twice for timers."""

    def __init__(self, specs, due_in_days: float = 5) -> None:
        self.workflow = BpmnWorkflow(*specs)
        self.workflow.do_engine_steps()
        self.trail: list[str] = []
        self.due = _due(due_in_days)

    def ready(self) -> list[str]:
        return sorted(
            t.task_spec.bpmn_id for t in self.workflow.get_tasks(state=TaskState.READY, manual=True)
        )

    def complete(self, task_id: str, decision: str = "complete", **data) -> None:
        tasks = [
            t
            for t in self.workflow.get_tasks(state=TaskState.READY, manual=True)
            if t.task_spec.bpmn_id == task_id
        ]
        assert tasks, f"{task_id} is not ready; ready: {self.ready()}"
        data.setdefault("dossier_due", self.due)
        tasks[0].set_data(decision=decision, **data)
        tasks[0].run()
        self.trail.append(task_id)
        self.workflow.do_engine_steps()
        self.workflow.do_engine_steps()  # an expired timer fires on the second pass


def test_template_is_schema_valid_and_has_lanes_with_roles():
    tree = etree.parse(str(TEMPLATE))
    BpmnValidator().validate(tree)  # raises ValidationException when not XSD-valid
    lanes = {
        lane.get("name"): (lane.get(f"{{{LT}}}role"), lane.get(f"{{{LT}}}agency"))
        for lane in tree.iterfind(".//bpmn:lane", NS)
    }
    assert lanes == {
        "Bộ phận Một cửa": ("one_stop_officer", "receiving"),
        "Chuyên viên thụ lý": ("specialist", "competent"),
        "Lãnh đạo": ("leader", "competent"),
    }
    process = tree.find("bpmn:process", NS)
    assert process.get("id") == "standard_one_stop" and process.get("isExecutable") == "true"
    shapes = {s.get("bpmnElement") for s in tree.iter("{*}BPMNShape")}
    edges = {e.get("bpmnElement") for e in tree.iter("{*}BPMNEdge")}
    kinds = ("Task", "Event", "Gateway", "subProcess", "lane")
    nodes = {n.get("id") for n in tree.iterfind(".//bpmn:*", NS) if n.tag.endswith(kinds)}
    flows = {f.get("id") for f in tree.iterfind(".//bpmn:sequenceFlow", NS)}
    assert nodes <= shapes and flows <= edges


def test_user_tasks_carry_lanes_forms_and_shares(specs):
    spec, subs = specs
    users = {
        ts.bpmn_id: ts.lane
        for s in [spec, *subs.values()]
        for ts in s.task_specs.values()
        if type(ts).__name__ == "UserTask"
    }
    assert users == {
        "receive": "Bộ phận Một cửa",
        "notify_refusal": "Bộ phận Một cửa",
        "supplement": "Bộ phận Một cửa",
        "return_result": "Bộ phận Một cửa",
        "apology_letter": "Bộ phận Một cửa",
        "appraise": "Chuyên viên thụ lý",
        "approve": "Lãnh đạo",
    }
    tree = etree.parse(str(TEMPLATE))
    shares = {
        t.get("id"): float(t.get(f"{{{LT}}}deadlineShare"))
        for t in tree.iterfind(".//bpmn:userTask", NS)
        if t.get(f"{{{LT}}}deadlineShare") is not None
    }
    assert shares == {"receive": 0, "appraise": 0.6, "approve": 0.2, "return_result": 0.2}
    forms_dir = Path(__file__).parents[2] / "forms"
    for task in tree.iterfind(".//bpmn:userTask", NS):
        form = task.get(f"{{{LT}}}form")
        if form:
            assert (forms_dir / f"{form}.json").is_file(), form


def test_happy_path_returns_result(specs):
    dossier = Dossier(specs)
    for step in ("receive", "appraise", "approve", "return_result"):
        dossier.complete(step)
    assert dossier.workflow.is_completed()
    assert dossier.trail == ["receive", "appraise", "approve", "return_result"]


@pytest.mark.parametrize(
    "steps",
    [
        [("receive", "refuse")],
        [("receive", "complete"), ("appraise", "refuse")],
        [("receive", "complete"), ("appraise", "complete"), ("approve", "refuse")],
    ],
    ids=["at-reception", "by-specialist", "by-leader"],
)
def test_refusal_paths_end_with_refusal_notice(specs, steps):
    dossier = Dossier(specs)
    for task_id, decision in steps:
        dossier.complete(task_id, decision)
    assert dossier.ready() == ["notify_refusal"]
    dossier.complete("notify_refusal")
    assert dossier.workflow.is_completed()
    ended = {t.task_spec.bpmn_id for t in dossier.workflow.get_tasks(state=TaskState.COMPLETED)}
    assert "refused" in ended and "result_returned" not in ended


def test_supplementation_loop_many_rounds(specs):
    dossier = Dossier(specs)
    dossier.complete("receive")
    for _ in range(4):
        dossier.complete("appraise", "supplement", missing_documents=["Tờ khai"])
        assert dossier.ready() == ["supplement"]
        dossier.complete("supplement")
        assert dossier.ready() == ["appraise"]
    dossier.complete("appraise")
    dossier.complete("approve")
    dossier.complete("return_result")
    assert dossier.workflow.is_completed()
    assert dossier.trail.count("supplement") == 4


def test_late_timer_opens_apology_while_processing(specs):
    dossier = Dossier(specs)
    dossier.complete("receive", dossier_due=_due(-1))
    assert dossier.ready() == ["apology_letter", "appraise"]
    dossier.complete("apology_letter")
    assert dossier.ready() == ["appraise"]  # fired once, processing goes on
    dossier.due = _due(-1)
    for step in ("appraise", "approve", "return_result"):
        dossier.complete(step)
    assert dossier.workflow.is_completed()


def test_timer_is_re_evaluated_after_supplementation(specs):
    dossier = Dossier(specs)
    dossier.complete("receive")
    assert dossier.ready() == ["appraise"]  # not due yet
    dossier.complete("appraise", "supplement")
    dossier.complete("supplement", dossier_due=_due(-0.5))  # the clock ran out meanwhile
    assert dossier.ready() == ["apology_letter", "appraise"]
    waiting = [t for t in dossier.workflow.get_tasks(state=TaskState.WAITING)]
    assert all(t.task_spec.bpmn_id != "late_timer" for t in waiting)


def test_timer_not_fired_before_due(specs):
    dossier = Dossier(specs, due_in_days=3)
    dossier.complete("receive")
    timers = [
        t for t in dossier.workflow.get_tasks(state=TaskState.WAITING)
        if t.task_spec.bpmn_id == "late_timer"
    ]  # fmt: skip
    assert len(timers) == 1 and dossier.ready() == ["appraise"]

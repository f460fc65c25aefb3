"""Each lint rule: a small model that breaks it gets the finding, the clean base gets none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpmn.lint import Finding, lint_model
from bpmn.lint_cli import model

BASE = (Path(__file__).parent / "data" / "lint_base.bpmn").read_text(encoding="utf-8")
TEMPLATE = Path(__file__).parents[2] / "bpmn" / "templates" / "standard_one_stop.bpmn"
OPS = {"population.lookup_citizen"}


def lint(text: str, **kwargs) -> list[Finding]:
    kwargs.setdefault("known_operations", OPS)
    kwargs.setdefault("form_exists", lambda form_id: True)
    return lint_model(text.encode("utf-8"), **kwargs)


def codes(findings: list[Finding]) -> set[tuple[str, str | None]]:
    return {(f.code, f.element_id) for f in findings}


def mutate(*pairs: tuple[str, str]) -> str:
    text = BASE
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


ORPHAN = '<bpmn:endEvent id="done"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>'


def test_clean_base_has_no_findings():
    assert lint(BASE) == []


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([('name="Leader" lt:role="leader"', 'name="Leader"')], ("E-LANE-ROLE", "approve")),
        ([("<bpmn:flowNodeRef>approve</bpmn:flowNodeRef>", "")], ("E-LANE-ROLE", "approve")),
        ([('lt:role="system"', 'lt:role="janitor"')], ("E-LANE-ROLE", "lane_system")),
        ([('name="System" ', 'name="Front" ')], ("E-LANE", "lane_system")),
        ([(ORPHAN, ORPHAN + '<bpmn:manualTask id="orphan"/>')], ("E-UNREACHABLE", "orphan")),
        ([('<bpmn:outgoing>f4</bpmn:outgoing>', ''),
          ('<bpmn:sequenceFlow id="f4" sourceRef="approve" targetRef="done" />', '')],
         ("E-DEAD-END", "approve")),
        ([('id="f4" sourceRef="approve" targetRef="done"', 'id="f4" sourceRef="approve" '
           'targetRef="receive"'), ('targetRef="refused"', 'targetRef="receive"')],
         ("E-NO-END", "approve")),
        ([("<bpmn:conditionExpression>decision == \"refuse\"</bpmn:conditionExpression>", "")],
         ("E-GATEWAY-CONDITION", "gw")),
        ([('default="f_ok"', 'default="f4"')], ("E-GATEWAY-DEFAULT", "gw")),
        ([('id="population.lookup_citizen"', 'id="tax.unknown"')],
         ("E-UNKNOWN-OPERATION", "svc")),
        ([('lt:deadlineShare="0.3"', 'lt:deadlineShare="1.5"')], ("E-DEADLINE-SHARE", "receive")),
        ([('lt:deadlineShare="0.3"', 'lt:deadlineShare="0.6"')], ("E-DEADLINE-SUM", "approve")),
        ([('lt:actions="refuse"', 'lt:actions="refuse delete"')], ("E-ACTIONS", "receive")),
        ([('decision == "refuse"', '__import__("os").system("x")')],
         ("E-EXPRESSION", "f_refuse")),
        ([('<bpmn:exclusiveGateway id="gw" default="f_ok">', '<bpmn:complexGateway id="gw" '
           'default="f_ok">'), ("</bpmn:exclusiveGateway>", "</bpmn:complexGateway>")],
         ("E-UNSUPPORTED", "gw")),
        ([('isExecutable="true"', 'isExecutable="false"')], ("E-NOT-EXECUTABLE", "lint_base")),
        ([("<bpmn:incoming>f1</bpmn:incoming>", "<bpmn:incoming>f1</bpmn:incoming><bpmn:bogus/>")],
         ("E-XSD", "receive")),
    ],
    ids=["lane-no-role", "task-no-lane", "unknown-role", "duplicate-lane", "unreachable",
         "dead-end", "no-end", "gateway-condition", "gateway-default", "unknown-operation",
         "share-range", "share-sum", "actions", "expression", "complex-gateway",
         "not-executable", "xsd"],
)  # fmt: skip
def test_rule_reports_the_element(pairs, expected):
    findings = lint(mutate(*pairs))
    assert expected in codes(findings)
    found = next(f for f in findings if (f.code, f.element_id) == expected)
    assert found.severity == "error" and found.message


def test_warnings_do_not_block():
    findings = lint(mutate(('lt:deadlineShare="0.5"', "")))
    assert [(f.severity, f.code, f.element_id) for f in findings] == [
        ("warning", "W-DEADLINE-MISSING", "approve")
    ]
    text = mutate(('default="f_ok"', ""), ('<bpmn:sequenceFlow id="f_ok" sourceRef="gw" '
                   'targetRef="svc" />', '<bpmn:sequenceFlow id="f_ok" sourceRef="gw" '
                   'targetRef="svc"><bpmn:conditionExpression>True</bpmn:conditionExpression>'
                   "</bpmn:sequenceFlow>"))  # fmt: skip
    assert codes(lint(text)) == {("W-GATEWAY-NO-DEFAULT", "gw")}


def test_service_task_without_operator():
    text = mutate(('<spiffworkflow:serviceTaskOperator id="population.lookup_citizen"',
                   '<spiffworkflow:serviceTaskOperator id=""'))  # fmt: skip
    assert ("E-SERVICE-OPERATION", "svc") in codes(lint(text))
    assert ("E-UNKNOWN-OPERATION", "svc") not in codes(lint(BASE, known_operations=OPS))
    assert lint(mutate(('id="population.lookup_citizen"', 'id="x.y"')), known_operations=None) == []


def test_forms_must_exist_and_be_valid_json_schema(tmp_path, monkeypatch):
    missing = lint(BASE, form_exists=lambda form_id: form_id != "approve")
    assert codes(missing) == {("E-FORM-MISSING", "approve")}
    (tmp_path / "broken_form.json").write_text(
        json.dumps({"schema": {"type": "object", "required": "opinion"}}), encoding="utf-8"
    )
    monkeypatch.setenv("LIENTHONG_FORMS_PATH", str(tmp_path))
    text = mutate(('lt:form="approve"', 'lt:form="broken_form"'))
    assert codes(lint(text)) == {("E-FORM-INVALID", "approve")}


def test_prefill_sources_must_be_registered_operations(tmp_path, monkeypatch):
    prefill = {"operation": "judicial_records.lookup_record", "param": "personal_id",
               "fill": {"full_name": "full_name"}}  # fmt: skip
    schema = {
        "type": "object",
        "properties": {
            "cccd": {"type": "string", "x-prefill": prefill},
            "full_name": {"type": "string"},
        },
    }
    (tmp_path / "approve.json").write_text(json.dumps({"schema": schema}), encoding="utf-8")
    monkeypatch.setenv("LIENTHONG_FORMS_PATH", str(tmp_path))
    assert codes(lint(BASE)) == {("E-PREFILL-OPERATION", "approve")}
    assert lint(BASE, known_operations=OPS | {"judicial_records.lookup_record"}) == []
    assert lint(BASE, known_operations=None) == []


def test_loop_without_wait_state_is_refused_but_loop_through_user_task_is_fine():
    spin = mutate(
        ('id="f3" sourceRef="svc" targetRef="approve"', 'id="f3" sourceRef="svc" targetRef="gw"'),
        ("<bpmn:incoming>f2</bpmn:incoming>", "<bpmn:incoming>f2</bpmn:incoming>"
         "<bpmn:incoming>f3</bpmn:incoming>"),
    )  # fmt: skip
    assert ("E-LOOP-NO-WAIT", "gw") in codes(lint(spin))
    back = mutate(('id="f3" sourceRef="svc" targetRef="approve"',
                   'id="f3" sourceRef="svc" targetRef="receive"'))  # fmt: skip
    assert not any(f.code == "E-LOOP-NO-WAIT" for f in lint(back))


def test_unquoted_timer_and_multiple_executable_processes():
    timer = mutate((ORPHAN, ORPHAN + '<bpmn:boundaryEvent id="late" attachedToRef="approve">'
                    '<bpmn:timerEventDefinition><bpmn:timeDuration>PT4H</bpmn:timeDuration>'
                    "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"))  # fmt: skip
    assert ("E-TIMER-UNQUOTED", "late") in codes(lint(timer))
    two = BASE.replace("</bpmn:definitions>", '<bpmn:process id="other" isExecutable="true">'
                       '<bpmn:startEvent id="s2"/></bpmn:process></bpmn:definitions>')  # fmt: skip
    assert ("E-MULTIPLE-EXECUTABLE", None) in codes(lint(two))
    assert not any(f.code == "E-MULTIPLE-EXECUTABLE" for f in lint(two, process_id="lint_base"))


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\xff garbage", b"<a/>", b"<?xml version='1.0'?><bpmn:definitions",
     b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "not bytes", None, b"\xef\xbb\xbf" * 10],
)  # fmt: skip
def test_garbage_never_raises(data):
    findings = lint_model(data)
    assert findings and all(f.severity == "error" and f.code == "E-XML" for f in findings)


def test_template_lints_without_errors_and_lanes_follow_spiffworkflow():
    findings = lint_model(TEMPLATE.read_bytes(), form_exists=lambda form_id: True)
    assert [f for f in findings if f.severity == "error"] == []
    assert {f.element_id for f in findings} == {"notify_refusal", "supplement", "apology_letter"}


def test_cli_prints_one_line_per_finding_and_sets_exit_code(tmp_path):
    runner = CliRunner()
    good = tmp_path / "good.bpmn"
    good.write_text(BASE.replace('lt:form="receive" ', "").replace('lt:form="approve" ', ""),
                    encoding="utf-8")  # fmt: skip
    result = runner.invoke(model, ["lint", str(good), "--no-operations"])
    assert result.exit_code == 0, result.output
    bad = tmp_path / "bad.bpmn"
    bad.write_text(mutate(('lt:deadlineShare="0.3"', 'lt:deadlineShare="x"')), encoding="utf-8")
    result = runner.invoke(model, ["lint", str(bad), "--no-operations"])
    assert result.exit_code == 1
    assert "error E-DEADLINE-SHARE receive: lt:deadlineShare='x'" in result.output
    result = runner.invoke(model, ["lint", str(tmp_path / "missing.bpmn")])
    assert result.exit_code == 1 and result.output.startswith("error E-FILE -: không đọc được")
    assert result.exception is None or isinstance(result.exception, SystemExit)


def with_wait(attr: str, time: str = '<bpmn:timeDuration>"P2D"</bpmn:timeDuration>') -> str:
    """The base with a timer between receive and the gateway; `attr` goes on the event."""
    wait = (f'<bpmn:intermediateCatchEvent id="wait" {attr}><bpmn:incoming>f2</bpmn:incoming>'
            '<bpmn:outgoing>f2b</bpmn:outgoing><bpmn:timerEventDefinition id="wait_def">'
            f"{time}</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>")  # fmt: skip
    return mutate(
        ("<bpmn:flowNodeRef>gw</bpmn:flowNodeRef>",
         "<bpmn:flowNodeRef>wait</bpmn:flowNodeRef><bpmn:flowNodeRef>gw</bpmn:flowNodeRef>"),
        ("<bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f_refuse",
         "<bpmn:incoming>f2b</bpmn:incoming><bpmn:outgoing>f_refuse"),
        ('<bpmn:sequenceFlow id="f2" sourceRef="receive" targetRef="gw" />',
         '<bpmn:sequenceFlow id="f2" sourceRef="receive" targetRef="wait" />'
         '<bpmn:sequenceFlow id="f2b" sourceRef="wait" targetRef="gw" />' + wait),
    )  # fmt: skip


@pytest.mark.parametrize("attr", ['lt:workingDays="3"', 'lt:workingHours="4.5"', ""])
def test_working_time_timers_are_clean(attr: str) -> None:
    assert lint(with_wait(attr)) == []


def test_working_time_on_the_timer_definition_is_clean() -> None:
    text = with_wait("").replace('id="wait_def"', 'id="wait_def" lt:workingDays="1"')
    assert lint(text) == []


@pytest.mark.parametrize(
    ("attr", "time", "message"),
    [
        ('lt:workingDays="0"', None, "lớn hơn 0"),
        ('lt:workingDays="-2"', None, "lớn hơn 0"),
        ('lt:workingHours="bốn"', None, "lớn hơn 0"),
        ('lt:workingDays="2" lt:workingHours="4"', None, "không được đặt cùng lúc"),
        ('lt:workingDays="2"', '<bpmn:timeDate>"2026-09-01T08:00:00+07:00"</bpmn:timeDate>',
         "mâu thuẫn với timeDate"),
        ('lt:workingDays="2"', '<bpmn:timeCycle>"R3/PT1H"</bpmn:timeCycle>',
         "mâu thuẫn với timeCycle"),
    ],
)  # fmt: skip
def test_bad_working_time_timers(attr: str, time: str | None, message: str) -> None:
    text = with_wait(attr) if time is None else with_wait(attr, time)
    found = [f for f in lint(text) if f.code == "E-TIMER-WORKING"]
    assert [(f.element_id, f.severity) for f in found] == [("wait", "error")]
    assert message in found[0].message


def test_working_time_outside_a_timer_event() -> None:
    text = mutate(('name="Approve"', 'name="Approve" lt:workingDays="2"'))
    assert codes(lint(text)) == {("E-TIMER-WORKING", "approve")}


def test_working_time_without_a_duration() -> None:
    text = with_wait('lt:workingDays="2"', "")
    assert ("E-TIMER-WORKING", "wait") in codes(lint(text))

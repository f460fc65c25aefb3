"""Scripts run confined; expressions and service calls go through LiênThông's own rules."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.errors import AdapterError, InvalidInput, NotAllowed, UnsafeExpression
from engine.model_parser import parse_model
from engine.sandbox import ScriptLimits, check_script, run_script
from engine.script_engine import LienThongScriptEngine

DATA = Path(__file__).parent / "data" / "bpmn"
# The wall limit is generous: on a busy machine one CPU second can take several wall
# seconds, and these tests are about the CPU and memory limits, not the wall clock.
FAST = ScriptLimits(wall_seconds=30.0, cpu_seconds=1, memory_bytes=64 * 2**20)


def test_script_computes_new_data_and_can_delete():
    result = run_script("total = fee * 2\nnames = [d.upper() for d in docs]\ndel tmp", {
        "fee": 3, "docs": ["a", "b"], "tmp": 1,
    })  # fmt: skip
    assert result == {"fee": 3, "docs": ["a", "b"], "total": 6, "names": ["A", "B"]}


def test_script_sees_injected_functions_but_does_not_return_them():
    result = run_script("due = working_days(3)", {}, functions={"working_days": lambda n: n * 7})
    assert result == {"due": 21}


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        ("x = ().__class__.__base__.__subclasses__()", "__class__"),
        ("os = __import__('os')", "__import__"),
        ("import os", "import không được dùng"),
        ("from os import system", "import không được dùng"),
        ("x = getattr(1, 'real')", "tên 'getattr' không được dùng"),
        ("x = '{0.__class__}'.format(1)", "format"),
        ("x = __builtins__", "__builtins__"),
        ("x = type(1)", "tên 'type' không được dùng"),
        ("class A:\n    pass", "định nghĩa class không được dùng"),
        ("exec('import os')", "tên 'exec' không được dùng"),
        ("x = eval('1')", "tên 'eval' không được dùng"),
        ("f = open('/etc/passwd')", "tên 'open' không được dùng"),
        ("def g():\n    yield 1", "yield không được dùng"),
        ("global x", "global không được dùng"),
        ("x = (lambda: 0).__code__", "__code__"),
        ("x = [].__class__.__mro__", "__class__"),
        ("with x:\n    pass", "with không được dùng"),
        ("x = ", "sai cú pháp ở dòng 1"),
    ],
)
def test_known_escapes_are_refused_before_running(script, reason):
    problems = check_script(script)
    assert any(reason in problem for problem in problems), problems
    with pytest.raises(UnsafeExpression, match="script không được phép"):
        run_script(script, {"x": 1})


def test_runtime_attribute_tricks_are_blocked_by_the_guards():
    # A string built at runtime cannot reach a dunder: there is no getattr at all.
    with pytest.raises(InvalidInput, match="NameError"):
        run_script("name = '__' + 'class__'\nx = getattr_(1, name)", {})


def test_infinite_loop_hits_the_cpu_limit_and_the_caller_survives():
    with pytest.raises(UnsafeExpression, match=r"thời gian CPU cho phép \(1 giây\)"):
        run_script("while True:\n    pass", {}, limits=FAST)
    assert run_script("y = 1", {}) == {"y": 1}


def test_wall_clock_limit_kills_a_slow_script():
    limits = ScriptLimits(wall_seconds=0.3, cpu_seconds=10)
    with pytest.raises(UnsafeExpression, match=r"quá thời gian cho phép \(0\.3 giây\)"):
        run_script("while True:\n    pass", {}, limits=limits)


@pytest.mark.parametrize("script", ["a = 'a' * 10**10", "a = [0] * 10**9", "a = 10**10**8"])
def test_memory_bomb_hits_the_memory_limit(script):
    with pytest.raises(UnsafeExpression, match=r"bộ nhớ cho phép \(64 MiB\)|thời gian CPU"):
        run_script(script, {}, limits=FAST)


def test_script_errors_name_the_line():
    with pytest.raises(InvalidInput, match="ở dòng 2: ZeroDivisionError"):
        run_script("a = 1\nb = a / 0", {})


def test_runaway_recursion_is_a_clear_error():
    with pytest.raises(InvalidInput, match="RecursionError"):
        run_script("def f(n):\n    return f(n + 1)\nf(0)", {})


def test_non_json_results_and_inputs_are_refused():
    with pytest.raises(InvalidInput, match="biến 's' chứa giá trị kiểu set"):
        run_script("s = {1, 2}", {})
    with pytest.raises(InvalidInput, match="không phải dữ liệu JSON"):
        run_script("y = 1", {"when": object()})


def test_huge_output_is_refused():
    limits = ScriptLimits(max_output_bytes=10_000)
    with pytest.raises(InvalidInput, match=r"hơn 10\.000 byte"):
        run_script("big = 'x' * 20000", {}, limits=limits)


def test_scripts_cannot_touch_the_parent_process():
    before = os.getpid()
    run_script("x = 1", {})
    assert os.getpid() == before


# --- the engine inside SpiffWorkflow -----------------------------------------------------


def start(name: str, **engine_kwargs):
    model = parse_model((DATA / name).read_bytes())
    engine = LienThongScriptEngine(script_limits=FAST, **engine_kwargs)
    workflow = BpmnWorkflow(model.spec, model.subprocess_specs, script_engine=engine)
    workflow.do_engine_steps()
    return workflow


def complete(workflow, bpmn_id: str, **data):
    (task,) = [
        t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.bpmn_id == bpmn_id
    ]
    task.set_data(**data)
    task.run()
    workflow.do_engine_steps()
    return task


def ready_ids(workflow):
    return sorted(t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY))


def test_script_task_runs_confined_and_updates_task_data():
    workflow = start("script_ok.bpmn", service_handler=lambda task, op, params: params)
    complete(workflow, "receive", decision="complete", fee=10, dossier_code="ABC")
    (service,) = workflow.get_tasks(state=TaskState.READY)
    assert service.task_spec.bpmn_id == "register"
    assert service.data["fee"] == 10 * 2 + 3


def test_runaway_script_task_errors_and_the_engine_can_report_it():
    workflow = start("script_loop.bpmn")
    with pytest.raises(UnsafeExpression, match="thời gian CPU") as caught:
        complete(workflow, "receive", decision="complete", fee=1, dossier_code="A")
    assert caught.value.bpmn_id == "compute"
    (failed,) = workflow.get_tasks(state=TaskState.ERROR)
    assert failed.task_spec.bpmn_id == "compute"


def test_gateway_condition_uses_the_restricted_language():
    workflow = start("small_valid.bpmn")
    complete(workflow, "receive", decision="refuse")
    assert workflow.is_completed()
    finished = {t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.COMPLETED)}
    assert "refused_end" in finished and "register" not in finished


def test_gateway_condition_on_missing_data_is_a_clear_error():
    workflow = start("small_valid.bpmn")
    with pytest.raises(InvalidInput, match="tên 'decision' chưa được định nghĩa") as caught:
        complete(workflow, "receive")
    assert caught.value.bpmn_id == "decide"


def test_scripts_get_only_script_functions_and_the_clock():
    engine = LienThongScriptEngine(
        functions={"working_days": lambda n: n},
        script_functions={"double": lambda n: 2 * n},
        clock=lambda: datetime(2025, 3, 1, 2, 0, tzinfo=UTC),
    )
    data = {"n": 4}
    engine.environment.execute("d = double(n)\nday = today()", data)
    assert data == {"n": 4, "d": 8, "day": "2025-03-01"}
    assert engine.environment.evaluate("working_days(n) + 1", data) == 5
    with pytest.raises(InvalidInput, match="NameError"):
        engine.environment.execute("w = working_days(n)", data)


def test_environment_is_safe_when_spiff_calls_it_directly():
    engine = LienThongScriptEngine()
    with pytest.raises(UnsafeExpression):
        engine.environment.evaluate("__import__('os').getcwd()", {})
    with pytest.raises(UnsafeExpression):
        engine.validate("().__class__")


def test_service_task_stops_engine_steps_and_calls_the_handler_with_params():
    calls = []

    def handler(task, operation, params):
        calls.append((task.task_spec.bpmn_id, operation, params))
        return {"receipt": "R-1"}

    workflow = start("small_valid.bpmn", service_handler=handler)
    complete(workflow, "receive", decision="complete", dossier_code="D-1", fee=7)
    assert ready_ids(workflow) == ["register"] and calls == []
    complete(workflow, "register")
    assert calls == [
        ("register", "portal.register", {
            "dossier": {"value": "D-1", "type": "str"}, "fee": {"value": 14, "type": "int"},
        }),
    ]  # fmt: skip
    assert workflow.is_completed()
    assert workflow.last_task.data["registration"] == {"receipt": "R-1"}


@pytest.mark.parametrize(
    ("handler", "error", "message"),
    [
        (lambda t, o, p: 1 / 0, AdapterError, "'portal.register' lỗi: ZeroDivisionError"),
        (lambda t, o, p: {"when": object()}, AdapterError, "không phải JSON"),
        (None, AdapterError, "không có bộ xử lý dịch vụ"),
    ],
)
def test_service_failures_are_reported_not_masked(handler, error, message):
    workflow = start("small_valid.bpmn", service_handler=handler)
    complete(workflow, "receive", decision="complete", dossier_code="D-1", fee=7)
    with pytest.raises(error, match=message) as caught:
        complete(workflow, "register")
    assert not isinstance(caught.value, NameError)
    assert caught.value.bpmn_id == "register"
    assert [t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.ERROR)] == ["register"]


def test_service_lienthong_errors_pass_through_unchanged():
    refusal = NotAllowed("partner refused")

    def handler(task, operation, params):
        raise refusal

    workflow = start("small_valid.bpmn", service_handler=handler)
    complete(workflow, "receive", decision="complete", dossier_code="D-1", fee=7)
    with pytest.raises(NotAllowed) as caught:
        complete(workflow, "register")
    assert caught.value is refusal


def test_timer_expression_is_evaluated_by_the_restricted_language():
    before = datetime.now(UTC)
    workflow = start("small_valid.bpmn")
    (event,) = workflow.waiting_events()
    assert event.event_type == "DurationTimerEventDefinition"
    due = datetime.fromisoformat(event.value)  # SpiffWorkflow's due time from "PT4H"
    assert timedelta(hours=4) <= due - before < timedelta(hours=4, minutes=1)

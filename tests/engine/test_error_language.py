"""The engine's errors that officers, designers and citizens read are written in Vietnamese.

The web UI and the CLI show an engine error as it is (``str(exc)``: a flash on the task board,
the incident page, the studio, a citizen's payment page), so the text is Vietnamese at the
source. Read from the source of each module below, so a new English message fails here; the
error classes and their ``code`` stay as they are (callers and the API branch on those).
Add a new module here once its messages are Vietnamese. The command modules in
``CLI_MODULES`` are read for what they print too (``click.echo``, prompts, ``engine/cli.py``'s
``lỗi:``/``cảnh báo:`` lines); their ``--help`` texts stay English like every command's. The
demo's printed report is read from a real run (``tests/engine/test_cli.py``). Text that
comes from a library as it is (lxml's XML errors, SpiffWorkflow's, RestrictedPython's,
Python's own exceptions inside an expression or a script) stays as the library wrote it,
after a Vietnamese lead-in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.language import english, messages

ENGINE = Path(__file__).resolve().parents[2] / "engine"
#: Modules whose every message is Vietnamese.
MODULES = [
    "accounts.py",
    "analysis.py",
    "api_clients.py",
    "calendar.py",
    "calendar_config.py",
    "calendar_days.py",
    "cli.py",
    "cli_analyse.py",
    "cli_common.py",
    "cli_dossier.py",
    "comments.py",
    "data_access.py",
    "demo_run.py",
    "directory.py",
    "documents.py",
    "expressions.py",
    "incidents.py",
    "lane_agencies.py",
    "metrics_ratings.py",
    "migrate.py",
    "model_parser.py",
    "model_sandbox.py",
    "model_versions.py",
    "officer_desk.py",
    "online.py",
    "passwords.py",
    "payments.py",
    "queries.py",
    "reuse.py",
    "runtime.py",
    "sandbox.py",
    "saved_filters.py",
    "script_engine.py",
    "service_jobs.py",
    "settings.py",
    "steps.py",
    "task_actions.py",
    "working_timers.py",
    "xml_safety.py",
]
#: Command modules whose printed results and prompts are Vietnamese too.
CLI_MODULES = ["cli.py", "cli_analyse.py", "cli_api.py", "cli_common.py", "cli_demo.py",
               "cli_dossier.py", "cli_task.py", "cli_user.py", "cli_worker.py"]  # fmt: skip
#: The engine's error classes (any ``…Error`` is counted too).
BUILDERS = {
    "InvalidInput", "NotFound", "NotAllowed", "Conflict", "TaskNotReady", "UnknownProcedure",
    "UnsafeExpression", "InvalidModel", "BadSignature", "ScopeError", "AuthError",
    "AuthenticationFailed", "AccountLocked",
}  # fmt: skip


def test_every_listed_module_has_messages() -> None:
    counts = {m: len(messages(ENGINE / m, BUILDERS)) for m in MODULES}
    assert all(counts.values()), counts


@pytest.mark.parametrize("module", MODULES)
def test_messages_are_in_vietnamese(module: str) -> None:
    assert english(ENGINE / module, BUILDERS) == [], f"engine/{module}: messages in English"


@pytest.mark.parametrize("module", CLI_MODULES)
def test_commands_print_in_vietnamese(module: str) -> None:
    printed = english(ENGINE / module, {*BUILDERS, "echo", "prompt", "_warn"})
    assert printed == [], f"engine/{module}: printed in English"


def test_a_job_and_a_fee_state_are_said_in_vietnamese() -> None:
    from engine.incidents import JOB_STATES
    from engine.payments import FEE_STATES
    from engine.reuse import LOOKUP_STATES
    from tests.language import is_vietnamese

    words = [*JOB_STATES.values(), *FEE_STATES.values(), *LOOKUP_STATES.values()]
    assert [w for w in words if not is_vietnamese(w)] == []
    assert set(FEE_STATES) == {"unpaid", "pending", "paid", "failed"}

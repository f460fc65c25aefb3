"""The ``lienthong`` command line on a temporary SQLite database, through click's CliRunner."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from importlib.metadata import EntryPoint
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, inspect, text

from engine import cli as cli_module
from engine import migrate
from engine.cli import cli
from tests.language import is_vietnamese

DATA = Path(__file__).parent / "data" / "cli"
BIRTH, MARRIAGE = "1.001193", "1.000894"
COMMUNE = "000.21.01.H56"  # Phú Lợi: officers phuloi.motcua, phuloi.chuyenvien, phuloi.lanhdao


class Lt:
    """Run ``lienthong`` against one database, as a user would type it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str) -> Result:
        return self.runner.invoke(cli, ["--database-url", self.url, *args], catch_exceptions=False)

    def ok(self, *args: str) -> Result:
        result = self(*args)
        assert result.exit_code == 0, result.output
        return result

    def fails(self, *args: str, says: str) -> str:
        """Run a command that must fail with one clear line on stderr and exit status 1."""
        result = self(*args)
        assert result.exit_code == 1, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("lỗi: "), result.stderr
        assert "Traceback" not in result.output
        assert says in lines[0], lines[0]
        return lines[0]

    def json(self, *args: str) -> object:
        return json.loads(self.ok(*args, "--json").stdout)

    def submit(self, procedure: str = BIRTH) -> str:
        out = self.json(
            "dossier", "submit", procedure,
            "--data", str(DATA / "birth_form.json"),
            "--applicant", str(DATA / "applicant.json"),
            "--agency", COMMUNE, "--user", "phuloi.motcua",
        )  # fmt: skip
        return out["code"]

    def only_task(self, code: str, step: str) -> str:
        tasks = self.json("task", "list", "--dossier", code)
        assert [t["step"] for t in tasks] == [step], tasks
        return tasks[0]["id"]

    def work(self, code: str, step: str, user: str, data: str | None = None, *extra: str) -> None:
        args = ["task", "complete", self.only_task(code, step), "--user", user, *extra]
        self.ok(*args, *(["--data", str(DATA / data)] if data else []))


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "seeded.sqlite"
    lt = Lt(f"sqlite:///{path}")
    lt.ok("db", "upgrade")
    lt.ok("demo", "seed")
    return path


@pytest.fixture
def lt(seeded_template: Path, tmp_path: Path) -> Lt:
    """A migrated, seeded database of this test's own."""
    path = tmp_path / "lienthong.sqlite"
    shutil.copy(seeded_template, path)
    return Lt(f"sqlite:///{path}")


def _command_paths(group: click.Group, ctx: click.Context, prefix: tuple[str, ...] = ()):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield (*prefix, name), command
        if (
            isinstance(command, click.Group)
            and command.name
            and not prefix
            and name in cli.commands
        ):
            yield from _command_paths(command, ctx, (*prefix, name))


def test_every_builtin_command_has_help() -> None:
    ctx = click.Context(cli)
    paths = [p for p, _ in _command_paths(cli, ctx) if p[0] in cli.commands]
    assert ("task", "complete") in paths and ("demo", "run") in paths and ("tick",) in paths
    runner = CliRunner()
    for path in paths:
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage: " in result.output and "--help" in result.output


def test_db_upgrade_current_and_check(tmp_path: Path) -> None:
    lt = Lt(f"sqlite:///{tmp_path / 'sub' / 'fresh.sqlite'}")
    assert "chưa có lược đồ" in lt.ok("db", "current").stdout
    lt.fails("task", "list", says="hãy chạy `lienthong db upgrade`")
    head = migrate.head()
    assert f"cơ sở dữ liệu ở phiên bản {head}" in lt.ok("db", "upgrade").stdout
    assert lt.ok("db", "current").stdout.strip() == f"{head} (mới nhất)"
    assert "lược đồ khớp với các mô hình" in lt.ok("db", "check").stdout
    again = lt.ok("db", "upgrade").stdout  # a no-op the 2nd time
    assert f"cơ sở dữ liệu ở phiên bản {head}" in again


def test_demo_run_needs_the_seed(tmp_path: Path) -> None:
    lt = Lt(f"sqlite:///{tmp_path / 'unseeded.sqlite'}")
    lt.ok("db", "upgrade")
    lt.fails("demo", "run", "--dossiers", "1", says="hãy chạy `lienthong demo seed` trước")


def test_db_check_fails_when_a_table_is_missing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    lt = Lt(url)
    lt.ok("db", "upgrade")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE service_calls"))
    engine.dispose()
    lt.fails("db", "check", says="cơ sở dữ liệu khác các mô hình ở")


def _snapshot(url: str) -> dict[str, list]:
    engine = create_engine(url)
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        snap = {t: sorted(map(repr, conn.execute(text(f'SELECT * FROM "{t}"')))) for t in tables}
    engine.dispose()
    return snap


def test_demo_seed_is_idempotent_and_uses_real_deadlines(lt: Lt) -> None:
    before = _snapshot(lt.url)
    assert "7 cơ quan, 22 cán bộ" in lt.ok("demo", "seed").stdout
    assert _snapshot(lt.url) == before
    summary = lt.json("demo", "seed")
    assert summary["procedures"][BIRTH] == 1 and summary["procedures"][MARRIAGE] == 1
    engine = create_engine(lt.url)
    with engine.connect() as conn:
        rows = dict(
            (code, (amount, unit))
            for code, amount, unit in conn.execute(
                text("SELECT code, deadline_amount, deadline_unit FROM procedures")
            )
        )
        agencies = {c for (c,) in conn.execute(text("SELECT code FROM agencies"))}
        roles = {r for (r,) in conn.execute(text("SELECT roles FROM users"))}
    engine.dispose()
    assert rows[BIRTH] == (0, "working_days") and rows[MARRIAGE] == (1, "working_days")
    assert len(rows) >= 5 and "000.00.01.H56" in agencies and COMMUNE in agencies
    assert {json.loads(r)[0] for r in roles} == {
        "one_stop_officer", "specialist", "head_of_unit", "leader", "admin",
    }  # fmt: skip


def test_submit_work_and_show_a_dossier_to_its_result(lt: Lt) -> None:
    code = lt.submit()
    assert code.startswith(f"{COMMUNE}-") and len(code.split("-")[-1]) == 4
    task = lt.json("task", "list", "--dossier", code)[0]
    assert (task["step"], task["role"], task["agency"]) == ("receive", "one_stop_officer", COMMUNE)
    assert task["due"] is not None
    lt.work(code, "receive", "phuloi.motcua")
    lt.work(code, "appraise", "phuloi.chuyenvien", "appraise_ok.json")
    lt.work(code, "approve", "phuloi.lanhdao")
    lt.work(code, "return_result", "phuloi.motcua")
    shown = lt.json("dossier", "show", code)
    assert shown["status"] == "result_returned" and shown["outcome"] == "settled"
    assert shown["open_tasks"] == [] and len(shown["done_tasks"]) == 4
    assert shown["applicant"]["personal_id"] == "074096086598"
    assert shown["data"]["child_name"] == "Nguyễn Minh An"
    text_out = lt.ok("dossier", "show", code).stdout
    assert "result_returned (settled)" in text_out
    assert "phuloi.lanhdao   complete [approve]" in text_out
    assert "công việc đang mở (0)" in text_out


def test_task_list_filters(lt: Lt) -> None:
    birth, marriage = lt.submit(BIRTH), lt.submit(MARRIAGE)
    assert len(lt.json("task", "list", "--role", "one_stop_officer", "--agency", COMMUNE)) == 2
    assert [t["dossier"] for t in lt.json("task", "list", "--procedure", MARRIAGE)] == [marriage]
    assert lt.json("task", "list", "--role", "leader") == []
    lt.ok("task", "claim", lt.only_task(birth, "receive"), "--user", "phuloi.motcua")
    assert [t["dossier"] for t in lt.json("task", "list", "--user", "phuloi.motcua")] == [birth]
    assert [t["dossier"] for t in lt.json("task", "list", "--unassigned")] == [marriage]
    assert lt.json("task", "list", "--overdue", "--dossier", birth) == []
    listing = lt.ok("task", "list").stdout
    assert birth in listing and marriage in listing and "phuloi.motcua" in listing
    assert lt.ok("task", "list", "--role", "nobody").stdout.strip() == "không có công việc đang mở"


def test_supplementation_round_then_refusal(lt: Lt) -> None:
    code = lt.submit()
    lt.work(code, "receive", "phuloi.motcua")
    lt.work(
        code, "appraise", "phuloi.chuyenvien", "appraise_missing.json", "--action", "supplement"
    )
    shown = lt.json("dossier", "show", code)
    assert shown["status"] == "supplement_requested" and shown["paused_since"] is not None
    lt.work(code, "supplement", "phuloi.motcua", "supplemented.json")
    assert lt.json("dossier", "show", code)["paused_since"] is None
    lt.work(code, "appraise", "phuloi.chuyenvien", "refuse.json", "--action", "refuse")
    lt.work(code, "notify_refusal", "phuloi.motcua")
    shown = lt.json("dossier", "show", code)
    assert (shown["status"], shown["outcome"]) == ("refused", "refused")
    actions = [e["action"] for e in shown["history"]]
    assert "clock_paused" in actions and "clock_resumed" in actions


def test_claim_release_assign(lt: Lt) -> None:
    code = lt.submit()
    task = lt.only_task(code, "receive")
    assert (
        "đã được nhận bởi phuloi.motcua"
        in lt.ok("task", "claim", task, "--user", "phuloi.motcua").stdout
    )
    lt.fails("task", "claim", task, "--user", "admin", says="đã được nhận bởi phuloi.motcua")
    lt.fails("task", "release", task, "--user", "thudaumot.motcua", says="do phuloi.motcua giữ")
    assert "đã trả lại hàng đợi" in lt.ok("task", "release", task, "--user", "phuloi.motcua").stdout
    out = lt.ok("task", "assign", task, "--to", "phuloi.motcua", "--user", "phuloi.truongphong")
    assert "đã giao cho phuloi.motcua" in out.stdout
    lt.fails(
        "task", "assign", task, "--to", "phuloi.lanhdao", "--user", "admin", says="cần vai trò"
    )


def test_withdraw(lt: Lt) -> None:
    code = lt.submit()
    assert lt.ok("dossier", "withdraw", code, "--reason", "Công dân rút hồ sơ").stdout.split() == [
        code, "withdrawn",
    ]  # fmt: skip
    assert lt.json("task", "list", "--dossier", code) == []
    lt.fails("dossier", "withdraw", code, "--reason", "again", says="đã rút, không rút được nữa")


def test_tick_marks_a_dossier_late_and_opens_the_apology(lt: Lt) -> None:
    code = lt.submit()
    lt.work(code, "receive", "phuloi.motcua")
    early = lt.ok("tick", "--now", "2000-01-03T08:00").stdout  # the receipt's notice may go out
    assert "dossier_late" not in early and "bpmn" not in early
    again = lt.ok("tick", "--now", "2000-01-03T08:00").stdout
    assert again.strip() == "không có việc nào đến hạn"
    fired = lt.ok("tick", "--now", "2099-01-05T08:00").stdout
    assert "dossier_late: 1" in fired and "bpmn: 1" in fired
    shown = lt.json("dossier", "show", code)
    assert shown["late"] is True
    assert sorted(t["step"] for t in shown["open_tasks"]) == ["apology_letter", "appraise"]
    assert "TRỄ HẠN" in lt.ok("dossier", "show", code).stdout
    overdue = lt.json("task", "list", "--dossier", code, "--overdue", "--now", "2099-01-05T08:00")
    assert [t["step"] for t in overdue] == ["appraise"]  # the apology has time of its own
    assert lt.json("task", "list", "--dossier", code, "--near-due", "--now", "2000-01-03") == []


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["dossier", "submit", "9.999999", "--applicant-name", "A"],
            "9.999999 chưa được triển khai",
        ),
        (["dossier", "submit", BIRTH], "cần người nộp hồ sơ"),
        (
            [
                "dossier",
                "submit",
                BIRTH,
                "--applicant-name",
                "A",
                "--data",
                str(DATA / "broken.json"),
            ],
            "không phải JSON hợp lệ (dòng 1",
        ),
        (
            [
                "dossier",
                "submit",
                BIRTH,
                "--applicant-name",
                "A",
                "--data",
                str(DATA / "nope.json"),
            ],
            "không đọc được tệp dữ liệu",
        ),
        (
            ["dossier", "submit", BIRTH, "--applicant", str(DATA / "not_an_object.json")],
            "phải chứa một đối tượng JSON, không phải list",
        ),
        (["dossier", "submit", BIRTH, "--applicant-name", " "], "cần họ tên người nộp hồ sơ"),
        (["dossier", "show", "000.21.01.H56-000000-9999"], "không có hồ sơ"),
        (
            ["task", "complete", "no-such-task", "--user", "admin"],
            "không có công việc no-such-task",
        ),
        (["tick", "--now", "yesterday"], "không phải thời điểm dạng ISO"),
    ],
)
def test_bad_input_gets_one_clear_line(lt: Lt, args: list[str], says: str) -> None:
    lt.fails(*args, says=says)


def test_task_errors_get_one_clear_line(lt: Lt) -> None:
    code = lt.submit()
    receive = lt.only_task(code, "receive")
    lt.fails("task", "complete", receive, "--user", "phuloi.chuyenvien", says="cần vai trò")
    lt.fails("task", "complete", receive, "--user", "ghost", says="không tồn tại hoặc đã bị khóa")
    lt.ok("task", "complete", receive, "--user", "phuloi.motcua")
    lt.fails("task", "complete", receive, "--user", "phuloi.motcua", says="đã được xử lý")
    appraise = lt.only_task(code, "appraise")
    line = lt.fails("task", "complete", appraise, "--user", "phuloi.chuyenvien", says="còn lỗi")
    assert "opinion" in line
    lt.fails(
        "task", "complete", appraise, "--user", "phuloi.chuyenvien", "--action", "refuse",
        says="từ chối phải ghi rõ lý do",
    )  # fmt: skip
    lt.fails(
        "task", "complete", appraise, "--user", "phuloi.chuyenvien", "--action", "supplement",
        says="hãy ghi những giấy tờ còn thiếu",
    )  # fmt: skip
    assert [t["step"] for t in lt.json("task", "list", "--dossier", code)] == ["appraise"]


def test_settings_errors_get_one_clear_line(lt: Lt, monkeypatch: pytest.MonkeyPatch) -> None:
    Lt("nosuchdb://x").fails("task", "list", says="không dùng được URL cơ sở dữ liệu")
    monkeypatch.setenv("LIENTHONG_MAX_BPMN_BYTES", "lots")
    lt.fails("task", "list", says="cấu hình không hợp lệ")


def test_demo_run_pushes_dossiers_through(lt: Lt) -> None:
    args = ["demo", "run", "--dossiers", "5", "--seed", "3", "--start", "2026-11-23T07:30"]
    report = lt.json(*args)
    assert report["dossiers"] == 5 and report["errors"] == []
    assert sum(report["by_status"].values()) == 5 and report["unfinished"] == 0
    assert set(report["by_status"]) <= {"result_returned", "refused"}
    assert report["on_time"] + report["late"] == 5 and report["late"] >= 1
    assert report["apologies"] >= 1 and report["refusals"] >= 1
    assert report["supplement_rounds"] >= 1
    assert report["tasks_completed"] >= 5 * 3 and report["steps"] >= report["tasks_completed"]
    assert report["dossiers_per_s"] > 0
    for code in report["codes"]:
        assert lt.json("dossier", "show", code)["status"] in ("result_returned", "refused")
    again = lt.json(*args)  # the same seed tells the same story (with new dossier codes)
    for key in ("by_status", "by_outcome", "by_procedure", "late", "supplement_rounds"):
        assert again[key] == report[key], key
    assert set(again["codes"]).isdisjoint(report["codes"])
    text_out = lt.ok("demo", "run", "--dossiers", "2", "--start", "2026-11-25T09:00").stdout
    assert "hồ sơ         2" in text_out and "hồ sơ/giây" in text_out
    labels = [line[:14].strip() for line in text_out.splitlines()]
    assert labels and all(is_vietnamese(label) for label in labels), labels


def hello() -> None:
    """A plugin command for the tests."""
    click.echo("hello from a plugin")


hello_command = click.command("hello")(hello)
NOT_A_COMMAND = 42


def test_broken_plugins_warn_and_the_rest_works(monkeypatch: pytest.MonkeyPatch) -> None:
    group = "lienthong.cli"
    points = [
        EntryPoint("hello", f"{__name__}:hello_command", group),
        EntryPoint("broken", "no_such_module_for_lienthong:cmd", group),
        EntryPoint("number", f"{__name__}:NOT_A_COMMAND", group),
        EntryPoint("db", f"{__name__}:hello_command", group),
    ]
    monkeypatch.setattr(cli_module, "entry_points", lambda group: points)
    monkeypatch.setattr(cli, "_plugins", None)
    runner = CliRunner()
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "hello" in result.stdout and "broken" not in result.stdout
    assert "lệnh bổ sung 'broken'" in result.stderr and "không nạp được" in result.stderr
    assert "'number'" in result.stderr and "không phải là lệnh click" in result.stderr
    assert "'db'" in result.stderr and "trùng tên một lệnh có sẵn" in result.stderr
    assert runner.invoke(cli, ["hello"]).stdout == "hello from a plugin\n"
    assert "Create and migrate" in runner.invoke(cli, ["db", "--help"]).stdout


@pytest.mark.postgres
def test_the_demo_on_postgresql() -> None:
    base = os.environ.get(
        "LIENTHONG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    schema = f"lt_cli_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        lt = Lt(f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}")
        lt.ok("db", "upgrade")
        lt.ok("demo", "seed")
        lt.ok("demo", "seed")
        report = lt.json("demo", "run", "--dossiers", "5", "--seed", "3", "--start", "2026-11-23")
        assert report["errors"] == [] and report["unfinished"] == 0 and report["late"] >= 1
        assert lt.json("dossier", "show", report["codes"][0])["steps"] >= 3
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

"""``lienthong task …``: the officers' worklist and what they do with a task."""

from __future__ import annotations

from typing import Any

import click

from .cli_common import echo_json, local, open_engine, parse_when, read_json, table, task_json
from .errors import NotFound

ACTIONS = ("complete", "refuse", "supplement")


@click.group("task")
def task() -> None:
    """List, claim, release, assign and complete tasks."""


@task.command("list")
@click.option("--user", metavar="U", help="Only tasks claimed by or assigned to U.")
@click.option("--role", metavar="R", help="Only tasks for role R (specialist, leader…).")
@click.option("--agency", metavar="A", help="Only tasks of agency A (and tasks of no agency).")
@click.option("--procedure", metavar="P", help="Only tasks of procedure P (e.g. 1.001193).")
@click.option("--dossier", "dossier_code", metavar="CODE", help="Only tasks of one dossier.")
@click.option("--unassigned", is_flag=True, help="Only tasks nobody has claimed.")
@click.option("--overdue", is_flag=True, help="Only tasks past their step deadline.")
@click.option("--near-due", is_flag=True, help="Only tasks past their warning moment.")
@click.option("--now", metavar="ISO", help="Judge --overdue and --near-due as of this moment.")
@click.option(
    "--limit",
    type=click.IntRange(1, 10_000),
    default=100,
    show_default=True,
    help="At most this many tasks.",
)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def list_tasks(
    ctx: click.Context,
    user: str | None,
    role: str | None,
    agency: str | None,
    procedure: str | None,
    dossier_code: str | None,
    unassigned: bool,
    overdue: bool,
    near_due: bool,
    now: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List open tasks, soonest due first."""
    engine = open_engine(ctx)
    moment = parse_when(now, "--now") or engine.clock.now()
    rows = engine.list_tasks(
        assignee=user,
        role=role,
        agency_code=agency,
        procedure_code=procedure,
        dossier_code=dossier_code,
        unassigned=unassigned,
        overdue_at=moment if overdue else None,
        near_due_at=moment if near_due else None,
        limit=limit,
    )
    codes = _dossier_codes(engine, rows)
    if as_json:
        echo_json([task_json(r, codes[r.dossier_id]) for r in rows])
        return
    if not rows:
        click.echo("không có công việc đang mở")
        return
    table(
        [
            [
                r.id,
                codes[r.dossier_id],
                r.bpmn_id,
                r.role or "-",
                r.agency_code or "-",
                r.assignee or "-",
                local(r.due_at) + (" !" if r.due_at and r.due_at < moment else ""),
            ]
            for r in rows
        ],
        ["id", "hồ sơ", "bước", "vai trò", "cơ quan", "người xử lý", "hạn"],
    )


@task.command("complete")
@click.argument("task_id", metavar="TASK")
@click.option("--data", "data_file", metavar="FILE.json", help="The task's form data (JSON).")
@click.option("--user", required=True, metavar="U", help="Who completes the task.")
@click.option(
    "--action",
    type=click.Choice(ACTIONS),
    default="complete",
    show_default=True,
    help="complete; refuse (data needs 'reasons'); supplement (data needs 'missing_documents').",
)
@click.pass_context
def complete(
    ctx: click.Context, task_id: str, data_file: str | None, user: str, action: str
) -> None:
    """Complete TASK with form data; refuse or request supplementation where offered."""
    data = read_json(data_file, "dữ liệu")
    engine = open_engine(ctx)
    if action == "refuse":
        row = engine.refuse(task_id, user=user, reasons=_strings(data.get("reasons")))
    elif action == "supplement":
        row = engine.request_supplementation(
            task_id,
            user=user,
            missing=_strings(data.get("missing_documents")),
            note=str(data.get("note", "")),
        )
    else:
        row = engine.complete(task_id, user=user, data=data)
    d = engine.dossier(row.dossier_id)
    click.echo(f"{row.id}  {row.bpmn_id}  {row.action}; hồ sơ {d.code}: {d.status}")
    for t in engine.list_tasks(dossier_code=d.code):
        click.echo(f"  tiếp theo: công việc {t.id}  {t.bpmn_id}  ({t.role} @ {t.agency_code})")


@task.command("claim")
@click.argument("task_id", metavar="TASK")
@click.option("--user", required=True, metavar="U", help="Who takes the task.")
@click.pass_context
def claim(ctx: click.Context, task_id: str, user: str) -> None:
    """Take TASK exclusively (a second claim by someone else fails)."""
    row = open_engine(ctx).claim(task_id, user=user)
    click.echo(f"{row.id}  {row.bpmn_id}  đã được nhận bởi {row.assignee}")


@task.command("release")
@click.argument("task_id", metavar="TASK")
@click.option("--user", required=True, metavar="U", help="The holder (or a supervisor).")
@click.pass_context
def release(ctx: click.Context, task_id: str, user: str) -> None:
    """Give TASK back to its role's queue."""
    row = open_engine(ctx).release(task_id, user=user)
    click.echo(f"{row.id}  {row.bpmn_id}  đã trả lại hàng đợi")


@task.command("assign")
@click.argument("task_id", metavar="TASK")
@click.option("--to", "to", required=True, metavar="V", help="Who gets the task.")
@click.option("--user", required=True, metavar="U", help="Who assigns it.")
@click.pass_context
def assign(ctx: click.Context, task_id: str, to: str, user: str) -> None:
    """Assign TASK to a colleague (supervisors may take it from its holder)."""
    row = open_engine(ctx).assign(task_id, to=to, user=user)
    click.echo(f"{row.id}  {row.bpmn_id}  đã giao cho {row.assignee}")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _dossier_codes(engine: Any, rows: list[Any]) -> dict[int, str]:
    codes: dict[int, str] = {}
    for dossier_id in {r.dossier_id for r in rows}:
        try:
            codes[dossier_id] = engine.dossier(dossier_id).code
        except NotFound:
            codes[dossier_id] = str(dossier_id)
    return codes

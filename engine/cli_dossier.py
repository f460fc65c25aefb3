"""``lienthong dossier …``: submit a dossier, show it with its tasks and history, withdraw it."""

from __future__ import annotations

from typing import Any

import click

from .cli_common import echo_json, iso, local, open_engine, read_json, table, task_json
from .errors import InvalidInput

CHANNELS = ("counter", "online", "post")


@click.group("dossier")
def dossier() -> None:
    """Submit, show and withdraw dossiers (hồ sơ)."""


@dossier.command("submit")
@click.argument("procedure")
@click.option(
    "--data", "data_file", metavar="FILE.json", help="The application form (JSON object)."
)
@click.option("--applicant", "applicant_file", metavar="FILE.json", help="Applicant (JSON object).")
@click.option("--applicant-name", metavar="NAME", help="Applicant's full name (instead of a file).")
@click.option(
    "--channel",
    type=click.Choice(CHANNELS),
    default="counter",
    show_default=True,
    help="How the dossier arrived.",
)
@click.option("--agency", metavar="CODE", help="Receiving agency (default: the procedure's).")
@click.option("--user", default="system", show_default=True, help="Who receives the dossier.")
@click.option("--json", "as_json", is_flag=True, help="Print the new dossier as JSON.")
@click.pass_context
def submit(
    ctx: click.Context,
    procedure: str,
    data_file: str | None,
    applicant_file: str | None,
    applicant_name: str | None,
    channel: str,
    agency: str | None,
    user: str,
    as_json: bool,
) -> None:
    """Submit a dossier for PROCEDURE (e.g. 1.001193); print its code and due date."""
    if applicant_file and applicant_name:
        raise InvalidInput(
            "chỉ dùng một trong hai: --applicant FILE.json hoặc --applicant-name NAME"
        )
    if applicant_file:
        applicant = read_json(applicant_file, "thông tin người nộp")
    elif applicant_name:
        applicant = {"full_name": applicant_name}
    else:
        raise InvalidInput("cần người nộp hồ sơ: --applicant FILE.json hoặc --applicant-name NAME")
    data = read_json(data_file, "dữ liệu")
    engine = open_engine(ctx)
    d = engine.submit(
        procedure, applicant=applicant, data=data, channel=channel, agency_code=agency, actor=user
    )
    tasks = engine.list_tasks(dossier_code=d.code)
    if as_json:
        echo_json({**_dossier_json(d), "open_tasks": [task_json(t, d.code) for t in tasks]})
        return
    click.echo(f"{d.code}  {d.status}  hạn {local(d.due_at)}")
    for t in tasks:
        click.echo(f"  công việc {t.id}  {t.bpmn_id}  ({t.role} @ {t.agency_code})")


@dossier.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def show(ctx: click.Context, code: str, as_json: bool) -> None:
    """Show a dossier: metadata, status, due date, open tasks and history."""
    view = open_engine(ctx).dossier_view(code)
    d = view.dossier
    if as_json:
        echo_json(
            {
                **_dossier_json(d),
                "open_tasks": [task_json(t, d.code) for t in view.open_tasks],
                "done_tasks": [task_json(t, d.code) for t in view.done_tasks],
                "history": [_event_json(e) for e in view.events],
            }
        )
        return
    name = (d.applicant or {}).get("full_name", "-")
    for label, value in (
        ("hồ sơ", d.code),
        ("thủ tục", d.procedure_code),
        ("cơ quan", d.agency_code),
        ("người nộp", name),
        ("kênh", d.channel),
        ("trạng thái", d.status + (f" ({d.outcome})" if d.outcome else "")),
        ("tiếp nhận", local(d.received_at)),
        ("hạn", local(d.due_at) + ("  TRỄ HẠN" if d.late else "")),
        ("đồng hồ", f"tạm dừng từ {local(d.paused_at)}" if d.paused_at else "đang chạy"),
        ("kết thúc", local(d.finished_at)),
    ):
        click.echo(f"{label:<10} {value}")
    click.echo(f"\ncông việc đang mở ({len(view.open_tasks)})")
    if view.open_tasks:
        table(
            [
                [
                    t.id,
                    t.bpmn_id,
                    t.role or "-",
                    t.agency_code or "-",
                    t.assignee or "-",
                    local(t.due_at),
                ]
                for t in view.open_tasks
            ],
            ["  id", "bước", "vai trò", "cơ quan", "người xử lý", "hạn"],
        )
    click.echo(f"\nlịch sử ({len(view.events)})")
    for e in view.events:
        moved = f" {e.from_state or ''}→{e.to_state}" if e.to_state else ""
        step = f" [{e.detail.get('step')}]" if e.detail.get("step") else ""
        click.echo(f"  {local(e.at)}  {e.actor:<16} {e.action}{step}{moved}")


@dossier.command("withdraw")
@click.argument("code")
@click.option("--reason", required=True, help="Why the applicant withdraws (kept in history).")
@click.option("--user", default="system", show_default=True, help="Who records the withdrawal.")
@click.pass_context
def withdraw(ctx: click.Context, code: str, reason: str, user: str) -> None:
    """Withdraw a dossier at the applicant's request; open tasks are cancelled."""
    if not reason.strip():
        raise InvalidInput("--reason không được để trống")
    d = open_engine(ctx).withdraw(code, actor=user, reason=reason.strip())
    click.echo(f"{d.code}  {d.status}")


def _dossier_json(d: Any) -> dict[str, Any]:
    return {
        "code": d.code,
        "procedure": d.procedure_code,
        "agency": d.agency_code,
        "status": d.status,
        "outcome": d.outcome,
        "channel": d.channel,
        "applicant": d.applicant,
        "data": d.form_data,
        "received": iso(d.received_at),
        "due": iso(d.due_at),
        "paused_since": iso(d.paused_at),
        "late": d.late,
        "settled": iso(d.settled_at),
        "finished": iso(d.finished_at),
        "steps": d.step_count,
    }


def _event_json(e: Any) -> dict[str, Any]:
    return {
        "at": iso(e.at),
        "actor": e.actor,
        "action": e.action,
        "task": e.task_id,
        "from": e.from_state,
        "to": e.to_state,
        "detail": e.detail,
    }

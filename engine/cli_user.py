"""``lienthong user …``: what an admin does from the shell (set a password, list accounts).

Registered through the ``lienthong.cli`` entry points; passwords are read with a hidden
prompt (or from stdin with ``--password-stdin``), never taken as an argument that would end
up in the shell history.
"""

from __future__ import annotations

import sys

import click

from .cli_common import echo_json, open_engine, table


@click.group("user")
def user() -> None:
    """Officers' accounts: passwords and roles."""


@user.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@click.pass_context
def set_password(ctx: click.Context, username: str, password_stdin: bool) -> None:
    """Set USERNAME's password (and unlock the account)."""
    engine = open_engine(ctx)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)
    account = engine.set_password(username, password, actor="cli")
    click.echo(f"đã đặt mật khẩu cho {account.username}")


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the accounts as JSON.")
@click.pass_context
def list_users(ctx: click.Context, as_json: bool) -> None:
    """List every account with its agency, roles and state."""
    accounts = open_engine(ctx).accounts()
    if as_json:
        echo_json(
            [
                {
                    "username": a.username,
                    "full_name": a.full_name,
                    "agency": a.agency_code,
                    "roles": list(a.roles),
                    "active": a.active,
                    "has_password": a.has_password,
                }
                for a in accounts
            ]
        )
        return
    rows = [
        [
            a.username,
            a.agency_code or "-",
            ",".join(a.roles),
            "hoạt động" if a.active else "ngừng hoạt động",
            "có" if a.has_password else "chưa",
        ]
        for a in accounts
    ]
    table(rows, ["tài khoản", "cơ quan", "vai trò", "trạng thái", "mật khẩu"])

"""``lienthong api-client …`` and ``lienthong portal …``: API tokens and the portal sync."""

from __future__ import annotations

import click

from . import api_clients, outbox, portal_sync
from .cli_common import echo_json, iso, local, open_engine, table
from .models import PortalOutbox


@click.group("api-client")
def api_client() -> None:
    """Create, list and revoke the REST API's clients (the national portal is one)."""


@api_client.command("create")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(api_clients.SCOPES),
    help="An operation the client may call (repeat); default: all of them.",
)
@click.option(
    "--agency",
    "agencies",
    multiple=True,
    metavar="CODE",
    help="An agency whose dossiers the client may touch (repeat); default: every agency.",
)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def create(
    ctx: click.Context, name: str, scopes: tuple[str, ...], agencies: tuple[str, ...], as_json: bool
) -> None:
    """Register client NAME and print its token — shown this once, stored only as a hash."""
    engine = open_engine(ctx)
    client, token = api_clients.create_client(
        engine, name, scopes=scopes or api_clients.SCOPES, agencies=agencies, actor="cli"
    )
    if as_json:
        echo_json(
            {
                "name": client.name,
                "token": token,
                "scopes": client.scopes,
                "agencies": client.agencies,
            }
        )
        return
    click.echo(f"đã tạo ứng dụng kết nối {client.name}; token của nó (chỉ hiện lần này):")
    click.echo(token)


@api_client.command("revoke")
@click.argument("name")
@click.pass_context
def revoke(ctx: click.Context, name: str) -> None:
    """Revoke client NAME's token at once (its requests are refused from now on)."""
    client = api_clients.revoke_client(open_engine(ctx), name, actor="cli")
    click.echo(f"đã thu hồi ứng dụng kết nối {client.name} lúc {local(client.revoked_at)}")


@api_client.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def list_clients(ctx: click.Context, as_json: bool) -> None:
    """List the clients, their scopes, agencies and whether they are revoked."""
    rows = api_clients.list_clients(open_engine(ctx))
    if as_json:
        echo_json(
            [
                {
                    "name": c.name,
                    "token_prefix": c.token_prefix,
                    "scopes": c.scopes,
                    "agencies": c.agencies,
                    "created": iso(c.created_at),
                    "revoked": iso(c.revoked_at),
                }
                for c in rows
            ]
        )
        return
    table(
        [
            [
                c.name,
                f"lt_{c.token_prefix}_…",
                ",".join(c.scopes),
                ",".join(c.agencies) or "*",
                "đã thu hồi " + local(c.revoked_at) if c.revoked_at else "hoạt động",
            ]
            for c in rows
        ],
        ["tên", "token", "phạm vi", "cơ quan", "trạng thái"],
    )


@click.group("portal")
def portal() -> None:
    """Push dossier status changes to the national portal and inspect the outbox."""


@portal.command("push")
@click.pass_context
def push(ctx: click.Context) -> None:
    """Send the outbox rows that are due now (``tick`` does the same on its rounds)."""
    report = portal_sync.push(open_engine(ctx))
    said = [f"{portal_sync.PUSH_OUTCOMES.get(k, k)} {v}" for k, v in sorted(report.items())]
    click.echo(", ".join(said) or "không có gì để gửi")


@portal.command("pending")
@click.option("--dossier", "dossier_code", metavar="CODE", help="Only this dossier's rows.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def pending(ctx: click.Context, dossier_code: str | None, as_json: bool) -> None:
    """List the rows the portal has not acknowledged yet, with their last error."""
    rows = portal_sync.pending(open_engine(ctx), dossier_code)
    if as_json:
        echo_json(
            [
                {
                    "id": r.id,
                    "event": r.event,
                    "dossier": r.payload.get("dossier_code"),
                    "state": r.state,
                    "attempts": r.attempts,
                    "next": iso(r.next_attempt_at),
                    "error": r.last_error,
                }
                for r in rows
            ]
        )
        return
    table(
        [
            [
                str(r.id),
                r.payload.get("dossier_code", ""),
                r.event,
                r.state,
                str(r.attempts),
                local(r.next_attempt_at),
                (r.last_error or "")[:60],
            ]
            for r in rows
        ],
        ["id", "hồ sơ", "sự kiện", "trạng thái", "lần gửi", "lần tới", "lỗi"],
    )


@portal.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.pass_context
def retry(ctx: click.Context, ids: tuple[int, ...]) -> None:
    """Put failed rows (all, or the given ids) back in the queue after fixing the cause."""
    count = outbox.retry_failed(open_engine(ctx), PortalOutbox, list(ids) or None)
    click.echo(f"đã đưa lại {count} dòng vào hàng đợi")

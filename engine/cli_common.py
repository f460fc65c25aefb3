"""What every ``lienthong`` command shares: the engine it talks to, JSON input, dates shown.

Kept apart from ``engine.cli`` so the command modules (``cli_dossier``, ``cli_task``,
``cli_demo``) import helpers without importing each other.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .codes import VN_TZ
from .errors import InvalidInput

if TYPE_CHECKING:
    from .clock import Clock
    from .runtime import Engine
    from .settings import Settings


def settings_overrides(ctx: click.Context) -> dict[str, Any]:
    """Return the settings given on the command line (``lienthong --database-url …``)."""
    root = ctx.find_root()
    return dict((root.obj or {}).get("overrides", {}))


def settings(ctx: click.Context) -> Settings:
    """Load the settings (environment, then command line); a clear error for a bad value."""
    from .settings import load

    try:
        return load(settings_overrides(ctx))
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidInput(f"cấu hình không hợp lệ: {exc}") from exc


def database_url(ctx: click.Context) -> str:
    return settings(ctx).database_url


def open_engine(ctx: click.Context, *, clock: Clock | None = None) -> Engine:
    """Build the engine for this command on a migrated database; closed when the command ends."""
    from .migrate import require_current
    from .runtime import Engine

    current = settings(ctx)
    require_current(current.database_url)
    try:
        engine = Engine(current, clock=clock)
    except ValueError as exc:  # e.g. an unknown executor name
        raise InvalidInput(f"cấu hình không hợp lệ: {exc}") from exc
    ctx.call_on_close(engine.db.dispose)
    return engine


def read_json(path: str | Path | None, what: str) -> dict[str, Any]:
    """Read a JSON object from ``path`` (``-`` is stdin); a clear error when it is not one.

    `what` names the file's content in that error, in Vietnamese (``"dữ liệu"``).
    """
    if path is None:
        return {}
    try:
        text = sys.stdin.read() if str(path) == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"không đọc được tệp {what} {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"tệp {what} {path} không phải văn bản UTF-8") from exc
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"tệp {what} {path} không phải JSON hợp lệ (dòng {exc.lineno}, cột {exc.colno}: "
            f"{exc.msg})"
        ) from exc
    if not isinstance(value, dict):
        raise InvalidInput(
            f"tệp {what} {path} phải chứa một đối tượng JSON, không phải {type(value).__name__}"
        )
    return value


def parse_when(value: str | None, option: str) -> datetime | None:
    """Parse an ISO date-time option; a time without a zone is read as Vietnam time."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(
            f"{option} {value!r} không phải thời điểm dạng ISO (ví dụ 2026-11-25T09:00)"
        ) from exc
    return when if when.tzinfo else when.replace(tzinfo=VN_TZ)


def local(value: datetime | None) -> str:
    """Show a moment in Vietnam time, to the minute ("-" when there is none)."""
    return value.astimezone(VN_TZ).strftime("%Y-%m-%d %H:%M") if value else "-"


def iso(value: datetime | None) -> str | None:
    return value.astimezone(VN_TZ).isoformat() if value else None


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def table(rows: list[list[str]], header: list[str]) -> None:
    """Print rows as aligned columns (plain text, copy-paste friendly)."""
    cells = [header, *rows]
    widths = [max(len(str(r[i])) for r in cells) for i in range(len(header))]
    for r in cells:
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def task_json(row: Any, dossier_code: str | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "dossier": dossier_code,
        "procedure": row.procedure_code,
        "step": row.bpmn_id,
        "name": row.name,
        "role": row.role,
        "agency": row.agency_code,
        "assignee": row.assignee,
        "state": row.state,
        "actions": ["complete", *row.actions] if row.kind == "user" else [],
        "form": row.form,
        "created": iso(row.created_at),
        "due": iso(row.due_at),
        "warn": iso(row.warn_at),
        "escalated": iso(row.escalated_at),
        "completed": iso(row.completed_at),
        "completed_by": row.completed_by,
        "action": row.action,
    }

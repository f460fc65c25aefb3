"""Offer `lienthong adapters …` and `lienthong simulators …` (entry-point group lienthong.cli).

What the commands print is Vietnamese, like the adapters' own errors they pass on: integrators
and the province's operators read it beside the incidents officers see. The words a script
may read (an operation's kind in `--json`, `read`/`write`) stay codes.
"""

from __future__ import annotations

import json
import threading
from urllib.parse import urlsplit

import click

from adapters.registry import get_registry
from adapters.settings import PORTS
from engine.errors import AdapterError, LienThongError

#: An operation's kind and its endpoint's health as the table shows them (one word each).
KINDS = {"read": "đọc", "write": "ghi"}
HEALTH_MARKS = {True: "tốt", False: "HỎNG", None: "-"}


@click.group()
def adapters() -> None:
    """Registered adapters to the national registries."""


@adapters.command("list")
@click.option("--no-health", is_flag=True, help="Do not call each endpoint's health check.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_command(no_health: bool, as_json: bool) -> None:
    """Show every registered operation and whether its endpoint answers."""
    try:
        rows = get_registry().describe(check_health=not no_health)
    except LienThongError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    width = max((len(r["operation"]) for r in rows), default=10)
    for row in rows:
        kind = KINDS[row["kind"]]
        mark = HEALTH_MARKS[row["healthy"]]
        click.echo(f"{row['operation']:<{width}}  {kind:<4}  {mark:<5}  {row['health']}")
    click.echo(f"{len(rows)} thao tác")


@adapters.command("call")
@click.argument("operation")
@click.option("--params", "params_json", default="{}", help="Parameters as a JSON object.")
@click.option("--key", default=None, help="Idempotency key (required for writes).")
def call_command(operation: str, params_json: str, key: str | None) -> None:
    """Call one operation and print its answer and call record."""
    try:
        params = json.loads(params_json)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"không phải JSON: {exc}", param_hint="--params") from None
    if not isinstance(params, dict):
        raise click.BadParameter("phải là một đối tượng JSON", param_hint="--params")
    try:
        result = get_registry().call(operation, params, idempotency_key=key)
    except AdapterError as exc:
        record = getattr(exc, "record", None)
        detail = json.dumps(record.to_dict(), ensure_ascii=False) if record else ""
        raise click.ClickException(f"{exc}\n{detail}") from None
    out = {"data": result.data, "record": result.record.to_dict()}
    click.echo(json.dumps(out, ensure_ascii=False, indent=2))


@click.group()
def simulators() -> None:
    """Local simulators of the national registries."""


@simulators.command("start")
@click.option("--only", multiple=True, help="Start only these simulators (repeatable).")
def start_command(only: tuple[str, ...]) -> None:
    """Run every simulator on its loopback port (127.0.0.1) until Ctrl-C."""
    from adapters.sim.serve import serve

    registry = get_registry()
    running = []
    try:
        for name, adapter in sorted(registry.adapters.items()):
            build = getattr(adapter, "simulator", None)
            if (only and name not in only) or build is None:
                continue
            port = urlsplit(adapter.settings.base_url).port or PORTS.get(name, 0)
            try:
                running.append(serve(name, build(), port))
            except OSError as exc:
                raise click.ClickException(
                    f"{name}: không mở được cổng {port} để lắng nghe: {exc}"
                ) from None
            click.echo(f"{name:<17} {running[-1].url}")
        click.echo("Nhấn Ctrl-C để dừng.")
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("đang dừng")
    finally:
        for r in running:
            r.stop()

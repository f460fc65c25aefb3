"""``lienthong demo …``: seed the demo province and push simulated dossiers through it."""

from __future__ import annotations

from datetime import datetime

import click

from .cli_common import echo_json, open_engine, parse_when


@click.group("demo")
def demo() -> None:
    """Demo data: a province with officers and real procedures, and a simulated workload."""


@demo.command("seed")
@click.option("--json", "as_json", is_flag=True, help="Print what was seeded as JSON.")
@click.pass_context
def seed(ctx: click.Context, as_json: bool) -> None:
    """Create the demo agencies, officers and procedures (running it again changes nothing)."""
    from .demo import seed as seed_world

    summary = seed_world(open_engine(ctx))
    if as_json:
        echo_json(summary)
        return
    procs = ", ".join(f"{code} v{v}" for code, v in summary["procedures"].items())
    click.echo(f"{summary['agencies']} cơ quan, {summary['users']} cán bộ")
    click.echo(f"thủ tục: {procs}")


@demo.command("run")
@click.option(
    "--dossiers",
    type=click.IntRange(1, 100_000),
    default=20,
    show_default=True,
    help="How many dossiers to submit.",
)
@click.option(
    "--seed",
    "seed_value",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the simulation: the same seed gives the same counts.",
)
@click.option(
    "--start",
    metavar="ISO",
    help="Simulated start (default: 07:30 on a working day two weeks ago).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def run(
    ctx: click.Context, dossiers: int, seed_value: int, start: str | None, as_json: bool
) -> None:
    """Push N dossiers of the demo procedures through with simulated officers."""
    from .clock import ManualClock
    from .codes import VN_TZ
    from .demo_run import default_start
    from .demo_run import run as run_demo

    first = parse_when(start, "--start")
    clock = ManualClock(first or datetime.now(VN_TZ))
    engine = open_engine(ctx, clock=clock)
    clock.set(first or default_start(engine))
    report = run_demo(engine, clock, dossiers=dossiers, seed=seed_value)
    if as_json:
        echo_json(report.as_dict())
    else:
        click.echo(report.text())

"""``lienthong worker`` and ``lienthong scheduler``: the distributed mode's two processes.

A worker is a Celery worker whose tasks (``engine.celery_app``) run on an engine built from
the same settings as the web app; the scheduler is Celery beat publishing the tick, the
outbox sweep and the daily late report. Both are plugged in through the ``lienthong.cli``
entry-point group. A worker always publishes follow-up jobs to the broker (``executor`` is
forced to ``celery`` and ``celery_eager`` to false): that is what a worker is for.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from .cli_common import settings as load_settings
from .settings import Settings


def _distributed(ctx: click.Context, broker_url: str | None) -> Settings:
    from .migrate import require_current

    settings = load_settings(ctx)
    changes: dict = {"executor": "celery", "celery_eager": False}
    if broker_url:
        changes["broker_url"] = broker_url
    settings = dataclasses.replace(settings, **changes)
    require_current(settings.database_url)
    return settings


@click.command("worker")
@click.option(
    "--concurrency",
    "-c",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (or threads) running tasks at once (default: one per CPU).",
)
@click.option(
    "--queues",
    "-Q",
    default="celery",
    show_default=True,
    help="Comma-separated queues to take tasks from.",
)
@click.option(
    "--pool",
    type=click.Choice(["prefork", "solo", "threads"]),
    default="prefork",
    show_default=True,
    help="prefork: one process per slot (CPU-bound steps); threads: for slow external calls.",
)
@click.option("--broker-url", metavar="URL", help="Redis broker (default: the broker_url setting).")
@click.option("--hostname", "-n", metavar="NAME", help="Worker name (default: celery@<host>).")
@click.option(
    "--include",
    "-I",
    "includes",
    multiple=True,
    metavar="MODULE",
    help="Extra module whose Celery tasks this worker also runs (repeatable).",
)
@click.option(
    "--max-tasks-per-child",
    type=click.IntRange(min=1),
    default=None,
    help="Replace a worker process after this many tasks (guards against leaks).",
)
@click.option("--loglevel", "-l", default="info", show_default=True, help="Celery log level.")
@click.pass_context
def worker(
    ctx: click.Context,
    concurrency: int | None,
    queues: str,
    pool: str,
    broker_url: str | None,
    hostname: str | None,
    includes: tuple[str, ...],
    max_tasks_per_child: int | None,
    loglevel: str,
) -> None:
    """Start a Celery worker that runs service tasks, timers and message deliveries."""
    from .celery_app import app, configure

    configure(_distributed(ctx, broker_url))
    argv = [
        "worker",
        f"--loglevel={loglevel}",
        f"--pool={pool}",
        f"--queues={queues}",
        "--without-gossip",
        "--without-mingle",
    ]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    if hostname:
        argv.append(f"--hostname={hostname}")
    if includes:
        argv.append(f"--include={','.join(includes)}")
    if max_tasks_per_child:
        argv.append(f"--max-tasks-per-child={max_tasks_per_child}")
    app.worker_main(argv)


@click.command("scheduler")
@click.option("--broker-url", metavar="URL", help="Redis broker (default: the broker_url setting).")
@click.option(
    "--schedule-file",
    type=click.Path(dir_okay=False),
    default="instance/celerybeat-schedule",
    show_default=True,
    help="Where beat remembers when each job last ran (survives restarts).",
)
@click.option("--loglevel", "-l", default="info", show_default=True, help="Celery log level.")
@click.pass_context
def scheduler(
    ctx: click.Context, broker_url: str | None, schedule_file: str, loglevel: str
) -> None:
    """Start the scheduler (Celery beat): tick, outbox sweep and the daily late report.

    Run exactly one per province: it only publishes tasks, the workers run them.
    """
    from .celery_app import app, beat_schedule, configure

    settings = _distributed(ctx, broker_url)
    configure(settings)
    app.conf.beat_schedule = beat_schedule(settings)
    Path(schedule_file).parent.mkdir(parents=True, exist_ok=True)
    app.Beat(schedule=schedule_file, loglevel=loglevel.upper(), quiet=True).run()

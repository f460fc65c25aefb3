"""``lienthong serve``: run the web app (waitress), with the scheduler when embedded.

Registered through the ``lienthong.cli`` entry points. In the embedded default
(``celery_eager``) everything runs in this one process: the pages, the service tasks (Celery
eager), the registry simulators (adapters in ``inprocess`` mode) and a scheduler thread that
ticks every ``tick_interval_s``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import click

from engine.cli_common import open_engine

if TYPE_CHECKING:
    from engine.runtime import Engine


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=5000,
    show_default=True,
    help="Port to listen on.",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    default=8,
    show_default=True,
    help="Worker threads of the web server.",
)
@click.option("--no-tick", is_flag=True, help="Do not run the scheduler thread.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int, no_tick: bool) -> None:
    """Run the web app (officers' pages, public look-up) until Ctrl-C."""
    from waitress import create_server

    from .app import create_app

    engine = open_engine(ctx)
    app = create_app(engine)
    server = create_server(app, host=host, port=port, threads=threads)
    stop = threading.Event()
    interval = engine.settings.tick_interval_s
    if engine.settings.celery_eager and interval > 0 and not no_tick:
        threading.Thread(
            target=_tick_forever, args=(engine, interval, stop), name="lienthong-tick", daemon=True
        ).start()
    click.echo(f"LiênThông: http://{host}:{server.effective_port}/  (Ctrl-C to stop)")
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        stop.set()
        server.close()


def _tick_forever(engine: Engine, interval: float, stop: threading.Event) -> None:
    """Tick until ``stop``; a failing tick is reported and the next one tried."""
    while not stop.wait(interval):
        try:
            engine.tick()
        except Exception as exc:  # the scheduler must outlive one bad tick
            click.echo(f"cảnh báo: lượt tick không chạy được: {exc!r}", err=True)

"""``lienthong``: the command line of the engine and of every package that plugs into it.

Built-in commands: ``db``, ``dossier``, ``task``, ``tick`` and ``demo``. Other packages
(and third parties) add commands through the ``lienthong.cli`` entry-point group; a plugin
that fails to load is reported on stderr and left out, the rest of the CLI keeps working.
Any :class:`~engine.errors.LienThongError` ends the command with one line on stderr
(``lỗi: …``, in Vietnamese like everything the commands print) and exit status 1 — never a
traceback.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points
from typing import Any

import click

from .cli_common import database_url, open_engine, parse_when
from .errors import LienThongError

PLUGIN_GROUP = "lienthong.cli"


class LienThongGroup(click.Group):
    """A click group that adds plugin commands lazily and turns product errors into one line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plugins: dict[str, click.Command] | None = None

    def plugins(self) -> dict[str, click.Command]:
        """Load the ``lienthong.cli`` entry points once; warn about and skip broken ones."""
        if self._plugins is None:
            self._plugins = {}
            for ep in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
                if ep.name in self.commands:
                    _warn(f"lệnh bổ sung {ep.name!r} ({ep.value}) trùng tên một lệnh có sẵn")
                    continue
                try:
                    command = ep.load()
                except Exception as exc:  # any plugin bug must not break the CLI
                    _warn(f"lệnh bổ sung {ep.name!r} ({ep.value}) không nạp được: {exc!r}")
                    continue
                if not isinstance(command, click.Command):
                    _warn(f"lệnh bổ sung {ep.name!r} ({ep.value}) không phải là lệnh click")
                    continue
                self._plugins[ep.name] = command
        return self._plugins

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.plugins()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        return self.plugins().get(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LienThongError as exc:
            click.echo(f"lỗi: {one_line(exc)}", err=True)
            ctx.exit(1)
        except _database_errors() as exc:
            click.echo(f"lỗi: cơ sở dữ liệu: {one_line(exc.orig or exc)}", err=True)
            ctx.exit(1)


def one_line(exc: BaseException) -> str:
    """Render an error, with its field messages, on a single line."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    errors = getattr(exc, "errors", None)
    if errors:
        fields = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in sorted(errors.items()))
        text = f"{text} ({' '.join(fields.split())})"
    return text


def _warn(message: str) -> None:
    click.echo(f"cảnh báo: {message}", err=True)


def _database_errors() -> tuple[type[Exception], ...]:
    from sqlalchemy.exc import OperationalError, ProgrammingError

    return (OperationalError, ProgrammingError)


@click.group(cls=LienThongGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database-url",
    metavar="URL",
    help="SQLAlchemy URL of the database (default: $LIENTHONG_DATABASE_URL, "
    "else sqlite:///instance/lienthong.sqlite).",
)
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """LiênThông: one-stop dossiers run as BPMN processes on the legal clock."""
    overrides = {"database_url": database_url} if database_url else {}
    ctx.ensure_object(dict)["overrides"] = overrides


@cli.group("db")
def db() -> None:
    """Create and migrate the database schema (Alembic)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Revision to migrate to.")
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Migrate the database to the newest schema (creates it when empty)."""
    from . import migrate

    reached = migrate.upgrade(database_url(ctx), revision)
    click.echo(f"cơ sở dữ liệu ở phiên bản {reached}")


@db.command("current")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    """Print the database's schema revision and whether it is the newest."""
    from . import migrate

    rev, head = migrate.current(database_url(ctx)), migrate.head()
    if rev is None:
        click.echo(f"chưa có lược đồ (mới nhất là {head}): hãy chạy `lienthong db upgrade`")
    else:
        click.echo(f"{rev} ({'mới nhất' if rev == head else f'đã cũ, mới nhất là {head}'})")


@db.command("check")
@click.pass_context
def db_check(ctx: click.Context) -> None:
    """Compare the database with the models; exit 1 when a migration is missing."""
    from . import migrate

    diffs = migrate.differences(database_url(ctx))
    for diff in diffs:
        click.echo(f"  {diff}")
    if diffs:
        raise migrate.SchemaError(f"cơ sở dữ liệu khác các mô hình ở {len(diffs)} điểm")
    click.echo("lược đồ khớp với các mô hình")


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the schema change is.")
def db_revision(message: str) -> None:
    """Write a new migration for model changes (for developers; review it before committing)."""
    from . import migrate

    click.echo(f"đã ghi {migrate.new_revision(message)}")


@cli.command("tick")
@click.option("--now", metavar="ISO", help="Act as if it were this moment (default: now).")
@click.pass_context
def tick(ctx: click.Context, now: str | None) -> None:
    """Run the scheduler once: fire due timers, warnings, escalations and service retries."""
    engine = open_engine(ctx)
    report = engine.tick(parse_when(now, "--now"))
    if not report:
        click.echo("không có việc nào đến hạn")
    for kind, count in sorted(report.items()):
        click.echo(f"{kind}: {count}")


def _register() -> None:
    from .cli_demo import demo
    from .cli_dossier import dossier
    from .cli_task import task

    for command in (dossier, task, demo):
        cli.add_command(command)


_register()


def main() -> None:
    """Console-script entry point (``lienthong``)."""
    cli(prog_name="lienthong")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``lienthong catalog …``: import, validate, show and search the procedure catalogue.

Registered under the ``lienthong.cli`` entry-point group as ``catalog``. Bad input ends with
``error: …`` on one line and exit status 1, as every ``lienthong`` command does (Click's own
usage errors exit 2); never a traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path

import click

from engine.errors import InvalidInput, LienThongError

_DIR_OPTION = click.option(
    "--dir",
    "catalog_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Catalogue directory (default: $LIENTHONG_CATALOG_DIR or ./instance/catalog).",
)


def _clean_errors(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except LienThongError as exc:
            click.echo(f"lỗi: {exc}", err=True)
            sys.exit(1)

    return wrapper


def _store(catalog_dir: Path | None):
    from bpmn.catalog.store import CatalogStore

    return CatalogStore(catalog_dir)


@click.group("catalog")
def catalog() -> None:
    """The procedure catalogue: import, validate, show and search procedures."""


@catalog.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@_DIR_OPTION
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the JSON report here (it is always saved in the catalogue).",
)
@click.option("--no-generate", is_flag=True, help="Write entries only, no models or forms.")
@click.option("-v", "--verbose", is_flag=True, help="List every procedure that needs a designer.")
@_clean_errors
def import_cmd(
    path: Path, catalog_dir: Path | None, report_path: Path | None, no_generate: bool, verbose: bool
) -> None:
    """Import PATH: portal xlsx lists, portal JSON pages, or the product's YAML/CSV."""
    from bpmn.catalog.service import run_import

    store = _store(catalog_dir)
    report = run_import(path, store, generate=not no_generate)
    if report_path:
        report.write(report_path)
    click.echo(report.format_text(verbose=verbose))
    click.echo(f"catalogue: {store.root}; report: {store.root / 'import-report.json'}")


@catalog.command("synthesize")
@_DIR_OPTION
@click.option("-n", "count", type=click.IntRange(1, 999_999), default=1820, show_default=True)
@click.option("--seed", type=int, default=2024, show_default=True)
@click.option("--no-generate", is_flag=True, help="Write entries only, no models or forms.")
@_clean_errors
def synthesize_cmd(catalog_dir: Path | None, count: int, seed: int, no_generate: bool) -> None:
    """Write a labelled synthetic catalogue (codes 9.xxxxxx) for scale tests."""
    from bpmn.catalog.service import import_entries
    from bpmn.catalog.synthetic import generate_synthetic

    store = _store(catalog_dir)
    report = import_entries(
        generate_synthetic(count, seed), store, f"synthetic:seed={seed}", generate=not no_generate
    )
    click.echo(report.format_text())


@catalog.command("validate")
@click.argument("catalog_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Worker processes.")
@_clean_errors
def validate_cmd(catalog_dir: Path | None, jobs: int | None) -> None:
    """Lint every model; one line of counts, findings per model; exit 1 on any error."""
    from bpmn.catalog.validate import validate_catalog

    store = _store(catalog_dir)
    if not store.codes():
        raise InvalidInput(f"danh mục {store.root} chưa có thủ tục nào")
    result = validate_catalog(store, jobs=jobs)
    for check in result.checks:
        for severity, element, code, message in check.findings:
            click.echo(f"{check.code} {severity} {element or '-'} {code}: {message}")
    click.echo(result.summary_line())
    sys.exit(1 if result.errors else 0)


@catalog.command("deploy")
@click.argument("codes", nargs=-1)
@_DIR_OPTION
@click.option("--actor", default="catalog", show_default=True, help="Recorded as the deployer.")
@click.pass_context
@_clean_errors
def deploy_cmd(
    ctx: click.Context, codes: tuple[str, ...], catalog_dir: Path | None, actor: str
) -> None:
    """Deploy the models of every procedure (or CODES) to the engine's database."""
    from bpmn.catalog.deploy import deploy_catalog
    from engine.cli_common import open_engine

    store = _store(catalog_dir)
    if not store.codes():
        raise InvalidInput(f"danh mục {store.root} chưa có thủ tục nào")
    report = deploy_catalog(open_engine(ctx), store, actor=actor, codes=codes or None)
    for code, message in report.failed:
        click.echo(f"{code} failed: {message}")
    for code in report.no_deadline:
        click.echo(f"{code} deployed without a deadline: the engine's clock cannot keep its unit")
    click.echo(report.summary_line())
    sys.exit(1 if report.failed else 0)


@catalog.command("show")
@click.argument("code")
@_DIR_OPTION
@_clean_errors
def show_cmd(code: str, catalog_dir: Path | None) -> None:
    """Print one procedure: metadata, model version, lanes, steps, deadline, documents."""
    from bpmn.catalog.service import describe

    click.echo(describe(_store(catalog_dir), code))


@catalog.command("list")
@_DIR_OPTION
@click.option("--mode", type=click.Choice(["partial", "full", "info"]), default=None)
@_clean_errors
def list_cmd(catalog_dir: Path | None, mode: str | None) -> None:
    """List procedures: code, mode, name."""
    for entry in _store(catalog_dir).entries():
        if mode is None or entry.mode == mode:
            click.echo(f"{entry.code}\t{entry.mode}\t{entry.name}")


@catalog.command("search")
@click.argument("text", nargs=-1, required=True)
@_DIR_OPTION
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@_clean_errors
def search_cmd(text: tuple[str, ...], catalog_dir: Path | None, limit: int) -> None:
    """Search by words, accents optional ("dang ky khai sinh"); includes info-only procedures."""
    from bpmn.catalog.search import search

    hits = search(_store(catalog_dir).entries(), " ".join(text))
    for entry in hits[:limit]:
        dl = entry.deadline()
        deadline = f"{dl.amount:g} {dl.unit or '?'}" if dl else "-"
        click.echo(f"{entry.code}\t{entry.mode}\t{deadline}\t{entry.name}")
    click.echo(f"{len(hits)} found")

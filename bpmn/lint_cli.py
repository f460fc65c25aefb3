"""`lienthong model lint FILE.bpmn`: check any BPMN file and say whether it can be deployed."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("model")
def model() -> None:
    """Work with BPMN process models."""


def _known_operations() -> set[str] | None:
    """Return the registered adapter operations, or None when the registry is unavailable."""
    try:
        from bpmn.catalog.validate import known_operations
    except ImportError:
        return None
    try:
        return known_operations()
    except Exception:  # an adapter plugin failing to load must not break the lint
        return None


def _beside(file: Path, form_id: str) -> bool:
    """A catalogue folder keeps its procedure's receive form as form.json beside model.bpmn."""
    return form_id.startswith("proc_") and (file.parent / "form.json").is_file()


@model.command("lint")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--process", "process_id", default=None, help="Process id to deploy, if several.")
@click.option(
    "--forms-dir",
    "forms_dirs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Extra directory of forms (<id>.json); repeatable.",
)
@click.option("--no-operations", is_flag=True, help="Do not check adapter operation names.")
def lint(file: Path, process_id: str | None, forms_dirs: tuple[Path, ...],
         no_operations: bool) -> None:  # fmt: skip
    """Lint FILE: one finding per line; exit 0 when it can be deployed, 1 otherwise."""
    from bpmn.lint import lint_model
    from forms.registry import default_search_path, form_exists

    try:
        data = file.read_bytes()
    except OSError as exc:
        click.echo(f"error E-FILE -: không đọc được {file}: {exc.strerror or exc}")
        raise SystemExit(1) from None
    search = [*forms_dirs, file.parent, file.parent / "forms", *default_search_path()]
    findings = lint_model(
        data,
        known_operations=None if no_operations else _known_operations(),
        form_exists=lambda form_id: (
            _beside(file, form_id) or form_exists(form_id, search_path=search)
        ),
        process_id=process_id,
    )
    for finding in findings:
        click.echo(str(finding))
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    click.echo(f"{file}: {errors} lỗi, {warnings} cảnh báo", err=True)
    raise SystemExit(1 if errors else 0)

"""The layering rules of docs/architecture.md and engine/README.md, checked on every import.

Imports are read with ``ast`` (inside functions too), so a lazy ``import flask`` in the
engine fails here as surely as one at the top of a module.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

#: package -> top-level modules it must never import.
FORBIDDEN = {
    "engine": {"flask", "webui", "werkzeug", "jinja2"},
    "bpmn": {"webui"},
    "forms": {"webui"},
    "adapters": {"webui"},
}
#: third-party modules the engine confines to named modules (engine/README.md).
CONFINED = {
    "lxml": {"engine/xml_safety.py", "engine/model_parser.py"},
    "celery": {"engine/celery_app.py"},
    "httpx": set(),
    "requests": set(),
    "urllib3": set(),
}


def modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def imported(path: Path) -> set[str]:
    """Return the absolute dotted names ``path`` imports (relative ones resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    package = parts[:-1]  # the package a relative import starts from (also for __init__)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                names.add(".".join([*base, *([node.module] if node.module else [])]))
            else:
                names.add(node.module or "")
    return names


def test_the_walk_sees_every_module_and_resolves_relative_imports() -> None:
    engine_modules = {p.relative_to(ROOT).as_posix() for p in modules("engine")}
    assert {"engine/runtime.py", "engine/cli.py", "engine/migrations/env.py"} <= engine_modules
    assert "engine.models" in imported(ROOT / "engine/runtime.py")
    assert "engine.errors" in imported(ROOT / "engine/cli_dossier.py")


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_layers_never_import_the_web_app(package: str) -> None:
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules(package)
        for name in imported(path)
        if name.split(".")[0] in FORBIDDEN[package]
    ]
    assert offences == []


@pytest.mark.parametrize("library", sorted(CONFINED))
def test_engine_keeps_xml_celery_and_http_in_their_modules(library: str) -> None:
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules("engine")
        for name in imported(path)
        if name.split(".")[0] == library
        and path.relative_to(ROOT).as_posix() not in CONFINED[library]
    ]
    assert offences == []


def test_importing_the_engine_does_no_io(tmp_path: Path) -> None:
    """Import every engine module in a fresh interpreter: no file appears, no web app loads."""
    names = [
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in modules("engine")
        if p.parent.name not in ("migrations", "versions")
    ]
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'webui'))\n"
        "assert not bad, bad\n"
    )
    env = {"PYTHONPATH": str(ROOT), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, check=True, timeout=120)
    assert list(tmp_path.iterdir()) == []

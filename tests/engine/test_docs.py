"""Documentation that tests keep honest: every setting, command and option is written down.

Walks ``engine.settings.Settings`` and the ``lienthong`` click group (plugins included) and
fails when docs/settings.md or docs/cli.md lacks one, or documents one that is gone.
"""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import click
import pytest

from engine.cli import cli
from engine.settings import Settings

ROOT = Path(__file__).parents[2]
SETTINGS_MD = (ROOT / "docs/settings.md").read_text(encoding="utf-8")
CLI_MD = (ROOT / "docs/cli.md").read_text(encoding="utf-8")
SETTING_NAMES = [f.name for f in fields(Settings)]


def sections(markdown: str) -> dict[str, str]:
    """Map each heading's text (without #'s and backticks) to the text under it."""
    out: dict[str, str] = {}
    parts = re.split(r"^(#{1,6} .+)$", markdown, flags=re.M)
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        out[heading.lstrip("#").strip().strip("`")] = body
    return out


def commands() -> list[tuple[str, click.Command, bool]]:
    """Return (path, command, builtin) for every command: built-ins to any depth, plugins' tops."""
    ctx = click.Context(cli)
    found = [("lienthong", cli, True)]

    def walk(group: click.Group, prefix: str, builtin: bool) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            is_builtin = builtin and (prefix != "lienthong" or name in cli.commands)
            if command is None or not (is_builtin or prefix == "lienthong"):
                continue
            found.append((f"{prefix} {name}", command, is_builtin))
            if is_builtin and isinstance(command, click.Group):
                walk(command, f"{prefix} {name}", True)

    walk(cli, "lienthong", True)
    return found


CLI_SECTIONS = sections(CLI_MD)
COMMANDS = commands()


def test_the_walks_find_what_they_should() -> None:
    paths = {p for p, _, _ in COMMANDS}
    assert {"lienthong task complete", "lienthong db upgrade", "lienthong demo run"} <= paths
    assert {"database_url", "executor", "default_agency"} <= set(SETTING_NAMES)
    assert "lienthong task list" in CLI_SECTIONS and "database_url" in sections(SETTINGS_MD)


@pytest.mark.parametrize("name", SETTING_NAMES)
def test_every_setting_is_documented(name: str) -> None:
    body = sections(SETTINGS_MD).get(name)
    assert body is not None, f"docs/settings.md has no '### `{name}`' section"
    assert f"`LIENTHONG_{name.upper()}`" in body
    default = getattr(Settings(), name)
    shown = str(default).lower() if isinstance(default, bool) else str(default)
    assert (f"`{shown}`" in body) or (default == "" and "empty" in body), f"default {default!r}"


def test_no_setting_is_documented_that_does_not_exist() -> None:
    engine_part = SETTINGS_MD.split("## Engine settings", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^### `(\w+)`", engine_part, flags=re.M))
    assert documented == set(SETTING_NAMES)


@pytest.mark.parametrize(("path", "command", "builtin"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_every_command_is_documented(path: str, command: click.Command, builtin: bool) -> None:
    body = CLI_SECTIONS.get(path)
    assert body is not None, f"docs/cli.md has no '## `{path}`' section"
    if not builtin:
        return  # plugins document their sub-commands and options in their own guides
    for param in command.params:
        if isinstance(param, click.Option):
            longest = max(param.opts, key=len)
            if longest != "--help":
                assert longest in body, f"{path}: option {longest} is not documented"


def test_no_command_is_documented_that_does_not_exist() -> None:
    documented = {h for h in CLI_SECTIONS if h.startswith("lienthong")}
    assert documented <= {p for p, _, _ in COMMANDS}


def test_readme_starts_with_the_two_commands_for_a_fresh_machine() -> None:
    lines = [ln for ln in (ROOT / "README.md").read_text(encoding="utf-8").splitlines() if ln]
    assert lines[0].startswith("```") and lines[3] == "```"
    assert [ln.split("#")[0].strip() for ln in lines[1:3]] == ["./run start", "./run test"]
    run = (ROOT / "run").read_text(encoding="utf-8")
    assert "start)" in run and "test)" in run


def test_readmes_link_to_files_that_exist() -> None:
    for readme in ("README.md", "engine/README.md"):
        text = (ROOT / readme).read_text(encoding="utf-8")
        base = (ROOT / readme).parent
        links = re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text)
        assert links, readme
        for link in links:
            assert (base / link).exists(), f"{readme} links to missing {link}"


def test_engine_readme_names_modules_that_exist() -> None:
    text = (ROOT / "engine/README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(\w+\.py)`", text))
    assert len(named) >= 10
    missing = [n for n in named if not (ROOT / "engine" / n).exists()]
    assert missing == []

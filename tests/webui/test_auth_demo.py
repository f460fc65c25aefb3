"""The demo province's officers sign in with the password docs/cli.md gives (SQLite)."""

from __future__ import annotations

from flask.testing import FlaskClient

from engine.runtime import Engine
from tests.webui.conftest import ROOT, login


def test_demo_officers_sign_in_with_the_documented_password(
    client: FlaskClient, engine: Engine
) -> None:
    from engine.demo import load_world, seed

    world = load_world()
    assert world.password == "LienThong@2026"
    assert "LienThong@2026" in (ROOT / "docs/cli.md").read_text(encoding="utf-8")
    seed(engine, world)
    assert login(client, "phuloi.motcua", "LienThong@2026").status_code == 302
    engine.set_password("phuloi.lanhdao", "đã đổi mật khẩu rồi")
    seed(engine, world)  # a second seed keeps passwords changed since
    assert engine.authenticate("phuloi.lanhdao", "đã đổi mật khẩu rồi")

"""The application factory: its engine, its blueprints (loudly), its signing key."""

from __future__ import annotations

import stat
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Blueprint

from engine.runtime import Engine
from webui import app as app_module
from webui.app import create_app, load_blueprint
from webui.context import EXTENSION
from webui.security import _instance_secret


def test_without_an_engine_the_settings_build_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'from-env.sqlite'}"
    monkeypatch.setenv("LIENTHONG_DATABASE_URL", url)
    monkeypatch.setenv("LIENTHONG_SESSION_HOURS", "2")
    app = create_app(config={"SECRET_KEY": "x"})
    engine = app.extensions[EXTENSION]
    try:
        assert isinstance(engine, Engine) and engine.settings.database_url == url
        assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 7200
    finally:
        engine.db.dispose()


def test_the_given_engine_and_config_win(engine: Engine) -> None:
    app = create_app(engine, {"SECRET_KEY": "mine", "SESSION_COOKIE_NAME": "other"})
    assert app.extensions[EXTENSION] is engine
    assert app.config["SECRET_KEY"] == "mine" and app.config["SESSION_COOKIE_NAME"] == "other"
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("webui.no_such_module:bp", "cannot be imported"),
        ("webui.context:get_engine", "is not a Blueprint"),
        ("webui.context:nothing", "is not a Blueprint"),
        ("webui.context", "module:attribute"),
    ],
)
def test_a_broken_blueprint_line_stops_the_app(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, spec: str, says: str
) -> None:
    monkeypatch.setattr(app_module, "BLUEPRINTS", [*app_module.BLUEPRINTS, spec])
    with pytest.raises(RuntimeError, match=says):
        create_app(engine, {"SECRET_KEY": "x"})


def test_load_blueprint() -> None:
    assert isinstance(load_blueprint("webui.auth:bp"), Blueprint)


def test_the_generated_signing_key_is_kept_private(tmp_path: Path) -> None:
    fake = SimpleNamespace(instance_path=str(tmp_path / "instance"))
    key = _instance_secret(fake)
    path = tmp_path / "instance" / "secret_key"
    assert len(key) == 64 and path.read_text() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _instance_secret(fake) == key  # kept across restarts


def test_product_errors_become_pages(app, client) -> None:  # noqa: ANN001
    from engine.errors import NotAllowed, NotFound

    @app.route("/boom/<kind>")
    def boom(kind: str) -> str:
        raise {"nf": NotFound("dossier X does not exist"), "na": NotAllowed("not yours")}[kind]

    assert client.get("/boom/nf").status_code == 404
    response = client.get("/boom/na")
    assert response.status_code == 403 and "not yours" in response.get_data(as_text=True)

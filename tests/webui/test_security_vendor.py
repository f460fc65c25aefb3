"""``/vendor/…`` serves allow-listed npm packages' static files, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parents[2]
VIEWER = "bpmn-js/dist/bpmn-navigated-viewer.production.min.js"


@pytest.fixture
def app_config(tmp_path: Path) -> dict:
    """A node_modules of our own, so the test does not depend on `npm ci` having run."""
    modules = tmp_path / "node_modules"
    (modules / "bpmn-js/dist/assets").mkdir(parents=True)
    (modules / VIEWER).write_text("window.BpmnJS = 1;")
    (modules / "bpmn-js/dist/assets/bpmn-js.css").write_text(".djs-container {}")
    (modules / "bpmn-js/package.json").write_text("{}")
    (modules / "left-pad").mkdir()
    (modules / "left-pad/index.js").write_text("module.exports = 1;")
    (tmp_path / "secret.js").write_text("SECRET")
    return {"VENDOR_DIR": str(modules)}


def test_allowed_files_are_served_with_long_caching(client: FlaskClient) -> None:
    with client.get(f"/vendor/{VIEWER}") as response:
        assert response.status_code == 200
        assert response.get_data(as_text=True) == "window.BpmnJS = 1;"
        assert "javascript" in response.content_type
        assert "max-age=31536000" in response.headers["Cache-Control"]
    with client.get("/vendor/bpmn-js/dist/assets/bpmn-js.css") as response:
        assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "left-pad/index.js",  # not an allowed package
        "bpmn-js/package.json",  # not a static asset type
        "bpmn-js/../secret.js",
        "bpmn-js/%2e%2e/%2e%2e/secret.js",
        "bpmn-js/..%2fsecret.js",
        "bpmn-js//etc/passwd.js",
        "bpmn-js/dist/missing.js",
        "..%2f..%2fsecret.js",
    ],
)
def test_everything_else_is_refused(client: FlaskClient, path: str) -> None:
    response = client.get(f"/vendor/{path}")
    assert response.status_code == 404
    assert b"SECRET" not in response.data


def test_the_real_install_has_the_viewer_and_modeler(client: FlaskClient, app) -> None:  # noqa: ANN001
    """After `npm ci` (./run test) the files other pages load are really there."""
    app.config["VENDOR_DIR"] = str(ROOT / "node_modules")
    for name in ("bpmn-navigated-viewer", "bpmn-modeler"):
        with client.get(f"/vendor/bpmn-js/dist/{name}.production.min.js") as response:
            assert response.status_code == 200, name
            assert len(response.data) > 100_000

"""Serve front-end packages installed by npm (``node_modules/``), never committed to git.

Only the packages in :data:`PACKAGES` and only static file types are served; paths go
through ``send_from_directory`` (Werkzeug's ``safe_join``), so ``..`` and absolute paths
are refused. ``/vendor/bpmn-js/dist/bpmn-navigated-viewer.production.min.js`` is the viewer.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory
from werkzeug.wrappers import Response

#: npm packages the pages may load (add one line per package a page needs).
PACKAGES = (
    "bpmn-js",
    "diagram-js",
    "bpmn-js-properties-panel",
    "@bpmn-io/properties-panel",
    "@bpmn-io/form-js",
)
#: File types served; anything else (package.json, sources maps aside) is refused.
SUFFIXES = (".js", ".mjs", ".css", ".map", ".woff", ".woff2", ".ttf", ".eot", ".svg", ".png")
#: A year: files under node_modules change only when package-lock.json does.
MAX_AGE = 365 * 24 * 3600

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


def node_modules() -> Path:
    configured = current_app.config.get("VENDOR_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[1] / "node_modules"


@bp.route("/<path:filename>")
def asset(filename: str) -> Response:
    package, _, rest = _split(filename)
    if package not in PACKAGES or not rest or not rest.lower().endswith(SUFFIXES):
        abort(404)
    root = node_modules() / package
    if not root.is_dir():
        abort(404)
    return send_from_directory(root, rest, max_age=MAX_AGE)


def _split(filename: str) -> tuple[str, str, str]:
    """Split ``@scope/name/rest`` or ``name/rest`` into (package, "/", rest)."""
    if filename.startswith("@"):
        scope, _, remainder = filename.partition("/")
        name, sep, rest = remainder.partition("/")
        return f"{scope}/{name}", sep, rest
    return filename.partition("/")

"""Build the LiênThông web app: ``create_app(engine, config)`` (the application factory).

Nothing imports a global app. The engine is built from ``engine.settings.load()`` unless one
is passed (tests pass theirs) and stored in ``app.extensions["lienthong.engine"]``
(``webui.context.get_engine``). Blueprints come from ``webui.blueprints.BLUEPRINTS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import Any

from flask import Blueprint, Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from engine.errors import Conflict, InvalidInput, LienThongError, NotAllowed, NotFound
from engine.runtime import Engine
from engine.settings import load

from . import i18n, security
from .access import current_officer, login_manager
from .blueprints import BLUEPRINTS, NAV
from .context import EXTENSION

#: HTTP status for each kind of product error that reaches the app unhandled.
ERROR_STATUS = ((NotFound, 404), (NotAllowed, 403), (Conflict, 409), (InvalidInput, 400))


def create_app(engine: Engine | None = None, config: Mapping[str, Any] | None = None) -> Flask:
    """Return a configured app bound to ``engine`` (built from the settings when None)."""
    app = Flask(__name__)
    given = dict(config or {})
    if engine is None:
        engine = Engine(load())
    app.extensions[EXTENSION] = engine
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024
    app.config.update(security.defaults(app, engine.settings, given))
    app.config.update(given)
    security.init_app(app)
    if engine.settings.proxy_hops > 0:
        hops = engine.settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    login_manager.init_app(app)
    i18n.init_app(app)
    for spec in BLUEPRINTS:
        app.register_blueprint(load_blueprint(spec))
    app.context_processor(_template_context)
    app.register_error_handler(LienThongError, _product_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    return app


def load_blueprint(spec: str) -> Blueprint:
    """Import ``"module:attribute"``; any failure stops the app with the spec in the message."""
    module_name, _, attribute = spec.partition(":")
    if not attribute:
        raise RuntimeError(f"blueprint {spec!r} must be written 'module:attribute'")
    try:
        module = import_module(module_name)
    except ImportError as exc:
        raise RuntimeError(f"blueprint {spec!r} cannot be imported: {exc}") from exc
    bp = getattr(module, attribute, None)
    if not isinstance(bp, Blueprint):
        raise RuntimeError(f"blueprint {spec!r}: {module_name}.{attribute} is not a Blueprint")
    return bp


def _template_context() -> dict[str, Any]:
    return {"current_officer": current_officer(), "nav_items": _nav_items}


def _nav_items() -> list[tuple[str, Any]]:
    """The top-bar links the signed-in user may follow (endpoints that exist)."""
    from flask import current_app, url_for

    officer = current_officer()
    items = []
    for endpoint, label, roles in NAV:
        if endpoint not in current_app.view_functions:
            continue
        if roles == () or (officer is not None and (roles is None or officer.has_role(*roles))):
            items.append((url_for(endpoint), label))
    return items


def _product_error(exc: LienThongError) -> tuple[str, int]:
    status = next((code for kind, code in ERROR_STATUS if isinstance(exc, kind)), 400)
    return render_template("error.html", status=status, message=str(exc)), status


def _csrf_error(exc: CSRFError) -> tuple[str, int]:
    message = _("Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và thử lại.")
    return render_template("error.html", status=400, message=message), 400


def _http_error(exc: HTTPException) -> Any:
    if exc.code is None or exc.code < 400:
        return exc
    messages = {
        400: _("Yêu cầu không hợp lệ."),
        403: _("Bạn không có quyền truy cập trang này."),
        404: _("Không tìm thấy trang."),
        405: _("Phương thức không được hỗ trợ."),
        413: _("Tệp gửi lên quá lớn."),
        429: _("Bạn thao tác quá nhanh. Vui lòng thử lại sau ít phút."),
    }
    message = messages.get(exc.code, exc.description or exc.name)
    return render_template("error.html", status=exc.code, message=message), exc.code

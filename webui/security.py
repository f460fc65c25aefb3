"""CSRF protection, rate limiting, session-cookie and response-header policy.

``csrf`` protects every POST/PUT/PATCH/DELETE; an API blueprint authenticated by tokens
calls ``csrf.exempt(bp)``. ``limiter`` is Flask-Limiter: decorate a view with
``@limiter.limit(...)``. Every page carries a Content-Security-Policy whose scripts must come
from this site or carry the request's nonce: write inline scripts as
``<script nonce="{{ csp_nonce() }}">``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from engine.settings import Settings

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def defaults(app: Flask, settings: Settings, given: Mapping[str, Any]) -> dict[str, Any]:
    """The cookie, CSRF and limiter configuration the engine settings call for."""
    values: dict[str, Any] = {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": settings.session_cookie_secure,
        "SESSION_COOKIE_NAME": "lienthong_session",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=settings.session_hours),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": settings.session_cookie_secure,
        "WTF_CSRF_TIME_LIMIT": int(settings.session_hours * 3600),
        "RATELIMIT_STORAGE_URI": ratelimit_storage(settings),
        "RATELIMIT_HEADERS_ENABLED": True,
        # a sliding window: no double burst across a window's edge (and no flaky counts)
        "RATELIMIT_STRATEGY": "moving-window",
    }
    if "SECRET_KEY" not in given:
        values["SECRET_KEY"] = settings.secret_key or _instance_secret(app)
    return values


def init_app(app: Flask) -> None:
    """Turn on CSRF protection, the rate limiter and the security headers."""
    csrf.init_app(app)
    limiter.init_app(app)
    app.after_request(_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce


def ratelimit_storage(settings: Settings) -> str:
    """Count in memory when embedded, in the broker's Redis when web processes are many."""
    if settings.ratelimit_storage_url:
        return settings.ratelimit_storage_url
    return "memory://" if settings.celery_eager else settings.broker_url


def csp_nonce() -> str:
    """Return this request's script nonce (made on first use)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _headers(response: Response) -> Response:
    nonce = csp_nonce()
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self' 'unsafe-inline'; "  # bpmn-js positions its overlays inline
        "img-src 'self' data: blob:; font-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _instance_secret(app: Flask) -> str:
    """Generate the signing key once and keep it (0600) so sessions survive a restart."""
    path = Path(app.instance_path) / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.touch(mode=0o600)
    path.write_text(key, encoding="ascii")
    return key

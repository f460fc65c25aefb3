"""The REST API for integrators (``/api/v1``): token auth, scopes, agencies, limits, JSON errors.

Every route but the OpenAPI document and the gateway's payment callback needs a bearer
token (``engine.api_clients``); writes need an ``Idempotency-Key``. Errors are JSON
``{"error": {"code", "message", "fields"}}`` with the status the product error calls for.
Rate limits count per client token and per address (``api_client_limit``, ``api_ip_limit``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

from engine import api_clients
from engine.errors import (
    Conflict,
    InvalidInput,
    LienThongError,
    NotAllowed,
    NotFound,
)
from engine.payments import BadSignature
from webui.context import get_engine
from webui.security import csrf, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

#: Routes reachable without a token (the callback is authenticated by its HMAC signature).
PUBLIC = {"api.openapi", "api.payment_callback"}


def client_key() -> str:
    """Count requests per API client (token prefix), falling back to the address."""
    # the secret after the prefix may itself hold "_" (token_urlsafe): split twice only
    parts = (request.headers.get("Authorization") or "").removeprefix("Bearer ").split("_", 2)
    if len(parts) == 3 and parts[0] == "lt" and parts[1]:
        return f"api-client:{parts[1]}"
    return f"api-ip:{request.remote_addr}"


# Shared across every route of the API: a client's (or an address's) requests count together.
limiter.shared_limit(lambda: get_engine().settings.api_ip_limit, scope="api-ip")(bp)
limiter.shared_limit(
    lambda: get_engine().settings.api_client_limit, scope="api-client", key_func=client_key
)(bp)


@bp.before_request
def authenticate() -> Any:
    if request.endpoint in PUBLIC:
        return None
    header = request.headers.get("Authorization") or ""
    token = header[7:].strip() if header.startswith("Bearer ") else None
    g.api_client = api_clients.authenticate(get_engine(), token)
    return None


def current_client() -> api_clients.Client:
    return g.api_client


def error(status: int, code: str, message: str, fields: dict | None = None) -> Any:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="lienthong"'
    return response


STATUS: list[tuple[type[LienThongError], int]] = [
    (api_clients.AuthError, 401),
    (BadSignature, 401),
    (api_clients.ScopeError, 403),
    (NotAllowed, 403),
    (NotFound, 404),
    (Conflict, 409),
    (InvalidInput, 400),
]


@bp.errorhandler(LienThongError)
def product_error(exc: LienThongError) -> Any:
    status = next((s for kind, s in STATUS if isinstance(exc, kind)), 502)
    return error(status, exc.code, str(exc), getattr(exc, "errors", None) or None)


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException) -> Any:
    code = (exc.name or "error").lower().replace(" ", "_")
    return error(exc.code or 500, code, exc.description or exc.name)


from webui.api import routes  # noqa: E402,F401  (registers the views on bp)

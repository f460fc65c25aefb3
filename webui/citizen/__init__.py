"""The citizens' pages (``/cong-dan``): sign in with a VNeID-style identity, find a procedure,
submit online, pay, follow the dossier, supplement, confirm the draft result, rate the service.

Citizens are not officers: their identity lives in the session (``citizen``: personal ID and
name) after the identity provider vouches for it — in the embedded mode the simulated
VNeID of ``webui.citizen.vneid``. Every dossier page checks the dossier is the citizen's own.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, session, url_for

from engine import online
from webui.context import get_engine
from webui.security import limiter

bp = Blueprint("citizen", __name__, url_prefix="/cong-dan")
# The citizens' POSTs count with the API's requests from the same address (docs/api.md).
limiter.shared_limit(lambda: get_engine().settings.api_ip_limit, scope="api-ip", methods=["POST"])(
    bp
)


def citizen() -> dict[str, str] | None:
    return session.get("citizen")


def citizen_required(view: Any) -> Any:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if citizen() is None:
            return redirect(url_for("citizen.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped


def own_dossier(code: str) -> Any:
    """The signed-in citizen's dossier, or 404 (another person's dossier does not exist here)."""
    try:
        d = get_engine().dossier(code)
    except Exception:
        abort(404)
    if not online.owns(d, citizen()["personal_id"]):
        abort(404)
    return d


@bp.get("/")
def home() -> str:
    from webui.counter import fold

    q = (request.args.get("q") or "").strip()[:100]
    procedures = online.list_procedures(get_engine())
    if q:
        needle = fold(q)
        procedures = [p for p in procedures if needle in fold(f"{p['code']} {p['name']}")]
    mine = online.dossiers_of(get_engine(), citizen()["personal_id"]) if citizen() else []
    return render_template("citizen/home.html", procedures=procedures, q=q, me=citizen(), mine=mine)


from webui.citizen import dossiers, vneid  # noqa: E402,F401  (register their views on bp)

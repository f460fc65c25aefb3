"""Sign citizens in with a VNeID-style identity provider — simulated in the embedded mode.

The flow is the redirect flow of a real identity provider: the product sends the browser to
the provider with a ``state`` it remembers; the provider authenticates the person (here: a
page standing in for the VNeID app's confirmation) and sends the browser back with a
short-lived signed ``code``; the product checks state and code, then keeps the identity in
the session. The citizen's name and address come from the population registry (prefill).
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from adapters.identifiers import parse_personal_id
from engine.errors import LienThongError
from webui.citizen import bp
from webui.context import get_engine

CODE_MAX_AGE_S = 120


def _codes() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="lienthong-vneid-sim")


@bp.route("/dang-nhap", methods=["GET", "POST"])
def login() -> Any:
    nxt = request.values.get("next") or url_for("citizen.home")
    if not nxt.startswith("/") or nxt.startswith("//"):
        nxt = url_for("citizen.home")
    if request.method == "POST":
        pid = (request.form.get("personal_id") or "").strip()
        try:
            parse_personal_id(pid)
        except (ValueError, LienThongError) as exc:
            flash(f"Số định danh cá nhân không hợp lệ: {exc}", "error")
            return render_template("citizen/login.html", next=nxt, pid=pid), 400
        state = secrets.token_urlsafe(16)
        session["vneid_state"], session["vneid_next"] = state, nxt
        return redirect(url_for("citizen.vneid_authorise", personal_id=pid, state=state))
    return render_template("citizen/login.html", next=nxt, pid="")


@bp.route("/vneid/xac-thuc", methods=["GET", "POST"])
def vneid_authorise() -> Any:
    """The simulated provider: the person confirms in "the VNeID app" and is sent back."""
    pid, state = request.values.get("personal_id", ""), request.values.get("state", "")
    if request.method == "POST":
        if request.form.get("decision") != "allow":
            flash("Bạn đã từ chối xác thực bằng VNeID.", "warning")
            return redirect(url_for("citizen.login"))
        code = _codes().dumps({"pid": pid})
        return redirect(url_for("citizen.vneid_callback", code=code, state=state))
    return render_template("citizen/vneid.html", pid=pid, state=state)


@bp.get("/vneid/callback")
def vneid_callback() -> Any:
    expected = session.pop("vneid_state", None)
    if not expected or not secrets.compare_digest(expected, request.args.get("state", "")):
        abort(400, "Phiên đăng nhập không hợp lệ (state).")
    try:
        pid = _codes().loads(request.args.get("code", ""), max_age=CODE_MAX_AGE_S)["pid"]
    except (BadSignature, SignatureExpired, KeyError, TypeError):
        abort(400, "Mã xác thực không hợp lệ hoặc đã hết hạn.")
    person = lookup(pid)
    session["citizen"] = {
        "personal_id": pid,
        "full_name": str(person.get("full_name") or "Công dân"),
    }
    session["citizen_profile"] = person
    flash(f"Xin chào {session['citizen']['full_name']}.", "success")
    return redirect(session.pop("vneid_next", None) or url_for("citizen.home"))


@bp.post("/dang-xuat")
def logout() -> Any:
    session.pop("citizen", None)
    session.pop("citizen_profile", None)
    return redirect(url_for("citizen.home"))


def lookup(pid: str) -> dict[str, Any]:
    """What the population registry knows of the person (empty when it cannot answer)."""
    try:
        result = get_engine().call_service(
            "population.lookup_citizen", {"personal_id": pid}, idempotency_key=None
        )
    except LienThongError:
        return {}
    data = getattr(result, "data", result)
    return data if isinstance(data, dict) else {}

"""Sign in and out; the home page sends each officer to the first page their roles open.

Wrong username and wrong password get the same message; a locked account says until when.
The session is cleared on sign-in (no session fixation) and on sign-out.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from engine.accounts import AccountLocked, AuthenticationFailed
from engine.errors import InvalidInput

from .access import Officer, current_officer, login_required
from .blueprints import NAV
from .context import get_engine
from .i18n import format_datetime_vn
from .security import limiter

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(
        _l("Tên đăng nhập"),
        validators=[DataRequired(), Length(max=80)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Mật khẩu"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Mật khẩu hiện tại"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        _l("Mật khẩu mới"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Nhập lại mật khẩu"),
        validators=[EqualTo("password", message=_l("Hai mật khẩu không khớp."))],
        render_kw={"autocomplete": "new-password"},
    )


@bp.route("/")
def home() -> Response | str:
    """Send a signed-in officer to their first page; show the welcome page otherwise."""
    officer = current_officer()
    if officer is not None:
        for endpoint, _label, roles in NAV:
            visible = roles is None or (roles != () and officer.has_role(*roles))
            if visible and endpoint in current_app.view_functions:
                return redirect(url_for(endpoint))
    return render_template("home.html")


def _login_limit() -> str:
    return get_engine().settings.login_limit


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> Response | str:
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        status = 401
        try:
            account = get_engine().authenticate(form.username.data.strip(), form.password.data)
        except AccountLocked as exc:
            flash(
                _(
                    "Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần. Thử lại sau %(when)s.",
                    when=format_datetime_vn(exc.until),
                ),
                "error",
            )
        except AuthenticationFailed:
            flash(_("Tên đăng nhập hoặc mật khẩu không đúng."), "error")
        else:
            next_url = _safe_next(request.args.get("next"))
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            session.permanent = True
            login_user(Officer(account))
            flash(_("Xin chào, %(name)s.", name=account.full_name), "success")
            return redirect(next_url or url_for("auth.home"))
    if form.errors:
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | tuple[str, int]:
    """Let an officer replace their password (the demo one first of all)."""
    form = ChangePasswordForm()
    officer = current_officer()
    engine = get_engine()
    if form.validate_on_submit():
        try:
            engine.authenticate(officer.username, form.current.data)
        except AuthenticationFailed:  # counts as a failed sign-in: no guessing through here
            form.current.errors = [_("Mật khẩu hiện tại không đúng.")]
        else:
            try:
                account = engine.set_password(
                    officer.username, form.password.data, actor=officer.username
                )
            except InvalidInput:
                form.password.errors = [
                    _(
                        "Mật khẩu cần ít nhất %(n)d ký tự, không bắt đầu hay kết thúc bằng "
                        "dấu cách.",
                        n=engine.settings.password_min_length,
                    )
                ]
            else:
                login_user(Officer(account))  # the old session token is void now
                flash(_("Đã đổi mật khẩu."), "success")
                return redirect(url_for("auth.home"))
    status = 400 if form.errors else 200
    return render_template("auth/password.html", form=form), status


def _safe_next(target: str | None) -> str | None:
    """Accept only a path on this site as the page to return to (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target

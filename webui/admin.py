"""The admin's pages: agencies (province departments, districts, communes) and accounts.

Only ``admin`` may open them. Every change goes through ``engine.directory`` (validated and
audited there); the forms check the same rules first so that messages are in Vietnamese.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, StopValidation

from engine.accounts import ROLES
from engine.directory import AGENCY_CODE, LEVELS, USERNAME
from engine.errors import InvalidInput

from .access import current_officer, roles_required
from .context import get_engine
from .i18n import vi_name_key

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLE_LABELS = {
    "one_stop_officer": _l("Cán bộ một cửa"),
    "specialist": _l("Chuyên viên"),
    "head_of_unit": _l("Trưởng phòng"),
    "leader": _l("Lãnh đạo"),
    "designer": _l("Thiết kế quy trình"),
    "admin": _l("Quản trị hệ thống"),
}
LEVEL_LABELS = {
    "ministry": _l("Bộ, ngành"),
    "province": _l("Cấp tỉnh"),
    "department": _l("Sở, ban, ngành"),
    "district": _l("Cấp huyện"),
    "commune": _l("Cấp xã"),
}
REQUIRED = _l("Vui lòng nhập trường này.")
#: What to tell the admin when the engine refuses a field (its own messages are English).
FIELD_MESSAGES = {
    "username": _l("Tên đăng nhập đã có hoặc không hợp lệ."),
    "full_name": _l("Họ và tên bắt buộc, tối đa 255 ký tự."),
    "agency_code": _l("Cơ quan không tồn tại."),
    "roles": _l("Chọn ít nhất một vai trò hợp lệ."),
    "password": _l("Mật khẩu quá ngắn hoặc có dấu cách ở đầu/cuối."),
    "code": _l("Mã cơ quan đã có hoặc không hợp lệ."),
    "name": _l("Tên cơ quan bắt buộc, tối đa 255 ký tự."),
    "level": _l("Cấp không hợp lệ."),
    "parent_code": _l("Cơ quan cấp trên không tồn tại hoặc tạo thành vòng lặp."),
}


def offered(message: object) -> Any:
    """Validate that the value (or every value) is one of the field's own choices."""

    def check(form: FlaskForm, field: Any) -> None:
        allowed = {c.value if isinstance(c, SelectChoice) else c[0] for c in field.choices or ()}
        values = field.data if isinstance(field.data, list) else [field.data]
        if any(v not in allowed for v in values):
            raise StopValidation(str(message))

    return check


class Checkboxes(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class AccountForm(FlaskForm):
    username = StringField(
        _l("Tên đăng nhập"),
        validators=[
            DataRequired(REQUIRED),
            Regexp(USERNAME, message=_l("2–80 ký tự: chữ thường không dấu, số, dấu . _ -")),
        ],
    )
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(REQUIRED), Length(max=255)])
    agency_code = SelectField(
        _l("Cơ quan"), validate_choice=False, validators=[offered(_l("Cơ quan không tồn tại."))]
    )
    roles = Checkboxes(
        _l("Vai trò"),
        choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()],
        validate_choice=False,
        validators=[
            DataRequired(_l("Chọn ít nhất một vai trò.")),
            offered(_l("Vai trò không hợp lệ.")),
        ],
    )
    active = BooleanField(_l("Đang hoạt động"), default=True)
    password = PasswordField(_l("Mật khẩu ban đầu"), render_kw={"autocomplete": "new-password"})


class PasswordForm(FlaskForm):
    password = PasswordField(
        _l("Mật khẩu mới"),
        validators=[DataRequired(REQUIRED)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Nhập lại mật khẩu"),
        validators=[EqualTo("password", message=_l("Hai mật khẩu không khớp."))],
        render_kw={"autocomplete": "new-password"},
    )


class AgencyForm(FlaskForm):
    code = StringField(
        _l("Mã cơ quan"),
        validators=[
            DataRequired(REQUIRED),
            Regexp(AGENCY_CODE, message=_l("Mã dạng 000.00.12.H56 (chữ in hoa, số, dấu chấm).")),
        ],
        filters=[lambda v: (v or "").strip().upper()],
    )
    name = StringField(_l("Tên cơ quan"), validators=[DataRequired(REQUIRED), Length(max=255)])
    level = SelectField(
        _l("Cấp"),
        choices=[SelectChoice(k, v) for k, v in LEVEL_LABELS.items()],
        validate_choice=False,
        validators=[offered(_l("Cấp không hợp lệ."))],
    )
    parent_code = SelectField(
        _l("Cơ quan cấp trên"),
        validate_choice=False,
        validators=[offered(_l("Cơ quan cấp trên không tồn tại."))],
    )


def _agency_choices(blank: str) -> list[SelectChoice]:
    return [SelectChoice("", blank)] + [
        SelectChoice(a.code, f"{'— ' * a.depth}{a.name} ({a.code})")
        for a in get_engine().agency_tree()
    ]


def _engine_errors(form: FlaskForm, exc: InvalidInput) -> None:
    """Put the engine's field errors on the form (its own message when the field is unknown)."""
    for key in exc.errors:
        field = getattr(form, key, None)
        message = str(FIELD_MESSAGES.get(key, _("Dữ liệu không hợp lệ.")))
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), message]
        else:
            flash(message, "error")
    if not exc.errors:
        flash(str(exc), "error")


@bp.route("/")
@roles_required("admin")
def index() -> Response:
    return redirect(url_for("admin.users"))


@bp.route("/users")
@roles_required("admin")
def users() -> str:
    agency = request.args.get("agency", "")
    q = " ".join(request.args.get("q", "").split()).lower()[:80]
    accounts = get_engine().accounts()
    if agency:
        accounts = [a for a in accounts if a.agency_code == agency]
    if q:
        accounts = [a for a in accounts if q in a.username or q in a.full_name.lower()]
    accounts.sort(key=lambda a: vi_name_key(a.full_name))
    agencies = {a.code: a.name for a in get_engine().agency_tree()}
    return render_template(
        "admin/users.html",
        accounts=accounts,
        agencies=agencies,
        agency=agency,
        q=q,
        role_labels=ROLE_LABELS,
        now=get_engine().clock.now(),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def new_user() -> Response | tuple[str, int]:
    form = AccountForm()
    form.agency_code.choices = _agency_choices(_("— Không thuộc cơ quan nào —"))
    minimum = get_engine().settings.password_min_length
    if form.validate_on_submit() and len(form.password.data or "") < minimum:
        form.password.errors = [_("Mật khẩu cần ít nhất %(n)d ký tự.", n=minimum)]
    elif form.is_submitted() and not form.errors:
        try:
            account = get_engine().create_account(
                form.username.data,
                form.full_name.data,
                form.agency_code.data or None,
                list(form.roles.data),
                form.password.data or "",
                actor=current_officer().username,
            )
        except InvalidInput as exc:
            _engine_errors(form, exc)
        else:
            flash(_("Đã tạo tài khoản %(user)s.", user=account.username), "success")
            return redirect(url_for("admin.users"))
    status = 400 if form.errors else 200
    return render_template("admin/user_form.html", form=form, creating=True), status


@bp.route("/users/<username>", methods=["GET", "POST"])
@roles_required("admin")
def edit_user(username: str) -> Response | tuple[str, int]:
    account = get_engine().account(username)
    if account is None:
        abort(404)
    form = AccountForm(
        data=None
        if request.method == "POST"
        else {
            "username": account.username,
            "full_name": account.full_name,
            "agency_code": account.agency_code or "",
            "roles": list(account.roles),
            "active": account.active,
        }
    )
    form.username.data = account.username  # not editable: the audit log names it
    form.agency_code.choices = _agency_choices(_("— Không thuộc cơ quan nào —"))
    if form.validate_on_submit():
        try:
            get_engine().update_account(
                username,
                form.full_name.data,
                form.agency_code.data or None,
                list(form.roles.data),
                form.active.data,
                actor=current_officer().username,
            )
        except InvalidInput as exc:
            _engine_errors(form, exc)
        else:
            flash(_("Đã lưu tài khoản %(user)s.", user=username), "success")
            return redirect(url_for("admin.users"))
    status = 400 if form.errors else 200
    return render_template(
        "admin/user_form.html",
        form=form,
        creating=False,
        account=account,
        password_form=PasswordForm(formdata=None),
        now=get_engine().clock.now(),
    ), status


@bp.route("/users/<username>/password", methods=["POST"])
@roles_required("admin")
def reset_password(username: str) -> Response | tuple[str, int]:
    account = get_engine().account(username)
    if account is None:
        abort(404)
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            get_engine().set_password(
                username, form.password.data, actor=current_officer().username
            )
        except InvalidInput:
            form.password.errors = [
                _(
                    "Mật khẩu cần ít nhất %(n)d ký tự, không bắt đầu hay kết thúc bằng dấu cách.",
                    n=get_engine().settings.password_min_length,
                )
            ]
        else:
            flash(_("Đã đặt lại mật khẩu và mở khóa tài khoản %(user)s.", user=username), "success")
            return redirect(url_for("admin.edit_user", username=username))
    edit = AccountForm(
        formdata=None,
        data={
            "username": account.username,
            "full_name": account.full_name,
            "agency_code": account.agency_code or "",
            "roles": list(account.roles),
            "active": account.active,
        },
    )
    edit.agency_code.choices = _agency_choices(_("— Không thuộc cơ quan nào —"))
    return render_template(
        "admin/user_form.html",
        form=edit,
        creating=False,
        account=account,
        password_form=form,
        now=get_engine().clock.now(),
    ), 400


@bp.route("/agencies")
@roles_required("admin")
def agencies() -> str:
    return render_template(
        "admin/agencies.html", agencies=get_engine().agency_tree(), level_labels=LEVEL_LABELS
    )


@bp.route("/agencies/new", methods=["GET", "POST"])
@bp.route("/agencies/<code>", methods=["GET", "POST"])
@roles_required("admin")
def edit_agency(code: str | None = None) -> Response | tuple[str, int]:
    tree = {a.code: a for a in get_engine().agency_tree()}
    current = tree.get(code) if code else None
    if code and current is None:
        abort(404)
    data = None
    if current is not None and request.method == "GET":
        data = {
            "code": current.code,
            "name": current.name,
            "level": current.level,
            "parent_code": current.parent_code or "",
        }
    form = AgencyForm(data=data)
    if current is not None:
        form.code.data = current.code
    form.parent_code.choices = _agency_choices(_("— Cấp cao nhất —"))
    if form.validate_on_submit():
        try:
            get_engine().save_agency(
                form.code.data,
                form.name.data,
                form.level.data,
                form.parent_code.data or None,
                actor=current_officer().username,
                create=current is None,
            )
        except InvalidInput as exc:
            _engine_errors(form, exc)
        else:
            flash(_("Đã lưu cơ quan %(code)s.", code=form.code.data), "success")
            return redirect(url_for("admin.agencies"))
    status = 400 if form.errors else 200
    return render_template("admin/agency_form.html", form=form, current=current), status


__all__ = ["LEVELS", "ROLES", "bp"]

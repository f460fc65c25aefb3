"""The public status look-up: a dossier code plus the applicant's phone or ID suffix.

No sign-in. Rate limited per client address (``public_lookup_limit``). A wrong code and a
wrong secret give the very same page, so codes cannot be guessed one by one; the form is a
POST, so the secret never lands in URLs, logs or browser history. The citizen also sees who
opened their personal data (``Engine.data_access_log``).
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from .context import get_engine
from .security import limiter

bp = Blueprint("public", __name__, url_prefix="/tra-cuu")


class LookupForm(FlaskForm):
    code = StringField(
        _l("Mã hồ sơ"),
        validators=[DataRequired(), Length(max=80)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    secret = StringField(
        _l("Số điện thoại hoặc 4 số cuối CCCD của người nộp"),
        validators=[DataRequired(), Length(max=80)],
        render_kw={"autocomplete": "off", "inputmode": "numeric"},
    )


def _limit() -> str:
    return get_engine().settings.public_lookup_limit


@bp.route("/", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def lookup() -> tuple[str, int] | str:
    form = LookupForm()
    if request.method == "GET" and request.args.get("ma"):
        form.code.data = request.args["ma"][:80]
    if not form.validate_on_submit():
        return render_template("public/lookup.html", form=form), 400 if form.errors else 200
    status = get_engine().public_status(form.code.data, form.secret.data)
    if status is None:
        empty = LookupForm(formdata=None)  # echo nothing back: the same page for every miss
        return render_template("public/lookup.html", form=empty, not_found=True), 404
    return render_template("public/status.html", status=status)

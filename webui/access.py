"""Who is signed in, and which views they may open: Flask-Login on top of engine accounts.

The session holds the account's ``session_token`` (username + a fingerprint of the password
hash): resetting a password or deactivating the account ends its open sessions at once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user, login_required

from engine.accounts import ROLES, Account

from .context import get_engine

__all__ = [
    "ROLES",
    "Officer",
    "current_officer",
    "login_manager",
    "login_required",
    "roles_required",
]

F = TypeVar("F", bound=Callable[..., Any])

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


class Officer(UserMixin):
    """The signed-in user as Flask-Login sees it; ``account`` is the engine's view of them."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def get_id(self) -> str:
        return self.account.session_token

    @property
    def is_active(self) -> bool:
        return self.account.active


@login_manager.user_loader
def _load(token: str) -> Officer | None:
    account = get_engine().account_by_token(token)
    return Officer(account) if account is not None else None


def current_officer() -> Account | None:
    """Return the engine account of the signed-in user, or None for an anonymous visitor."""
    if current_user.is_authenticated:
        return current_user.account
    return None


def roles_required(*roles: str) -> Callable[[F], F]:
    """Let a view through only for a signed-in user holding one of ``roles`` (else 403).

    ``admin`` is not implied: list it when admins should pass too.
    """
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"roles_required needs known roles, got {roles!r}")

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            officer = current_officer()
            if officer is None:
                return login_manager.unauthorized()
            if not officer.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate

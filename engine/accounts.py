"""Officers' accounts: passwords, sign-in with lock-out, and the admin's user management.

A mixin of :class:`engine.runtime.Engine`. The web app signs officers in through
:meth:`Accounts.authenticate` and never reads ``users.password_hash`` itself; every sign-in,
failure and lock is written to the audit log (with no dossier).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from . import audit
from .errors import NotAllowed, NotFound
from .models import User
from .passwords import hash_password, needs_rehash, verify_password

if TYPE_CHECKING:
    from .clock import Clock
    from .db import Database
    from .settings import Settings

#: Roles an account may hold; the web app shows pages by these.
ROLES = ("one_stop_officer", "specialist", "head_of_unit", "leader", "designer", "admin")


class AuthenticationFailed(NotAllowed):
    """Wrong username or password; deliberately says no more than that."""

    code = "authentication_failed"


class AccountLocked(AuthenticationFailed):
    """Too many wrong passwords in a row: the account refuses sign-ins until ``until``."""

    code = "account_locked"

    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
        self.until = until


@dataclass(frozen=True)
class Account:
    """What the web app may know about a user: no password hash, only its fingerprint."""

    id: int
    username: str
    full_name: str
    agency_code: str | None
    roles: tuple[str, ...]
    active: bool
    locked_until: datetime | None
    has_password: bool
    #: Changes whenever the password does: sessions made before a reset stop working.
    session_token: str

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


def account_of(user: User) -> Account:
    digest = hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]
    return Account(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        agency_code=user.agency_code,
        roles=tuple(user.roles or ()),
        active=bool(user.active),
        locked_until=user.locked_until,
        has_password=bool(user.password_hash),
        session_token=f"{user.username}:{digest}",
    )


class Accounts:
    """Passwords and sign-in for :class:`~engine.runtime.Engine`."""

    settings: Settings
    db: Database
    clock: Clock

    def account(self, username: str) -> Account | None:
        """Return the account called ``username`` (active or not), or None."""
        with self.db.read() as s:
            user = _find(s, username)
            return account_of(user) if user is not None else None

    def accounts(self) -> list[Account]:
        """Return every account, by username."""
        with self.db.read() as s:
            return [
                account_of(u) for u in s.execute(select(User).order_by(User.username)).scalars()
            ]

    def account_by_token(self, token: str) -> Account | None:
        """Return the active account a session token belongs to, None once it is stale."""
        username = token.rsplit(":", 1)[0]
        found = self.account(username)
        if found is None or not found.active or found.session_token != token:
            return None
        return found

    def set_password(self, username: str, password: str, *, actor: str = "system") -> Account:
        """Set a user's password (hashed), clearing failed sign-ins and any lock."""
        hashed = hash_password(password, min_length=self.settings.password_min_length)
        with self.db.write() as s:
            user = _find(s, username)
            if user is None:
                raise NotFound(f"người dùng {username!r} không tồn tại")
            user.password_hash, user.failed_logins, user.locked_until = hashed, 0, None
            audit.record(s, at=self.clock.now(), actor=actor, action="password_set", user=username)
            s.flush()
            return account_of(user)

    def authenticate(self, username: str, password: str) -> Account:
        """Check a sign-in; count failures and lock the account after too many in a row.

        The slow hash check runs before the write transaction (a SQLite database has one
        writer: holding it for the check would stall every step); the transaction then
        re-reads the row and only counts. Failures are committed before the error is raised,
        so the count survives it.
        """
        now = self.clock.now()
        with self.db.read() as s:
            seen = _find(s, username)
            stored = seen.password_hash if seen is not None else None
        ok = verify_password(stored, password)
        refusal: AuthenticationFailed | None = None
        with self.db.write() as s:
            user = _find(s, username)
            ok = ok and user is not None and user.password_hash == stored
            if user is None or not user.active:
                refusal = AuthenticationFailed("sai tên đăng nhập hoặc mật khẩu")
            elif user.locked_until is not None and user.locked_until > now:
                audit.record(s, at=now, actor=user.username, action="login_refused_locked")
                refusal = AccountLocked(
                    f"tài khoản bị khóa đến {user.locked_until}", user.locked_until
                )
            elif not ok:
                self._count_failure(s, user, now)
                refusal = (
                    AccountLocked(f"tài khoản bị khóa đến {user.locked_until}", user.locked_until)
                    if user.locked_until is not None
                    else AuthenticationFailed("sai tên đăng nhập hoặc mật khẩu")
                )
            else:
                user.failed_logins, user.locked_until = 0, None
                if needs_rehash(user.password_hash or ""):
                    user.password_hash = hash_password(password, min_length=0)
                audit.record(s, at=now, actor=user.username, action="login")
                s.flush()
                found = account_of(user)
        if refusal is not None:
            raise refusal
        return found

    def _count_failure(self, s: Any, user: User, now: datetime) -> None:
        user.failed_logins = (user.failed_logins or 0) + 1
        audit.record(
            s, at=now, actor=user.username, action="login_failed", failures=user.failed_logins
        )
        if user.failed_logins >= self.settings.login_max_failures:
            user.locked_until = now + timedelta(minutes=self.settings.login_lockout_minutes)
            user.failed_logins = 0
            audit.record(
                s,
                at=now,
                actor=user.username,
                action="account_locked",
                until=user.locked_until.isoformat(),
            )


def _find(s: Any, username: str) -> User | None:
    if not isinstance(username, str) or not username or len(username) > 80:
        return None
    return s.execute(select(User).where(User.username == username)).scalar_one_or_none()

"""The admin's directory: agencies (with their hierarchy) and officers' accounts.

A mixin of :class:`engine.runtime.Engine`, Flask-free; the admin pages and the CLI call it.
Every change is written to the audit log with the admin who made it. Accounts are never
deleted (the audit log names them): they are deactivated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from . import audit
from .accounts import ROLES, Account, account_of
from .errors import InvalidInput, NotFound
from .models import Agency, User
from .passwords import hash_password

if TYPE_CHECKING:
    from .clock import Clock
    from .db import Database
    from .settings import Settings

#: Agency levels, from the top: a ministry, the province, its departments, districts, communes.
LEVELS = ("ministry", "province", "department", "district", "commune")
#: National agency codes look like 000.00.12.H56 (letters and digits in dotted groups).
AGENCY_CODE = re.compile(r"^[0-9A-Z]{1,10}(\.[0-9A-Z]{1,10}){1,5}$")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")


@dataclass(frozen=True)
class AgencyInfo:
    code: str
    name: str
    level: str
    parent_code: str | None
    depth: int
    users: int


class Directory:
    """Agencies and accounts as the admin manages them."""

    settings: Settings
    db: Database
    clock: Clock

    # -- agencies ------------------------------------------------------------------
    def agency_tree(self) -> list[AgencyInfo]:
        """Every agency, parents before their children (depth-first, by code)."""
        with self.db.read() as s:
            rows = list(s.execute(select(Agency)).scalars())
            counts = dict(
                s.execute(select(User.agency_code, func.count()).group_by(User.agency_code)).all()
            )
        children: dict[str | None, list[Agency]] = {}
        codes = {a.code for a in rows}
        for a in rows:
            parent = a.parent_code if a.parent_code in codes else None
            children.setdefault(parent, []).append(a)
        out: list[AgencyInfo] = []

        def walk(parent: str | None, depth: int) -> None:
            for a in sorted(children.get(parent, []), key=lambda x: x.code):
                out.append(
                    AgencyInfo(a.code, a.name, a.level, a.parent_code, depth, counts.get(a.code, 0))
                )
                walk(a.code, depth + 1)

        walk(None, 0)
        return out

    def save_agency(
        self,
        code: str,
        name: str,
        level: str,
        parent_code: str | None,
        *,
        actor: str,
        create: bool,
    ) -> None:
        """Create (``create``) or update an agency; refuse loops in the hierarchy."""
        code, name = (code or "").strip().upper(), " ".join((name or "").split())
        parent_code = (parent_code or "").strip().upper() or None
        errors: dict[str, list[str]] = {}
        if not AGENCY_CODE.match(code):
            errors["code"] = ["mã cơ quan phải có dạng như 000.00.12.H56"]
        if not name or len(name) > 255:
            errors["name"] = ["bắt buộc, tối đa 255 ký tự"]
        if level not in LEVELS:
            errors["level"] = [f"một trong: {', '.join(LEVELS)}"]
        if errors:
            raise InvalidInput("thông tin cơ quan chưa hợp lệ", errors)
        with self.db.write() as s:
            agency = s.get(Agency, code)
            if create and agency is not None:
                raise InvalidInput(f"cơ quan {code} đã tồn tại", {"code": ["đã tồn tại"]})
            if not create and agency is None:
                raise NotFound(f"không có cơ quan {code}")
            if parent_code is not None:
                self._check_parent(s, code, parent_code)
            if agency is None:
                agency = Agency(code=code)
                s.add(agency)
            agency.name, agency.level, agency.parent_code = name, level, parent_code
            audit.record(
                s,
                at=self.clock.now(),
                actor=actor,
                action="agency_created" if create else "agency_changed",
                agency=code,
                name=name,
                level=level,
                parent=parent_code,
            )

    def _check_parent(self, s: Any, code: str, parent_code: str) -> None:
        seen = {code}
        current: str | None = parent_code
        while current is not None:
            if current in seen:
                raise InvalidInput(
                    f"cơ quan {parent_code} trực thuộc {code}: chọn làm cấp trên sẽ tạo vòng lặp",
                    {"parent_code": ["tạo vòng lặp"]},
                )
            seen.add(current)
            parent = s.get(Agency, current)
            if parent is None:
                raise InvalidInput(
                    f"không có cơ quan cấp trên {current}", {"parent_code": ["không tồn tại"]}
                )
            current = parent.parent_code

    # -- accounts ------------------------------------------------------------------
    def create_account(
        self,
        username: str,
        full_name: str,
        agency_code: str | None,
        roles: list[str],
        password: str,
        *,
        actor: str,
    ) -> Account:
        """Create an account with its first password (the officer changes it later)."""
        username = (username or "").strip().lower()
        if not USERNAME.match(username):
            raise InvalidInput(
                "tên đăng nhập gồm 2-80 ký tự: chữ thường không dấu, chữ số, '.', '_' hoặc '-'",
                {"username": ["2-80 ký tự a-z 0-9 . _ -"]},
            )
        hashed = hash_password(password, min_length=self.settings.password_min_length)
        with self.db.write() as s:
            if s.execute(select(User.id).where(User.username == username)).first():
                raise InvalidInput(f"tài khoản {username} đã tồn tại", {"username": ["đã tồn tại"]})
            user = User(username=username, password_hash=hashed, active=True, failed_logins=0)
            self._fill(s, user, full_name, agency_code, roles)
            s.add(user)
            audit.record(
                s,
                at=self.clock.now(),
                actor=actor,
                action="user_created",
                user=username,
                agency=user.agency_code,
                roles=list(user.roles),
            )
            s.flush()
            return account_of(user)

    def update_account(
        self,
        username: str,
        full_name: str,
        agency_code: str | None,
        roles: list[str],
        active: bool,
        *,
        actor: str,
    ) -> Account:
        """Change an account's name, agency, roles or state; deactivating ends its sessions."""
        with self.db.write() as s:
            user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
            if user is None:
                raise NotFound(f"không có tài khoản {username!r}")
            if username == actor and (not active or "admin" not in roles):
                raise InvalidInput(
                    "quản trị viên không thể tự khóa tài khoản hay tự bỏ vai trò quản trị của mình",
                    {"roles": ["hãy giữ vai trò quản trị của chính mình"]},
                )
            before = _summary(user)
            self._fill(s, user, full_name, agency_code, roles)
            user.active = bool(active)
            audit.record(
                s,
                at=self.clock.now(),
                actor=actor,
                action="user_changed",
                user=username,
                before=before,
                after={
                    "agency": user.agency_code,
                    "roles": list(user.roles),
                    "active": user.active,
                },
            )
            s.flush()
            return account_of(user)

    def _fill(
        self, s: Any, user: User, full_name: str, agency_code: str | None, roles: list[str]
    ) -> None:
        full_name = " ".join((full_name or "").split())
        errors: dict[str, list[str]] = {}
        if not full_name or len(full_name) > 255:
            errors["full_name"] = ["bắt buộc, tối đa 255 ký tự"]
        unknown = [r for r in roles if r not in ROLES]
        if unknown or not roles:
            errors["roles"] = [f"một hoặc nhiều trong: {', '.join(ROLES)}"]
        agency_code = agency_code or None
        if agency_code is not None and s.get(Agency, agency_code) is None:
            errors["agency_code"] = ["không có cơ quan này"]
        if errors:
            raise InvalidInput("thông tin tài khoản chưa hợp lệ", errors)
        user.full_name, user.agency_code = full_name, agency_code
        user.roles = [r for r in ROLES if r in roles]


def _summary(user: User) -> dict[str, Any]:
    return {"agency": user.agency_code, "roles": list(user.roles), "active": bool(user.active)}

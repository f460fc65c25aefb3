"""API clients and their tokens: who may call the REST API, for what, on which agencies.

A token is ``lt_<prefix>_<secret>``. Only the SHA-256 of the whole token is stored, with the
prefix in clear so a lookup is one indexed read and a leaked database gives no usable
token. A token is shown once, at creation; revoking a client stops its token at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from . import audit
from .errors import InvalidInput, LienThongError, NotFound
from .models import ApiClient

if TYPE_CHECKING:
    from .runtime import Engine

#: Operations a client can be granted; each API route needs one.
SCOPES = (
    "procedures:read",
    "dossiers:submit",
    "dossiers:read",
    "dossiers:supplement",
    "dossiers:withdraw",
    "results:read",
)


class AuthError(LienThongError):
    """A missing, malformed, unknown or revoked token (HTTP 401)."""

    code = "unauthorised"


class ScopeError(LienThongError):
    """A valid token without the scope or agency the request needs (HTTP 403)."""

    code = "forbidden"


@dataclass(frozen=True)
class Client:
    """What a request knows about its caller once the token checks out."""

    id: int
    name: str
    scopes: frozenset[str]
    agencies: frozenset[str]  # empty: every agency

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise ScopeError(f"ứng dụng kết nối {self.name!r} chưa được cấp quyền {scope!r}")

    def require_agency(self, agency_code: str) -> None:
        if self.agencies and agency_code not in self.agencies:
            raise ScopeError(
                f"ứng dụng kết nối {self.name!r} không được thao tác trên cơ quan {agency_code}"
            )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_client(
    engine: Engine,
    name: str,
    *,
    scopes: list[str] | tuple[str, ...] = SCOPES,
    agencies: list[str] | tuple[str, ...] = (),
    actor: str = "system",
) -> tuple[ApiClient, str]:
    """Register a client; return it and its token (the only time the token exists in clear)."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("ứng dụng kết nối API phải có tên", {"name": ["bắt buộc"]})
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InvalidInput(
            f"hãy chọn một hoặc nhiều phạm vi quyền trong {list(SCOPES)}"
            + (f" (không có phạm vi {unknown})" if unknown else ""),
            {"scopes": [f"một hoặc nhiều trong {list(SCOPES)}"]},
        )
    prefix, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    token = f"lt_{prefix}_{secret}"
    now = engine.clock.now()
    with engine.db.write() as s:
        if s.execute(select(ApiClient.id).where(ApiClient.name == name)).first():
            raise InvalidInput(
                f"đã có ứng dụng kết nối tên {name!r}", {"name": ["tên đã được dùng"]}
            )
        client = ApiClient(
            name=name,
            token_prefix=prefix,
            token_hash=_hash(token),
            scopes=sorted(set(scopes)),
            agencies=sorted(set(agencies)),
            created_at=now,
            created_by=actor,
        )
        s.add(client)
        s.flush()
        audit.record(
            s, at=now, actor=actor, action="api_client_created", client=name, scopes=client.scopes
        )
        s.expunge(client)
    return client, token


def revoke_client(engine: Engine, name: str, *, actor: str = "system") -> ApiClient:
    now = engine.clock.now()
    with engine.db.write() as s:
        client = s.execute(select(ApiClient).where(ApiClient.name == name)).scalar_one_or_none()
        if client is None:
            raise NotFound(f"không có ứng dụng kết nối tên {name!r}")
        if client.revoked_at is None:
            client.revoked_at = now
            audit.record(s, at=now, actor=actor, action="api_client_revoked", client=name)
        s.flush()
        s.expunge(client)
        return client


def list_clients(engine: Engine) -> list[ApiClient]:
    with engine.db.read() as s:
        return list(s.execute(select(ApiClient).order_by(ApiClient.name)).scalars())


def authenticate(engine: Engine, token: str | None) -> Client:
    """Check a bearer token; every failure says the same thing so tokens cannot be probed."""
    parts = (token or "").split("_", 2)
    if len(parts) != 3 or parts[0] != "lt" or not parts[1] or not parts[2]:
        raise AuthError("thiếu mã truy cập API hoặc mã sai định dạng (Authorization: Bearer lt_…)")
    with engine.db.read() as s:
        row = s.execute(
            select(ApiClient).where(ApiClient.token_prefix == parts[1])
        ).scalar_one_or_none()
        if row is None or not hmac.compare_digest(row.token_hash, _hash(token or "")):
            raise AuthError("mã truy cập API không đúng")
        if row.revoked_at is not None:
            raise AuthError(f"mã truy cập của ứng dụng kết nối {row.name!r} đã bị thu hồi")
        return Client(row.id, row.name, frozenset(row.scopes), frozenset(row.agencies))

"""Hash and check officers' passwords with argon2id, so a stolen database yields no passwords.

Only this module knows the hashing scheme; ``engine.accounts`` stores what it returns. The
parameters are argon2-cffi's RFC 9106 "low memory" profile: strong, and fast enough that
a sign-in stays well under a second on the province's small servers.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.profiles import RFC_9106_LOW_MEMORY

from .errors import InvalidInput

_HASHER = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)


def hash_password(password: str, *, min_length: int) -> str:
    """Return the argon2id hash of ``password`` after checking it is acceptable."""
    check_strength(password, min_length=min_length)
    return _HASHER.hash(password)


def check_strength(password: str, *, min_length: int) -> None:
    """Refuse passwords too short or blank-padded, with a message the officer can act on."""
    if not isinstance(password, str):
        raise InvalidInput("mật khẩu phải là chuỗi ký tự", {"password": ["không phải chuỗi ký tự"]})
    if len(password) < min_length:
        raise InvalidInput(
            f"mật khẩu phải có ít nhất {min_length} ký tự",
            {"password": [f"ít nhất {min_length} ký tự"]},
        )
    if password != password.strip():
        raise InvalidInput(
            "mật khẩu không được bắt đầu hay kết thúc bằng dấu cách",
            {"password": ["có dấu cách ở đầu hoặc cuối"]},
        )


def verify_password(stored: str | None, password: str) -> bool:
    """Tell whether ``password`` matches ``stored`` (False when there is no usable hash)."""
    if not stored:
        _spend_time(password)
        return False
    try:
        return _HASHER.verify(stored, password)
    except VerifyMismatchError:
        return False
    except (InvalidHashError, VerificationError):
        return False


def needs_rehash(stored: str) -> bool:
    """Tell whether ``stored`` was made with older parameters and should be replaced."""
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


@cache
def _dummy_hash() -> str:
    """A hash checked when the user does not exist, so that a wrong username costs as much
    time as a wrong password and timing does not reveal which usernames exist."""
    return _HASHER.hash("lienthong: no such user")


def _spend_time(password: str) -> None:
    try:
        _HASHER.verify(_dummy_hash(), password)
    except VerificationError:
        pass

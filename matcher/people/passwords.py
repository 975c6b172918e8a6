"""Password hashing with argon2id (SECURITY.md item 1)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["hash_password", "needs_rehash", "verify_password"]

# argon2-cffi's defaults follow RFC 9106's second recommended option (argon2id, 64 MiB).
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def _stand_in() -> str:
    """A hash no password matches in practice, verified in place of a missing account's."""
    return _hasher.hash("jobbridge: an account that does not exist")


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no hash (no such account, or a disabled one) a
    stand-in is verified all the same and False returned, so that the answer takes as
    long either way and does not tell which usernames exist (issue M2 of the security
    review; SECURITY.md item 2 limits the attempts)."""
    try:
        return _hasher.verify(stored_hash or _stand_in(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)

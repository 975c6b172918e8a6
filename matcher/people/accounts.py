"""Signing in: password checks, the shared failure limit, and session versions
(SECURITY.md items 1-4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import col

from matcher.core import clock
from matcher.core.db import write_session
from matcher.core.locks import transaction_lock
from matcher.core.models import Jobseeker, LoginAttempt, User
from matcher.people.passwords import hash_password, needs_rehash, verify_password

__all__ = [
    "ADDRESS_FAILURE_LIMIT",
    "FAILURE_LIMIT",
    "FAILURE_WINDOW",
    "SignIn",
    "SignInRefused",
    "TooManyAttempts",
    "bump_session_version",
    "sign_in",
]

# Ten failures per account or per address within the window; the eleventh attempt is refused
# before its password is even checked.
FAILURE_LIMIT = 10  # failures per account in the window
# Failures per address: well above one account's limit, so that one person cannot lock out
# an office whose staff share an address (or a whole site behind an unconfigured proxy).
ADDRESS_FAILURE_LIMIT = 100
FAILURE_WINDOW = timedelta(minutes=15)


class SignInRefused(Exception):
    """Wrong username or password, or a disabled account (one message for all three)."""


class TooManyAttempts(Exception):
    pass


@dataclass(frozen=True)
class SignIn:
    user_id: int
    role: str
    session_version: int
    seeker_id: int | None


def _keys(username: str, address: str) -> list[str]:
    return [f"user:{username.strip().lower()}"[:120], f"addr:{address}"[:120]]


def sign_in(
    engine: Engine, *, username: str, password: str, address: str, now: datetime | None = None
) -> SignIn:
    """Check a sign-in; failures count toward the account's and the address's limits.

    The attempt is counted and recorded in one serialised transaction before the password
    is checked, so that concurrent attempts cannot all pass the limit before the first of
    them is recorded; a successful sign-in then takes its records back."""
    now = now or clock.utcnow()
    keys = _keys(username, address)
    with write_session(engine) as session:
        transaction_lock(session, *keys)
        recent = session.execute(
            select(col(LoginAttempt.key), func.count())
            .where(col(LoginAttempt.key).in_(keys), col(LoginAttempt.at) > now - FAILURE_WINDOW)
            .group_by(col(LoginAttempt.key))
        ).all()
        limits = {keys[0]: FAILURE_LIMIT, keys[1]: ADDRESS_FAILURE_LIMIT}
        if any(count >= limits[key] for key, count in recent):
            raise TooManyAttempts
        attempts = [LoginAttempt(key=key, at=now) for key in keys]
        session.add_all(attempts)
        session.flush()
        recorded = [attempt.id for attempt in attempts]
        user = session.execute(
            select(User).where(col(User.username) == username.strip())
        ).scalar_one_or_none()
        if user is not None:
            session.expunge(user)  # read after the commit
    stored = user.password_hash if user is not None and user.active else None
    matched = verify_password(stored, password)  # a hash checked whoever the user is
    if user is None or not matched:
        raise SignInRefused  # the attempt stays recorded
    assert user.id is not None
    with write_session(engine) as session:
        values: dict[str, object] = {"last_login_at": now}
        if needs_rehash(user.password_hash):
            values["password_hash"] = hash_password(password)
        session.execute(update(User).where(col(User.id) == user.id).values(**values))
        session.execute(delete(LoginAttempt).where(col(LoginAttempt.key) == keys[0]))
        session.execute(delete(LoginAttempt).where(col(LoginAttempt.id).in_(recorded)))
        seeker_id = session.execute(
            select(col(Jobseeker.id)).where(col(Jobseeker.user_id) == user.id)
        ).scalar()
    return SignIn(user.id, user.role, user.session_version, seeker_id)


def bump_session_version(engine: Engine, user_id: int) -> None:
    """End every session of a user (logout, password or role change, disable)."""
    with write_session(engine) as session:
        session.execute(
            update(User)
            .where(col(User.id) == user_id)
            .values(session_version=col(User.session_version) + 1)
        )

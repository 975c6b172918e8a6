"""Database locks that make a job run once across processes (SECURITY.md item 20).

On PostgreSQL a job's lock is a session-level advisory lock, held on a connection of its
own for as long as the job runs: the server lets it go when the holder disconnects, so a
process killed mid-job frees it at once. SQLite has no such locks; a ``job_lease`` row
stands in. The holder renews it from a background thread while the job runs, and a holder
that dies lets it lapse after ``lease`` seconds.

``job_lock(engine, name)`` yields whether the lock was taken; with ``wait=True`` it waits
for the holder to finish instead (calling ``on_wait`` once, so the caller can say so).
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import delete, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col

from matcher.core import clock
from matcher.core.db import write_session
from matcher.core.models import JobLease

__all__ = ["DEFAULT_LEASE_SECONDS", "job_lock", "process_name", "transaction_lock"]

log = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 60.0
_WAIT_POLL_SECONDS = 0.5


def process_name() -> str:
    """host:pid, to say which process ran or holds something."""
    return f"{socket.gethostname()}:{os.getpid()}"


@contextmanager
def job_lock(
    engine: Engine,
    name: str,
    *,
    wait: bool = False,
    on_wait: Callable[[], None] | None = None,
    lease: float | None = None,
) -> Iterator[bool]:
    """Hold the lock called ``name`` for the ``with`` block; yield whether it is held."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, name, wait=wait, on_wait=on_wait) as held:
            yield held
    else:
        seconds = lease or float(os.environ.get("JOBBRIDGE_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))
        with _lease(engine, name, wait=wait, on_wait=on_wait, seconds=seconds) as held:
            yield held


def transaction_lock(session: Session, *names: str) -> None:
    """Serialise the writing transaction of ``session`` with every other that locks one of
    ``names``, until it ends: PostgreSQL advisory transaction locks, taken in one order so
    that two never deadlock. On SQLite a writing transaction (BEGIN IMMEDIATE,
    ``matcher.core.db.write_session``) is serialised with every other already."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted({_advisory_key(f"tx:{name}") for name in names}):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def _advisory_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name (PostgreSQL's advisory locks take one)."""
    digest = hashlib.blake2b(f"jobbridge:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def _advisory_lock(
    engine: Engine, name: str, *, wait: bool, on_wait: Callable[[], None] | None
) -> Iterator[bool]:
    key = _advisory_key(name)
    # Autocommit: the lock belongs to the session, and no transaction stays open for the
    # length of the job.
    connection: Connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        held = bool(
            connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        )
        if not held and wait:
            if on_wait:
                on_wait()
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            held = True
        try:
            yield held
        finally:
            if held:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    finally:
        connection.close()


@contextmanager
def _lease(
    engine: Engine,
    name: str,
    *,
    wait: bool,
    on_wait: Callable[[], None] | None,
    seconds: float,
) -> Iterator[bool]:
    holder = f"{process_name()}:{uuid.uuid4().hex[:12]}"
    held = _take_lease(engine, name, holder, seconds)
    if not held and wait:
        if on_wait:
            on_wait()
        while not held:
            time.sleep(_WAIT_POLL_SECONDS)
            held = _take_lease(engine, name, holder, seconds)
    if not held:
        yield False
        return
    stop = threading.Event()
    renewer = threading.Thread(
        target=_renew, args=(engine, name, holder, seconds, stop), daemon=True
    )
    renewer.start()
    try:
        yield True
    finally:
        stop.set()
        renewer.join()
        with write_session(engine) as session:
            session.execute(
                delete(JobLease).where(col(JobLease.name) == name, col(JobLease.holder) == holder)
            )


def _take_lease(engine: Engine, name: str, holder: str, seconds: float) -> bool:
    now = clock.utcnow()
    with write_session(engine) as session:  # BEGIN IMMEDIATE: one taker at a time
        current = session.execute(
            select(JobLease).where(col(JobLease.name) == name)
        ).scalar_one_or_none()
        if current is not None and current.expires_at > now:
            return False
        if current is not None:
            log.warning("lock %s: the lease of %s lapsed; taking it over", name, current.holder)
            session.delete(current)
            session.flush()
        session.add(JobLease(name=name, holder=holder, expires_at=now + timedelta(seconds=seconds)))
    return True


def _renew(engine: Engine, name: str, holder: str, seconds: float, stop: threading.Event) -> None:
    while not stop.wait(seconds / 3):
        with write_session(engine) as session:
            session.execute(
                update(JobLease)
                .where(col(JobLease.name) == name, col(JobLease.holder) == holder)
                .values(expires_at=clock.utcnow() + timedelta(seconds=seconds))
            )

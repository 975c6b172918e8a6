"""Settings read from the environment, shared by the CLI, the scheduler and the web app.

Two modes:

* ``embedded`` (the default): a SQLite file under ``instance/``; the secret key and the
  data key are created on first use and kept under ``instance/`` so that a restart keeps
  sessions and can still decrypt stored identifiers.
* ``production`` (``JOBBRIDGE_ENV=production``): nothing is invented. ``SECRET_KEY`` and
  ``JOBBRIDGE_DATA_KEY`` must be given, or the process refuses to start.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ConfigError", "Settings", "load_settings"]

DEFAULT_DATABASE_FILE = "jobbridge.sqlite3"
ENVIRONMENTS = ("embedded", "production")


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to set."""


@dataclass(frozen=True)
class Settings:
    environment: str
    database_url: str
    instance_dir: Path
    secret_key: str
    data_key: bytes
    # Proxies in front of the web app trusted to set X-Forwarded-For (0: none).
    proxy_hops: int = 0
    # Where uploads wait between their preview and their import (JOBBRIDGE_UPLOADS_DIR).
    uploads_dir: Path | None = None
    # How many megabytes of waiting uploads one person may have (JOBBRIDGE_UPLOAD_QUOTA_MB).
    upload_quota_mb: int = 100

    @property
    def production(self) -> bool:
        return self.environment == "production"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings; in embedded mode create the instance folder and its keys."""
    env = os.environ if environ is None else environ
    environment = env.get("JOBBRIDGE_ENV", "embedded").strip().lower() or "embedded"
    if environment not in ENVIRONMENTS:
        raise ConfigError(f"JOBBRIDGE_ENV={environment!r} is not one of {', '.join(ENVIRONMENTS)}")
    instance_dir = Path(env.get("JOBBRIDGE_INSTANCE", "instance")).resolve()
    default_url = f"sqlite:///{instance_dir / DEFAULT_DATABASE_FILE}"
    database_url = env.get("DATABASE_URL", "").strip() or default_url

    if environment == "production":
        secret_key = env.get("SECRET_KEY", "")
        if len(secret_key) < 32:
            raise ConfigError(
                "production needs SECRET_KEY (at least 32 characters); "
                "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        data_key = _decode_data_key(env.get("JOBBRIDGE_DATA_KEY", ""))
        if "DATABASE_URL" not in env:
            raise ConfigError("production needs DATABASE_URL (a PostgreSQL URL)")
    else:
        instance_dir.mkdir(parents=True, exist_ok=True)
        secret_key = env.get("SECRET_KEY") or _kept_secret(
            instance_dir / "secret_key", lambda: secrets.token_urlsafe(48)
        )
        data_key = _decode_data_key(
            env.get("JOBBRIDGE_DATA_KEY") or _kept_secret(instance_dir / "data_key", new_data_key)
        )
    return Settings(
        environment=environment,
        database_url=database_url,
        instance_dir=instance_dir,
        secret_key=secret_key,
        data_key=data_key,
        proxy_hops=_int(env, "JOBBRIDGE_PROXY_HOPS", 0),
        uploads_dir=Path(env.get("JOBBRIDGE_UPLOADS_DIR") or instance_dir / "uploads").resolve(),
        upload_quota_mb=_int(env, "JOBBRIDGE_UPLOAD_QUOTA_MB", 100),
    )


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise ConfigError(f"{name}={text!r} must be a whole number")
    return int(text)


def new_data_key() -> str:
    """A fresh 256-bit data key, in the URL-safe base64 form JOBBRIDGE_DATA_KEY takes."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def _decode_data_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        key = b""
    if len(key) != 32:
        raise ConfigError(
            "JOBBRIDGE_DATA_KEY must be 32 random bytes in URL-safe base64; generate one with: "
            "python -c 'import base64,secrets; "
            "print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())'"
        )
    return key


def _kept_secret(path: Path, make: Callable[[], str]) -> str:
    """Read a secret kept in the instance folder, creating it (mode 0600) on first use."""
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    value = make()
    # O_EXCL: two processes starting at once must not each write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
    return value

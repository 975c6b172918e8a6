"""Uploaded files held between their preview and their import.

An upload is stored under a random token (``<token>.xlsx`` or ``.csv``, beside a small
``<token>.json`` naming its kind, campaign, uploader, original name and sha256) in a folder
of the instance directory. The import is confirmed by token: only by the person who
uploaded it, for the campaign it was uploaded to, while the file is still there with the
same sha256. While it is imported the file is moved aside, so that a second confirmation
(a double click, another tab) finds nothing to import; a note beside it names the process
that claimed it, so that a file whose claimant died (a crash mid-confirm) is put back the
next time the upload is read. Uploads older than a day (by the service's clock) are
removed whenever a new one arrives.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import socket
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from matcher.core import clock
from matcher.intake.service import ImportReport

__all__ = [
    "MAX_AGE_SECONDS",
    "SUFFIXES",
    "Upload",
    "UploadChanged",
    "UploadGone",
    "UploadQuota",
    "check",
    "discard",
    "find",
    "import_held",
    "store",
    "sweep",
]

SUFFIXES = (".xlsx", ".csv")
MAX_AGE_SECONDS = 24 * 3600
_TOKEN = re.compile(r"[0-9a-f]{32}")
_STORED = re.compile(r"[0-9a-f]{32}(\.claimed)?\.(xlsx|csv|json)")
_CHUNK = 1 << 20
# A claim older than this is stale whoever holds it: no import reads a file for so long
# (the reader's own time budget is far shorter).
CLAIM_SECONDS = 15 * 60


class UploadGone(LookupError):
    """No such upload for this person and campaign: never made, expired, or tampered with."""


class UploadQuota(ValueError):
    """The person's waiting uploads would take more room than their quota."""


class UploadChanged(ValueError):
    """The stored file is not the one uploaded: its sha256 differs. It was removed."""


@dataclass(frozen=True)
class Upload:
    token: str
    path: Path
    kind: str
    campaign_id: int
    file_name: str  # as the uploader's computer named it
    sha256: str
    user_id: int
    uploaded_at: datetime
    imported_at: datetime | None = None


def _clean_name(name: str) -> str:
    """The file's own name, without folders or control characters, at most 200 long."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    shown = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return shown[-200:] or "upload"


def store(
    directory: Path,
    *,
    source: BinaryIO,
    file_name: str,
    kind: str,
    campaign_id: int,
    user_id: int,
    quota_bytes: int | None = None,
) -> Upload:
    """Keep an uploaded file (after removing the expired ones) and return its record.
    UploadQuota if the person's waiting uploads and this one would pass ``quota_bytes``
    (nothing is kept then)."""
    suffix = Path(_clean_name(file_name)).suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"uploads are {' or '.join(SUFFIXES)} files, not {suffix or 'this'}")
    sweep(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    upload = Upload(
        token=token,
        path=directory / f"{token}{suffix}",
        kind=kind,
        campaign_id=campaign_id,
        file_name=_clean_name(file_name),
        sha256="",
        user_id=user_id,
        uploaded_at=clock.utcnow(),
    )
    _write_meta(upload)  # the record first: a stored file never lies there without one
    digest = hashlib.sha256()
    with upload.path.open("xb") as out:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    upload = replace(upload, sha256=digest.hexdigest())
    _write_meta(upload)
    if quota_bytes is not None and _waiting_bytes(directory, user_id) > quota_bytes:
        _forget(upload)
        raise UploadQuota(f"{quota_bytes // 2**20} MB")
    return upload


def _waiting_bytes(directory: Path, user_id: int) -> int:
    """The size of the files one person has waiting (not yet imported)."""
    total = 0
    for meta_path in directory.glob("*.json"):
        if not _TOKEN.fullmatch(meta_path.stem):
            continue
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if meta["user_id"] == user_id and not meta.get("imported_at"):
                stored = directory / f"{meta_path.stem}{meta['suffix']}"
                claimed = directory / f"{meta_path.stem}.claimed{meta['suffix']}"
                total += sum(p.stat().st_size for p in (stored, claimed) if p.exists())
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return total


def discard(upload: Upload) -> None:
    """Remove an upload that cannot be imported (its file was refused)."""
    _forget(upload)


def _meta_path(directory: Path, token: str) -> Path:
    return directory / f"{token}.json"


def _write_meta(upload: Upload) -> None:
    meta = {
        "kind": upload.kind,
        "campaign_id": upload.campaign_id,
        "file_name": upload.file_name,
        "suffix": upload.path.suffix,
        "sha256": upload.sha256,
        "user_id": upload.user_id,
        "uploaded_at": upload.uploaded_at.isoformat(),
        "imported_at": upload.imported_at.isoformat() if upload.imported_at else None,
    }
    target = _meta_path(upload.path.parent, upload.token)
    partial = target.with_suffix(".json.part")
    partial.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, target)


def find(directory: Path, token: str, *, campaign_id: int, user_id: int) -> Upload:
    """The upload ``token`` names, if this person made it for this campaign."""
    if not _TOKEN.fullmatch(token):
        raise UploadGone(token)
    try:
        meta = json.loads(_meta_path(directory, token).read_text(encoding="utf-8"))
        if meta["campaign_id"] != campaign_id or meta["user_id"] != user_id:
            raise UploadGone(token)
        if meta["suffix"] not in SUFFIXES:
            raise UploadGone(token)
        upload = Upload(
            token=token,
            path=directory / f"{token}{meta['suffix']}",
            kind=str(meta["kind"]),
            campaign_id=campaign_id,
            file_name=str(meta["file_name"]),
            sha256=str(meta["sha256"]),
            user_id=user_id,
            uploaded_at=datetime.fromisoformat(meta["uploaded_at"]),
            imported_at=(
                datetime.fromisoformat(meta["imported_at"]) if meta.get("imported_at") else None
            ),
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UploadGone(token) from error
    if upload.imported_at is None:
        _recover(upload)
    return upload


def _claim_note(upload: Upload) -> Path:
    return upload.path.with_name(f"{upload.token}.claimed.json")


def _recover(upload: Upload) -> None:
    """Put a claimed file back when its claimant is gone: a process of this host that no
    longer runs, a claim without its note, or one older than CLAIM_SECONDS."""
    claimed = _claimed(upload)
    if upload.path.exists() or not claimed.exists():
        return
    try:
        note = json.loads(_claim_note(upload).read_text(encoding="utf-8"))
        here = note["host"] == socket.gethostname()
        alive = here and _running(int(note["pid"]))
        stale = clock.utcnow().timestamp() - float(note["at"]) > CLAIM_SECONDS
    except (OSError, ValueError, KeyError, TypeError):
        alive, stale = False, True
    if stale or (here and not alive):
        try:
            os.rename(claimed, upload.path)
        except FileNotFoundError:
            return  # its claimant finished meanwhile
        _claim_note(upload).unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check(upload: Upload) -> None:
    """Raise UploadGone if the file is no longer there, UploadChanged if it is not the
    one uploaded (and remove it)."""
    try:
        same = _sha256(upload.path) == upload.sha256
    except FileNotFoundError as error:
        raise UploadGone(upload.token) from error
    if not same:
        _forget(upload)
        raise UploadChanged(upload.token)


def _forget(upload: Upload) -> None:
    for path in (
        upload.path,
        _claimed(upload),
        _claim_note(upload),
        _meta_path(upload.path.parent, upload.token),
    ):
        path.unlink(missing_ok=True)


def _claimed(upload: Upload) -> Path:
    return upload.path.with_name(f"{upload.token}.claimed{upload.path.suffix}")


def import_held(upload: Upload, run: Callable[[Path], ImportReport]) -> ImportReport:
    """Run the import of a held upload: the file is moved aside while ``run`` reads it,
    then removed if the import was written, or put back (a preview shows it again)."""
    claimed = _claimed(upload)
    try:
        os.rename(upload.path, claimed)  # atomic: of two confirmations, one gets the file
    except FileNotFoundError as error:
        raise UploadGone(upload.token) from error
    note = {"host": socket.gethostname(), "pid": os.getpid(), "at": clock.utcnow().timestamp()}
    _claim_note(upload).write_text(json.dumps(note), encoding="utf-8")
    try:
        if _sha256(claimed) != upload.sha256:
            _forget(upload)
            raise UploadChanged(upload.token)
        try:
            report = run(claimed)
        except BaseException:
            os.replace(claimed, upload.path)
            raise
        if report.written:
            claimed.unlink()
            _write_meta(replace(upload, imported_at=clock.utcnow()))
        else:
            os.replace(claimed, upload.path)
        return report
    finally:
        _claim_note(upload).unlink(missing_ok=True)


def sweep(directory: Path) -> int:
    """Remove the uploads stored more than a day ago, and any file left without its record;
    returns how many files went.

    Age is read from each upload's record (``uploaded_at``, on the service's clock), not
    from the file system's times, which follow the machine's clock. A record is written
    before its file, so a file whose record is gone was being forgotten: it goes too."""
    if not directory.is_dir():
        return 0
    cutoff = clock.utcnow() - timedelta(seconds=MAX_AGE_SECONDS)
    names = [path.name for path in directory.iterdir() if _STORED.fullmatch(path.name)]
    kept: dict[str, bool] = {}
    removed = 0
    for name in names:
        token = name[:32]
        if token not in kept:
            kept[token] = _stored_after(directory, token, cutoff)
        if kept[token]:
            continue
        try:
            (directory / name).unlink()
            removed += 1
        except FileNotFoundError:  # another worker removed it first
            continue
    return removed


def _stored_after(directory: Path, token: str, cutoff: datetime) -> bool:
    try:
        meta = json.loads(_meta_path(directory, token).read_text(encoding="utf-8"))
        return datetime.fromisoformat(meta["uploaded_at"]) >= cutoff
    except (OSError, ValueError, KeyError, TypeError):
        return False

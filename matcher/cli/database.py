"""Commands on the database as a whole: create or upgrade the schema, back it up, restore it."""

from __future__ import annotations

from pathlib import Path

import click

from matcher.cli.runtime import Runtime, audit_command, handles_errors, safe_url
from matcher.core import schema

__all__ = ["backup_command", "init_db", "restore_command"]


@click.command("init-db")
@handles_errors
def init_db() -> None:
    """Create the database schema, or upgrade it to the current version. Safe to repeat."""
    runtime = click.get_current_context().ensure_object(Runtime)
    before, after = schema.upgrade(runtime.engine)
    where = safe_url(runtime.settings.database_url)
    if before == after:
        click.echo(f"database {where} is up to date (revision {after})")
    else:
        click.echo(f"database {where} upgraded from {before or 'empty'} to revision {after}")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@handles_errors
def backup_command(file: Path) -> None:
    """Write a consistent copy of every table to FILE, while the service keeps running.

    FILE is a zip of one JSON-lines file per table and a manifest (schema revision, row
    counts, checksums); it holds personal data and is readable by its owner only.
    Identifiers stay encrypted: keep JOBBRIDGE_DATA_KEY, separately, to read them after a
    restore.
    """
    from matcher.core.backup import BackupError, backup

    runtime = click.get_current_context().ensure_object(Runtime)
    engine = runtime.ready_engine()
    try:
        summary = backup(engine, file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    audit_command(
        engine,
        "backup",
        "database",
        summary.manifest.revision,
        detail={"file": str(file), "rows": summary.manifest.rows, "tables": summary.rows},
    )
    click.echo(summary.line())


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--replace",
    is_flag=True,
    help="Delete every row of the database first, in the same transaction as the restore "
    "(a failed restore keeps the old rows).",
)
@handles_errors
def restore_command(file: Path, replace: bool) -> None:
    """Restore a FILE written by 'jobbridge backup' into an empty database.

    The database must be migrated ('jobbridge init-db') to the schema revision of the
    backup. The whole file is checked before anything is written, and every row is
    restored in one transaction, or none.
    """
    from matcher.core.backup import BackupError, restore

    runtime = click.get_current_context().ensure_object(Runtime)
    engine = runtime.ready_engine()
    try:
        summary = restore(engine, file, replace=replace)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    audit_command(
        engine,
        "restore",
        "database",
        summary.manifest.revision,
        detail={
            "file": str(file),
            "rows": summary.manifest.rows,
            "tables": summary.rows,
            "replaced_rows": sum(summary.replaced.values()),
            "backed_up_at": summary.manifest.created_at,
            "from_dialect": summary.manifest.dialect,
        },
    )
    click.echo(summary.line())

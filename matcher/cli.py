"""The ``jobbridge`` command line.

Every command reads DATABASE_URL (and the other settings of ``matcher.config``), prints a
clear message and exits non-zero on failure, and has ``--help``. Commands use services
only; ``serve`` starts a WSGI server on the web app by name, as gunicorn would.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from matcher import schema
from matcher.config import ConfigError, Settings, load_settings
from matcher.db import make_engine, read_session, write_session
from matcher.identifiers import Vault

__all__ = ["main"]

# The scheduler's jobs (matcher.jobs.JOBS), named here so that --help needs no imports.
# (seeker_refresh runs on requests only: it needs the seekers asked for.)
JOB_NAMES = (
    "close_postings",
    "full_refresh",
    "incremental_refresh",
    "kpi_snapshot",
    "reminders",
    "weekly_changes",
)

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("jobbridge")


class Runtime:
    """Settings and the engine, created on first use so that ``--help`` needs neither."""

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._engine: Engine | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
        return self._engine

    @property
    def vault(self) -> Vault:
        return Vault(self.settings.data_key)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def ready_engine(self) -> Engine:
        """The engine, after checking that the schema is at the current migration."""
        current = schema.current_revision(self.engine)
        if current != schema.head_revision():
            state = "has no JobBridge schema" if current is None else f"is at {current}"
            raise click.ClickException(f"the database {state}; run 'jobbridge init-db' first")
        return self.engine


def _audit(
    engine: Engine, action: str, object_type: str, object_id: str = "", *, detail: dict[str, Any]
) -> None:
    """One audit row for a command (the actor is "cli")."""
    from matcher import audit

    with write_session(engine) as session:
        audit.record(
            session,
            actor=None,
            actor_name="cli",
            action=action,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
        )


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def handles_errors(command: F) -> F:
    """Turn expected failures into one clear line and exit status 1; and an unexpected one
    into a line naming its kind and place, never a traceback: its message and the values
    around it may hold the rows being written, with names and identifiers (SECURITY.md
    item 31). The unit of work it broke was rolled back."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        runtime: Runtime = click.get_current_context().ensure_object(Runtime)
        try:
            return command(*args, **kwargs)
        except ConfigError as exc:
            raise click.ClickException(f"configuration: {exc}") from exc
        except (OperationalError, ProgrammingError) as exc:
            url = _safe_url(runtime.settings.database_url)
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise click.ClickException(f"database {url}: {reason}") from exc
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            where = traceback.extract_tb(exc.__traceback__)[-1]
            place = f"{Path(where.filename).name}:{where.lineno}"
            log.error("unexpected %s at %s", type(exc).__name__, place)
            raise click.ClickException(
                f"unexpected error ({type(exc).__name__} at {place}); what it was writing "
                "was rolled back. Its details are not shown, as they may hold personal data."
            ) from None

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log progress details to standard error.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """JobBridge (就业桥): job matching for disabled jobseekers.

    Configuration comes from the environment: DATABASE_URL (default: a SQLite file under
    instance/), JOBBRIDGE_ENV (embedded or production), SECRET_KEY, JOBBRIDGE_DATA_KEY.
    """
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    ctx.call_on_close(ctx.ensure_object(Runtime).close)


@main.command("init-db")
@handles_errors
def init_db() -> None:
    """Create the database schema, or upgrade it to the current version. Safe to repeat."""
    runtime = click.get_current_context().ensure_object(Runtime)
    before, after = schema.upgrade(runtime.engine)
    where = _safe_url(runtime.settings.database_url)
    if before == after:
        click.echo(f"database {where} is up to date (revision {after})")
    else:
        click.echo(f"database {where} upgraded from {before or 'empty'} to revision {after}")


@main.command("demo")
@click.option("--seekers", default=5000, show_default=True, type=click.IntRange(0))
@click.option("--postings", default=3000, show_default=True, type=click.IntRange(0))
@click.option("--employers", type=click.IntRange(1), help="Default: one per five postings.")
@click.option("--seed", default=2026, show_default=True, help="Same seed, same data.")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) if data exists.")
@click.option(
    "--truth",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write each seeker's target occupation (for benchmarks) to this CSV file.",
)
@handles_errors
def demo(
    seekers: int,
    postings: int,
    employers: int | None,
    seed: int,
    if_empty: bool,
    truth: Path | None,
) -> None:
    """Load deterministic synthetic demo data and the demo sign-ins into an empty database."""
    from matcher import demo as demo_data

    runtime = click.get_current_context().ensure_object(Runtime)
    engine = runtime.ready_engine()
    with read_session(engine) as session:
        existing = demo_data.existing_rows(session)
    if existing:
        if if_empty:
            click.echo(f"the database already has data ({existing}); demo data not loaded")
            return
        raise click.ClickException(
            f"the database already has data ({existing}); demo data goes into an empty "
            "database (point DATABASE_URL at a new one)"
        )
    progress = _progress if sys.stderr.isatty() else None
    result = demo_data.load(
        engine,
        runtime.vault,
        seekers=seekers,
        postings=postings,
        employers=employers,
        seed=seed,
        progress=progress,
    )
    if truth:
        demo_data.write_truth(result.truth, truth)
    click.echo(result.summary())


def _progress(stage: str, done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r{stage:<12} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


@main.command("import")
@click.argument("kind", type=click.Choice(["seekers", "employers", "postings"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and preview only; write nothing.")
@click.option("--campaign", metavar="NAME", help="Put the postings in this campaign.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@handles_errors
def import_command(
    kind: str, file: Path, dry_run: bool, campaign: str | None, as_json: bool
) -> None:
    """Import seekers, employers or postings from a .csv or .xlsx FILE.

    Nothing is written unless every row is valid: the report names the row, column, value
    and reason of every problem, and the exit status is 1.
    """
    from matcher.imports import import_file

    if campaign and kind != "postings":
        raise click.UsageError("--campaign applies to postings only")
    runtime = click.get_current_context().ensure_object(Runtime)
    report = import_file(
        runtime.ready_engine(),
        runtime.vault,
        kind=kind,
        path=file,
        campaign=campaign,
        dry_run=dry_run,
        progress=_progress if sys.stderr.isatty() else None,
    )
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        for problem in report.problems:
            click.echo(f"{problem.severity}: {problem.describe()}", err=True)
        for duplicate in report.duplicates:
            click.echo(
                f"duplicate: row {duplicate.row} ({duplicate.external_id}) is the same as "
                f"{duplicate.same_as}: {duplicate.reason}; not inserted",
                err=True,
            )
        click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


@main.command("export")
@click.argument("kind", type=click.Choice(["recommendations", "postings", "seekers"]))
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), default="csv", show_default=True
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@handles_errors
def export_command(kind: str, fmt: str, output: Path | None) -> None:
    """Export recommendations, postings or seekers (identifiers masked)."""
    from matcher.exports import export

    runtime = click.get_current_context().ensure_object(Runtime)
    engine = runtime.ready_engine()
    if output is None and fmt == "xlsx" and sys.stdout.isatty():
        raise click.UsageError("an .xlsx export needs --output FILE")
    with read_session(engine) as session:
        if output is None:
            count = export(session, kind=kind, fmt=fmt, out=sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            partial = output.with_name(output.name + ".partial")
            with partial.open("wb") as handle:
                count = export(session, kind=kind, fmt=fmt, out=handle)
            partial.replace(output)  # a reader never sees half a file
    _audit(engine, "export", kind, detail={"format": fmt, "rows": count})
    if output is not None:
        click.echo(f"exported {count} {kind} to {output}", err=True)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--with-scheduler",
    is_flag=True,
    help="Also run `jobbridge scheduler` as a child process, stopped with the server "
    "(the embedded default; in production run one scheduler on its own).",
)
@handles_errors
def serve(host: str, port: int, threads: int, with_scheduler: bool) -> None:
    """Serve the web app with waitress (the embedded default; use gunicorn in production)."""
    import subprocess

    from waitress.runner import run

    runtime = click.get_current_context().ensure_object(Runtime)
    runtime.ready_engine()
    scheduler = None
    if with_scheduler:
        command = [sys.executable, "-c", "from matcher.cli import main; main()", "scheduler"]
        scheduler = subprocess.Popen(command)
        click.echo(f"scheduler started (process {scheduler.pid})")
    click.echo(f"JobBridge is serving on http://{host}:{port}/ (Ctrl+C stops it)")
    try:
        run(
            argv=[
                "waitress-serve",
                f"--listen={host}:{port}",
                f"--threads={threads}",
                "web.wsgi:app",
            ]
        )
    finally:
        if scheduler is not None:
            scheduler.terminate()
            scheduler.wait(60)


@main.command("refresh")
@click.option(
    "--incremental",
    is_flag=True,
    help="Only what changed since the last refresh (new, changed, closed postings; "
    "changed seekers; declines).",
)
@click.option(
    "--skip-if-running",
    is_flag=True,
    help="If another refresh is running, skip (exit status 0) instead of waiting for it.",
)
@handles_errors
def refresh_command(incremental: bool, skip_if_running: bool) -> None:
    """Refresh the recommendations of every seeker who may be matched.

    Runs under the same lock as the scheduler's refreshes: if one is running, this waits
    for it and then runs (or, with --skip-if-running, skips).
    """
    from matcher import jobs

    runtime = click.get_current_context().ensure_object(Runtime)
    ctx = jobs.JobContext(
        runtime.ready_engine(), progress=_progress if sys.stderr.isatty() else None
    )
    outcome = jobs.run(
        ctx,
        "incremental_refresh" if incremental else "full_refresh",
        trigger="cli",
        wait=not skip_if_running,
        on_wait=lambda: click.echo("another refresh is running; waiting for it to end", err=True),
    )
    if outcome.status == "skipped":
        click.echo("another refresh is running; skipped (--skip-if-running)")
        return
    if outcome.status == "failed":
        raise click.ClickException(f"refresh failed (run {outcome.run_id}): {outcome.error}")
    counts = outcome.counts
    click.echo(
        f"refresh {counts['refresh_run']} ({'incremental' if incremental else 'full'}): "
        f"{counts['seekers']} seekers, {counts['postings']} postings, "
        f"{counts['feasible_pairs']} feasible pairs, {counts['recommendations']} "
        f"recommendations in {counts['seconds']:.1f} s"
    )
    if counts["graduates_short"]:
        click.echo(
            f"warning: {counts['graduates_short']} graduates have fewer than 3 postings "
            "although 3 were feasible",
            err=True,
        )


@main.command("run-job")
@click.argument("name", type=click.Choice(sorted(JOB_NAMES)))
@handles_errors
def run_job_command(name: str) -> None:
    """Run one of the scheduler's jobs now, in this process (waiting for its lock)."""
    from matcher import jobs

    runtime = click.get_current_context().ensure_object(Runtime)
    ctx = jobs.JobContext(runtime.ready_engine())
    outcome = jobs.run(
        ctx,
        name,
        trigger="cli",
        wait=True,
        on_wait=lambda: click.echo(f"{name} is running elsewhere; waiting for it", err=True),
    )
    if outcome.status == "failed":
        raise click.ClickException(f"{name} failed (run {outcome.run_id}): {outcome.error}")
    click.echo(
        f"{name} (run {outcome.run_id}): "
        + ", ".join(f"{k} {v}" for k, v in outcome.counts.items())
    )


@main.command("scheduler")
@handles_errors
def scheduler_command() -> None:
    """Run the scheduler: the nightly refresh, the incremental refreshes after edits and
    imports, closing postings, reminders, KPI snapshots, the weekly change list.

    Run exactly one per deployment (a second one skips what the first is doing). Schedules
    come from data/schedule.yaml; override one with JOBBRIDGE_SCHEDULE_<JOB>, e.g.
    JOBBRIDGE_SCHEDULE_FULL_REFRESH="0 3 * * *", or the file with JOBBRIDGE_SCHEDULE_FILE.
    Stops on SIGTERM or Ctrl+C after the running jobs end.
    """
    from matcher.scheduler import load_schedule, run_scheduler

    runtime = click.get_current_context().ensure_object(Runtime)
    schedule = load_schedule()
    for logger in ("jobbridge", "matcher"):
        logging.getLogger(logger).setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    run_scheduler(runtime.ready_engine(), schedule)


@main.command("recommend")
@click.argument("seeker_id", required=False)
@click.option("--all", "everyone", is_flag=True, help="Every seeker's recommendations.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of the reasons in the table.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@handles_errors
def recommend_command(
    seeker_id: str | None, everyone: bool, fmt: str, lang: str, output: Path | None
) -> None:
    """Show a seeker's current recommendations (SEEKER_ID), or everyone's (--all)."""
    from matcher.recommendations import NotFound, current

    if everyone == bool(seeker_id):
        raise click.UsageError("give either SEEKER_ID or --all")
    if everyone and fmt != "json":
        raise click.UsageError("--all needs --format json")
    runtime = click.get_current_context().ensure_object(Runtime)
    try:
        data = current(runtime.ready_engine(), seeker=seeker_id)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2)
    else:
        lines = []
        for seeker in data["seekers"]:
            lines.append(f"{seeker['seeker_id']}: {len(seeker['recommendations'])} recommendations")
            for rec in seeker["recommendations"]:
                reasons = ("；" if lang == "zh" else "; ").join(r[lang] for r in rec["reasons"])
                lines.append(
                    f"  {rec['rank']}. {rec['posting_id']}  {rec['title']} "
                    f"({rec['employer']})  {rec['score']:.2f}  {reasons}"
                )
                if rec["needs_accommodation"]:
                    lines.append(f"     needs: {', '.join(rec['needs_accommodation'])}")
        text = "\n".join(lines)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


@main.command("why")
@click.argument("seeker_id")
@click.argument("posting_id")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@handles_errors
def why_command(seeker_id: str, posting_id: str, fmt: str, lang: str) -> None:
    """Say whether a posting fits a seeker and why (or why not), in words."""
    from matcher.recommendations import NotFound, explain_pair

    runtime = click.get_current_context().ensure_object(Runtime)
    try:
        result = explain_pair(runtime.ready_engine(), seeker_id, posting_id)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    if not result["feasible"]:
        click.echo(f"{seeker_id} × {posting_id}: not feasible")
        for exclusion in result["exclusions"]:
            click.echo(f"  - {exclusion[lang]}")
        return
    rank = result["recommended_rank"]
    state = f"recommended, rank {rank}" if rank else "feasible, not in the current list"
    click.echo(f"{seeker_id} × {posting_id}: {state}; score {result['score']:.2f}")
    for reason in result["reasons"]:
        click.echo(f"  + {reason[lang]}")
    if result["needs_accommodation"]:
        click.echo(f"  needs accommodation: {', '.join(result['needs_accommodation'])}")
    click.echo("  parts: " + ", ".join(f"{k} {v:.2f}" for k, v in result["parts"].items()))


@main.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@handles_errors
def backup_command(file: Path) -> None:
    """Write a consistent copy of every table to FILE, while the service keeps running.

    FILE is a zip of one JSON-lines file per table and a manifest (schema revision, row
    counts, checksums); it holds personal data and is readable by its owner only.
    Identifiers stay encrypted: keep JOBBRIDGE_DATA_KEY, separately, to read them after a
    restore.
    """
    from matcher.backup import BackupError, backup

    runtime = click.get_current_context().ensure_object(Runtime)
    engine = runtime.ready_engine()
    try:
        summary = backup(engine, file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    _audit(
        engine,
        "backup",
        "database",
        summary.manifest.revision,
        detail={"file": str(file), "rows": summary.manifest.rows, "tables": summary.rows},
    )
    click.echo(summary.line())


@main.command("restore")
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
    from matcher.backup import BackupError, restore

    runtime = click.get_current_context().ensure_object(Runtime)
    engine = runtime.ready_engine()
    try:
        summary = restore(engine, file, replace=replace)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    _audit(
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

"""Commands that bring data in and out: the demo data, imports and exports."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from matcher.cli.runtime import Runtime, audit_command, handles_errors, progress
from matcher.core.db import read_session

__all__ = ["demo", "export_command", "import_command"]


@click.command("demo")
@click.option("--seekers", default=5000, show_default=True, type=click.IntRange(0))
@click.option("--postings", default=3000, show_default=True, type=click.IntRange(0))
@click.option("--employers", type=click.IntRange(1), help="Default: one per five postings.")
@click.option("--seed", default=2026, show_default=True, help="Same seed, same data.")
@click.option(
    "--area",
    help="The province, prefecture or county of China the demo is made for, as a code or a "
    "name (e.g. 红河哈尼族彝族自治州). Default: Guizhou.",
)
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
    area: str | None,
    if_empty: bool,
    truth: Path | None,
) -> None:
    """Load deterministic synthetic demo data and the demo sign-ins into an empty database."""
    from matcher import demo as demo_data
    from matcher.demo.region import Region

    if area:
        try:
            Region.of(area, populations={})
        except ValueError as exc:
            raise click.BadParameter(
                str(exc).removeprefix("--area: "), param_hint="--area"
            ) from None
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
    shown = progress if sys.stderr.isatty() else None
    result = demo_data.load(
        engine,
        runtime.vault,
        seekers=seekers,
        postings=postings,
        employers=employers,
        seed=seed,
        area=area,
        progress=shown,
    )
    if truth:
        demo_data.write_truth(result.truth, truth)
    click.echo(result.summary())


@click.command("import")
@click.argument("kind", type=click.Choice(["seekers", "employers", "postings"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and preview only; write nothing.")
@click.option("--campaign", metavar="NAME", help="Put the postings in this campaign.")
@click.option(
    "--valid-only",
    is_flag=True,
    help="Write the valid rows and leave out those with an error (needs --rejected).",
)
@click.option(
    "--rejected",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --valid-only: write the rows left out, with their reasons, to this .csv or "
    ".xlsx file, to fix and import again.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@handles_errors
def import_command(
    kind: str,
    file: Path,
    dry_run: bool,
    campaign: str | None,
    valid_only: bool,
    rejected: Path | None,
    as_json: bool,
) -> None:
    """Import seekers, employers or postings from a .csv or .xlsx FILE.

    Nothing is written unless every row is valid: the report names the row, column, value
    and reason of every problem, and the exit status is 1. With --valid-only, the valid
    rows are written and the others go to the --rejected file (exit status 1 if any).
    """
    from matcher.intake import import_file
    from matcher.intake.rejected import rejected_file

    if campaign and kind != "postings":
        raise click.UsageError("--campaign applies to postings only")
    if valid_only != (rejected is not None):
        raise click.UsageError("--valid-only and --rejected go together")
    if rejected is not None and rejected.suffix.lower() not in {".csv", ".xlsx"}:
        raise click.UsageError("--rejected must name a .csv or .xlsx file")
    runtime = click.get_current_context().ensure_object(Runtime)
    report = import_file(
        runtime.ready_engine(),
        runtime.vault,
        kind=kind,
        path=file,
        campaign=campaign,
        dry_run=dry_run,
        progress=progress if sys.stderr.isatty() else None,
        valid_only=valid_only,
    )
    if rejected is not None and report.rejected_rows:
        with rejected.open("wb") as out:
            count = rejected_file(report, fmt=rejected.suffix.lower()[1:], out=out)
        click.echo(f"{count} rejected rows, with their reasons, written to {rejected}", err=True)
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


@click.command("export")
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
    from matcher.intake.exports import export

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
    audit_command(engine, "export", kind, detail={"format": fmt, "rows": count})
    if output is not None:
        click.echo(f"exported {count} {kind} to {output}", err=True)

"""Commands that run the service: the web server, the scheduler, refreshes and jobs by hand."""

from __future__ import annotations

import logging
import sys

import click

from matcher.cli.runtime import Runtime, handles_errors, progress

__all__ = ["refresh_command", "run_job_command", "scheduler_command", "serve"]


@click.command("serve")
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
        scheduler = subprocess.Popen(command, preexec_fn=_dies_with_parent)
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


def _dies_with_parent() -> None:
    """In the child before it runs: on Linux, ask the kernel to send it SIGTERM when its
    parent dies, so that a killed server never leaves its scheduler running (re-parented
    to pid 1, it would make a second ``make run`` start a second scheduler)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


@click.command("refresh")
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
        runtime.ready_engine(), progress=progress if sys.stderr.isatty() else None
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


@click.command("run-job")
@click.argument("name", metavar="JOB")
@handles_errors
def run_job_command(name: str) -> None:
    """Run one of the scheduler's jobs now, in this process (waiting for its lock). JOB is
    any job of the scheduler that needs no request to say what it works on."""
    from matcher import jobs

    if name not in jobs.RUNNABLE:
        raise click.BadParameter(
            f"no such job {name!r}; the jobs are {', '.join(jobs.RUNNABLE)}", param_hint="JOB"
        )
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


@click.command("scheduler")
@handles_errors
def scheduler_command() -> None:
    """Run the scheduler: the nightly refresh, the incremental refreshes after edits and
    imports, closing postings, reminders, KPI snapshots, the weekly change list.

    Run exactly one per deployment (a second one skips what the first is doing). Schedules
    come from data/schedule.yaml; override one with JOBBRIDGE_SCHEDULE_<JOB>, e.g.
    JOBBRIDGE_SCHEDULE_FULL_REFRESH="0 3 * * *", or the file with JOBBRIDGE_SCHEDULE_FILE.
    Stops on SIGTERM or Ctrl+C after the running jobs end.
    """
    from matcher.jobs.scheduler import load_schedule, run_scheduler

    runtime = click.get_current_context().ensure_object(Runtime)
    schedule = load_schedule()
    for logger in ("jobbridge", "matcher"):
        logging.getLogger(logger).setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    run_scheduler(runtime.ready_engine(), schedule)

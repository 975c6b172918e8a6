"""The ``jobbridge`` command line, by group: the database, data in and out, the service,
matching.

Every command reads DATABASE_URL (and the other settings of ``matcher.core.config``), prints a
clear message and exits non-zero on failure, and has ``--help``. Commands use services
only; ``serve`` starts a WSGI server on the web app by name, as gunicorn would.
"""

from __future__ import annotations

import logging
import sys

import click

from matcher.cli import data, database, matching, service
from matcher.cli.runtime import Runtime

__all__ = ["main"]


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


for command in (
    database.init_db,
    database.backup_command,
    database.restore_command,
    data.demo,
    data.import_command,
    data.export_command,
    service.serve,
    service.refresh_command,
    service.run_job_command,
    service.scheduler_command,
    matching.recommend_command,
    matching.why_command,
):
    main.add_command(command)

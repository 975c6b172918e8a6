"""Commands that read one seeker's recommendations and why a posting is or is not one."""

from __future__ import annotations

import json
from pathlib import Path

import click

from matcher.cli.runtime import Runtime, handles_errors

__all__ = ["recommend_command", "why_command"]


@click.command("recommend")
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
    from matcher.matching.recommendations import NotFound, current

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


@click.command("why")
@click.argument("seeker_id")
@click.argument("posting_id")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@handles_errors
def why_command(seeker_id: str, posting_id: str, fmt: str, lang: str) -> None:
    """Say whether a posting fits a seeker and why (or why not), in words."""
    from matcher.matching.recommendations import NotFound, explain_pair

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

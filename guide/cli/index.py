"""``guide index [--rebuild] [--json]``: build or refresh the search index."""

from __future__ import annotations

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from guide.cli.common import (
    emit_json,
    err,
    index_message,
    out,
    settings,
)


def index_cmd(
    json_out: bool = typer.Option(False, "--json", help="Print the refresh report as JSON."),
    rebuild: bool = typer.Option(
        False, "--rebuild", help="Set the current index aside and build it anew (repairs a damaged index)."
    ),
) -> None:
    """Build or refresh the index (idempotent: unchanged input does nothing). A damaged embedded
    index is set aside (renamed, not deleted) and rebuilt automatically."""
    from guide.index import _store, describe_failure, refresh_store
    from guide.index import rebuild as rebuild_index
    from guide.records import load_records

    settings_ = settings()
    with Progress(
        TextColumn("[bold]Indexation / Indexing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
    ) as bar:
        task = bar.add_task("index", total=None)

        def progress(d: int, t: int) -> None:
            bar.update(task, completed=d, total=t)

        try:
            if rebuild:
                report = rebuild_index(settings_, progress)
            else:
                try:
                    report = refresh_store(settings_, _store(settings_), load_records(settings_.corpus_dir), progress)
                except Exception as exc:  # a damaged embedded index is repaired; anything else is reported below
                    if describe_failure(exc) != "index damaged" or settings_.chroma_host:
                        raise
                    bar.stop()
                    err.print(
                        "L'index était endommagé : il est mis de côté et reconstruit. / "
                        "The index was damaged: it is set aside and rebuilt.",
                        style="yellow",
                    )
                    report = rebuild_index(settings_, progress)
        except Exception as exc:  # full disk, dead server, unreadable files: a plain message, exit 1
            reason = describe_failure(exc)
            if json_out:
                emit_json({"error": {"code": "index_unavailable", "reason": reason, "message": index_message(reason)}})
            else:
                err.print(index_message(reason), style="bold red", markup=False)
            raise typer.Exit(1) from None
    if json_out:
        emit_json(report.as_dict())
    elif report.skipped:
        out.print(f"Index à jour / up to date ({report.unchanged} records, backend {report.backend}).")
    else:
        out.print(
            f"Index: {report.added} added, {report.updated} updated, {report.removed} removed, "
            f"{report.unchanged} unchanged ({report.seconds:.1f} s, backend {report.backend})."
        )

"""``guide corpus build``: corpus records from the source files."""

from __future__ import annotations

import typer

from guide.cli.common import (
    out,
    settings,
)

corpus_app = typer.Typer(help="Build corpus records from the source files.", no_args_is_help=True)


@corpus_app.command("build")
def corpus_build() -> None:
    """Rebuild corpus/records/*.jsonl from corpus/sources (rerun after a newer export)."""
    from guide.ingest.build import build_all

    counts = build_all(settings().corpus_dir)
    for name, n in counts.items():
        out.print(f"{name}: {n} records")

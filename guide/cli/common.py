"""What every command shares: the two consoles, JSON output, the error exit (status 2, with
``--json`` the error shape ``{"error": {"code", "message"}}``), and opening the index with a progress
bar. Commands take the settings from ``guide.cli.main`` (the face that starts the process)."""

from __future__ import annotations

import json
import sys
from typing import NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from guide.settings import Settings, get_settings

err = Console(stderr=True)
out = Console()


def settings() -> Settings:
    """The process's settings, read once from the environment by the command line (the face),
    which also names the start-up cache (``guide.cache``) from them."""
    from guide import cache

    s = get_settings()
    cache.configure(s)
    return s


def emit_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def fail(code: str, message: str, as_json: bool) -> NoReturn:
    if as_json:
        emit_json({"error": {"code": code, "message": message}})
    else:
        err.print(f"[bold red]{message}[/]")
    raise typer.Exit(2)


class IndexUnavailable(Exception):
    """The index cannot be opened; ``reason`` is short and plain ("index damaged", "disk full")."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


INDEX_HELP = {
    "index damaged": (
        "L'index est endommagé. Réparez-le avec « guide index --rebuild ».",
        "The index is damaged. Repair it with 'guide index --rebuild'.",
    ),
    "disk full": (
        "Le disque est plein : libérez de l'espace, puis relancez « guide index ».",
        "The disk is full: free some space, then run 'guide index' again.",
    ),
    "Chroma server unreachable": (
        "Le serveur Chroma (GUIDE_CHROMA_HOST) ne répond pas.",
        "The Chroma server (GUIDE_CHROMA_HOST) does not answer.",
    ),
}


def index_message(reason: str) -> str:
    fr, en = INDEX_HELP.get(reason, (f"Index indisponible ({reason}).", f"Index unavailable ({reason})."))
    return f"{fr} / {en}"


def open_index(quiet: bool = False):
    """Open (and on first use build) the index, with a progress bar on stderr. Raises
    ``IndexUnavailable`` with a plain reason when it cannot be opened."""
    from guide.index import Index, describe_failure

    try:
        with Progress(
            TextColumn("[bold]Indexation / Indexing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=quiet,
        ) as bar:
            task = bar.add_task("index", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            return Index.open(settings(), progress=progress)
    except Exception as exc:  # damaged file, full disk, dead server: named plainly, never a traceback
        raise IndexUnavailable(describe_failure(exc)) from None

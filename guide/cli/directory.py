"""``guide directory``: import the directory (HSDS 3.0 tables) and report its coverage.

- ``guide directory import-m02 FILE`` and ``guide directory import-hsds DIR [--name NAME]``
- ``guide directory import-lines`` (help lines and regional lines only) and ``guide directory coverage [--json]``

Errors exit with status 2 and a French and English message; no traceback is ever shown.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from guide.cli.common import settings
from guide.cli.services import _emit_json, _fail

directory_app = typer.Typer(help="Import the directory (HSDS 3.0) / Importer le répertoire.", no_args_is_help=True)


def _run_import(action: str, func: Any, *args: Any, **kwargs: Any) -> None:
    from guide.directory.store import clear_cache

    try:
        summary = func(*args, **kwargs)
    except (FileNotFoundError, NotADirectoryError, ValueError, KeyError) as exc:
        _fail(
            "import_failed",
            {"fr": f"Échec de l'import ({action}) : {exc}", "en": f"Import failed ({action}): {exc}"},
            as_json=False,
        )
        return
    clear_cache()
    out = Console(highlight=False, soft_wrap=True)
    for line in summary.lines():
        out.print(line)
    out.print("Tables: " + ", ".join(f"{k} {v}" for k, v in summary.counts.items()))


@directory_app.command("import-m02")
def import_m02_cmd(file: Path = typer.Argument(..., help="MSSS M02 installationscsv.csv")) -> None:
    """Import CLSC points of service from the MSSS M02 installations file (rerunnable)."""
    from guide.directory.importer import import_m02

    if not file.is_file():
        _fail("file_not_found", {"fr": f"Fichier introuvable : {file}", "en": f"File not found: {file}"}, False)
    _run_import("M02", import_m02, file, corpus_dir=settings().corpus_dir)


@directory_app.command("import-hsds")
def import_hsds_cmd(
    directory: Path = typer.Argument(..., help="Directory of HSDS 3.0 CSV files (e.g. a 211 export)"),
    name: str | None = typer.Option(None, "--name", help="Layer name (default: the directory's name)"),
) -> None:
    """Merge an external HSDS CSV directory as community services (rerunnable)."""
    from guide.directory.importer import import_hsds

    if not directory.is_dir():
        _fail(
            "directory_not_found",
            {"fr": f"Répertoire introuvable : {directory}", "en": f"Directory not found: {directory}"},
            False,
        )
    _run_import("HSDS", import_hsds, directory, name=name, corpus_dir=settings().corpus_dir)


@directory_app.command("import-lines")
def import_lines_cmd() -> None:
    """Rebuild the help-line and regional layers from corpus/sources (rerunnable), then merge."""
    from guide.directory.importer import import_lines

    _run_import("lines", import_lines, corpus_dir=settings().corpus_dir)


@directory_app.command("coverage")
def coverage_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON")) -> None:
    """Per health region: which of intake, DPJ, CAAP, commissioner, crisis centre and 211 are known,
    verified or secondary (markdown table)."""
    from guide.directory.coverage import markdown, region_coverage, summary
    from guide.directory.store import directory_path, load_directory

    corpus = settings().corpus_dir
    rows = region_coverage(load_directory(directory_path(corpus)), corpus)
    if as_json:
        _emit_json({"regions": rows, "summary": summary(rows)})
        return
    sys.stdout.write(markdown(rows) + "\n")

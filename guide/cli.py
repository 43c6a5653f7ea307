"""Command line: a thin face over the core (``guide --help``).

Errors a person can cause (bad query, unknown place, ...) exit with status 2 and a clear
message (with ``--json``: ``{"error": {"code", "message"}}``); never a traceback.
"""

from __future__ import annotations

import json
import sys
from typing import NoReturn, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from guide.settings import get_settings

app = typer.Typer(help="Guide: orientation to first-line social services in Québec.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
corpus_app = typer.Typer(help="Build corpus records from the source files.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")

err = Console(stderr=True)
out = Console()


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
    "index damaged": ("L'index est endommagé. Réparez-le avec « guide index --rebuild ».",
                      "The index is damaged. Repair it with 'guide index --rebuild'."),
    "disk full": ("Le disque est plein : libérez de l'espace, puis relancez « guide index ».",
                  "The disk is full: free some space, then run 'guide index' again."),
    "Chroma server unreachable": ("Le serveur Chroma (GUIDE_CHROMA_HOST) ne répond pas.",
                                  "The Chroma server (GUIDE_CHROMA_HOST) does not answer."),
}


def index_message(reason: str) -> str:
    fr, en = INDEX_HELP.get(reason, (f"Index indisponible ({reason}).", f"Index unavailable ({reason})."))
    return f"{fr} / {en}"


def open_index(quiet: bool = False):
    """Open (and on first use build) the index, with a progress bar on stderr. Raises
    ``IndexUnavailable`` with a plain reason when it cannot be opened."""
    from guide.index import Index, describe_failure

    settings = get_settings()
    try:
        with Progress(TextColumn("[bold]Indexation / Indexing"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True, disable=quiet) as bar:
            task = bar.add_task("index", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            return Index.open(settings, progress=progress)
    except Exception as exc:  # damaged file, full disk, dead server: named plainly, never a traceback
        raise IndexUnavailable(describe_failure(exc)) from None


@corpus_app.command("build")
def corpus_build() -> None:
    """Rebuild corpus/records/*.jsonl from corpus/sources (rerun after a newer export)."""
    from guide.ingest.build import build_all

    counts = build_all(get_settings().corpus_dir)
    for name, n in counts.items():
        out.print(f"{name}: {n} records")


@app.command("index")
def index_cmd(
    json_out: bool = typer.Option(False, "--json", help="Print the refresh report as JSON."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Set the current index aside and build it anew "
                                 "(repairs a damaged index)."),
) -> None:
    """Build or refresh the index (idempotent: unchanged input does nothing). A damaged embedded
    index is set aside (renamed, not deleted) and rebuilt automatically."""
    from guide.index import _store, describe_failure, rebuild as rebuild_index, refresh_store
    from guide.records import load_records

    settings = get_settings()
    with Progress(TextColumn("[bold]Indexation / Indexing"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err) as bar:
        task = bar.add_task("index", total=None)

        def progress(d: int, t: int) -> None:
            bar.update(task, completed=d, total=t)

        try:
            if rebuild:
                report = rebuild_index(settings, progress)
            else:
                try:
                    report = refresh_store(settings, _store(settings), load_records(settings.corpus_dir), progress)
                except Exception as exc:  # a damaged embedded index is repaired; anything else is reported below
                    if describe_failure(exc) != "index damaged" or settings.chroma_host:
                        raise
                    bar.stop()
                    err.print("L'index était endommagé : il est mis de côté et reconstruit. / "
                              "The index was damaged: it is set aside and rebuilt.", style="yellow")
                    report = rebuild_index(settings, progress)
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
        out.print(f"Index: {report.added} added, {report.updated} updated, {report.removed} removed, "
                  f"{report.unchanged} unchanged ({report.seconds:.1f} s, backend {report.backend}).")


@app.command("search")
def search_cmd(
    query: str = typer.Argument(..., help="What to look for, in French or English."),
    kind: str = typer.Option("all", "--kind", help="declaration | right | helpline | service | all"),
    limit: int = typer.Option(5, "--limit", min=1, max=50, help="How many passages."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON array."),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid | vector | bm25", hidden=True),
) -> None:
    """Ranked passages of the declaration, the users' rights and the help lines."""
    from guide.search import KIND_CHOICES, QueryError, clean_query, search

    if kind not in KIND_CHOICES:
        fail("invalid_kind", f"--kind doit être / must be one of: {', '.join(KIND_CHOICES)}", json_out)
    if mode not in ("hybrid", "vector", "bm25"):
        fail("invalid_mode", "--mode: hybrid | vector | bm25", json_out)
    try:
        q = clean_query(query, get_settings().query_max_chars)
    except QueryError as exc:
        fail(exc.code, exc.message, json_out)
    if q.notice:
        err.print(f"[yellow]{q.notice}[/]")
    try:
        ix = open_index(quiet=json_out)
    except IndexUnavailable as exc:
        if json_out:
            emit_json({"error": {"code": "search_unavailable", "reason": exc.reason, "message": index_message(exc.reason)}})
        else:
            err.print(index_message(exc.reason), style="bold red", markup=False)
        raise typer.Exit(1) from None
    hits = search(ix, q.text, kind=kind, limit=limit, mode=mode)  # type: ignore[arg-type]
    if json_out:
        emit_json([h.model_dump(exclude={"metadata"}) for h in hits])
        return
    if not hits:
        out.print("Aucun passage trouvé. / No passage found.")
    for n, h in enumerate(hits, 1):
        out.print(f"[bold]{n}. {h.title}[/]  [dim]({h.kind}, {h.id}, score {h.score:.4f})[/]")
        out.print(f"   [italic]{h.reference}[/]")
        snippet = h.text if len(h.text) < 400 else h.text[:400].rsplit(" ", 1)[0] + " …"
        out.print(f"   {snippet}\n")


def _load_engine(quiet: bool):
    """The engine for an answer: no index needed (only search uses it), so nothing heavy is opened."""
    from guide.engine import Engine

    return Engine(get_settings(), open_index=False)


def _print_answer(a) -> None:
    # answers contain square brackets ("[1]", "[verified]"): print them as plain text, not markup
    if a.crisis.detected:
        first, _, rest = a.answer.partition("\n")
        out.print(first, style="bold red", markup=False, highlight=False)
    else:
        rest = a.answer
    out.print(rest, markup=False, highlight=False)
    for n in a.notices:
        err.print(n, style="yellow", markup=False)
    if a.follow_up:
        out.print("\n" + a.follow_up, style="bold", markup=False)
    if a.citations:
        out.print("\nSources :", style="dim")
        for i, c in enumerate(a.citations, 1):
            out.print(f"  [{i}] {c.title} — {c.reference}", style="dim", markup=False, highlight=False)


@app.command("ask")
def ask_cmd(
    message: str = typer.Argument(..., help="What is going on, in your own words (French or English)."),
    where: Optional[str] = typer.Option(None, "--where", help="Postal code or town."),
    lang: Optional[str] = typer.Option(None, "--lang", help="fr | en (default: the message's language)."),
    json_out: bool = typer.Option(False, "--json", help="Print the answer object as JSON."),
) -> None:
    """Answer one message: crisis lines first when needed, then the CLSC, Info-Social and your rights."""
    if lang not in (None, "fr", "en"):
        fail("invalid_lang", "--lang doit être fr ou en / must be fr or en", json_out)
    engine = _load_engine(quiet=json_out)
    a = engine.ask(message, where=where, lang=lang)
    if json_out:
        emit_json(a.model_dump(mode="json"))
        return
    _print_answer(a)


@app.command("chat")
def chat_cmd(
    where: Optional[str] = typer.Option(None, "--where", help="Postal code or town."),
    lang: Optional[str] = typer.Option(None, "--lang", help="fr | en"),
) -> None:
    """An interactive conversation in the terminal (empty line or Ctrl-D to quit). Nothing is saved."""
    engine = _load_engine(quiet=False)
    out.print("[bold]Guide[/] — écrivez ce qui se passe pour vous. / Tell me what is going on. "
              "(ligne vide pour quitter / empty line to quit)")
    state = None
    first = True
    while True:
        try:
            line = input("> ")
        except (EOFError, KeyboardInterrupt):
            out.print("")
            break
        if not line.strip():
            break
        a = engine.ask(line, where=where if first else None, lang=lang, state=state)
        state, first = a.state, False
        _print_answer(a)
        out.print("")


@app.command("serve")
def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    workers: int = typer.Option(1, "--workers", min=1, max=16, help="Processes (each loads the engine)."),
) -> None:
    """Run the HTTP API (OpenAPI page at /docs). Stateless: run as many as you like.

    Timeouts, header limits, trusted proxies (GUIDE_API_TRUSTED_PROXIES) and GUIDE_LOG_LEVEL come
    from the settings (guide.api.app.server_options)."""
    import uvicorn

    from guide.api.app import configure_logging, server_options

    configure_logging(get_settings())
    try:
        open_index(quiet=False)  # build the index once, before workers start
    except IndexUnavailable as exc:  # serve anyway: crisis answers need no index; /healthz says degraded
        err.print(index_message(exc.reason), style="yellow", markup=False)
    uvicorn.run("guide.api.app:app_factory", factory=True, host=host, port=port, workers=workers,
                **server_options(get_settings()))


def _mount_optional() -> None:
    """Mount the faces whose modules exist (directory, services)."""
    try:
        from guide.cli_services import directory_app, services_app
    except ImportError:
        return
    app.add_typer(services_app, name="services")
    app.add_typer(directory_app, name="directory")
    from guide.cli_evaluate import evaluate_app
    from guide.cli_ui import app_command

    app.add_typer(evaluate_app, name="evaluate")
    app.command("app", help="Lancer l'interface web (Streamlit) / start the web interface.")(app_command)


_mount_optional()


def _last_resort_contacts() -> str:
    """911 and Info-Social, from their records (the crisis desk reads the data files alone); if even
    those cannot be read, a sentence without any number (none is typed here)."""
    try:
        from guide.conversation.crisis import EMERGENCY, CrisisDesk

        desk = CrisisDesk(get_settings().corpus_dir)
        emergency, info = desk.line(EMERGENCY), desk.info_social()
        return (f"Si vous êtes en danger, appelez le {emergency['phone']} ; pour parler à quelqu'un, l'Info-Social "
                f"{info['phone']}, option 2. / If you are in danger, call {emergency['phone']}; to talk to someone, "
                f"Info-Social {info['phone']}, option 2.")
    except Exception:  # the data files themselves are unreadable: say what to do without a number
        return ("Si vous êtes en danger, appelez les services d'urgence. / If you are in danger, call emergency "
                "services.")


def main() -> None:
    from guide.text import clean_text

    # invalid UTF-8 on the command line reaches Python as lone surrogates: cleaned at the boundary
    sys.argv = [clean_text(a) for a in sys.argv]
    try:
        from typer._click import exceptions as cx  # Typer's own copy of Click (Typer >= 0.20)
    except ImportError:  # an older Typer on Click itself
        from click import exceptions as cx

    rv = None
    abort = getattr(cx, "Abort", KeyboardInterrupt)
    try:
        rv = app(standalone_mode=False)
    except cx.NoArgsIsHelpError as exc:  # "guide" alone: the help, as before
        exc.show()
        sys.exit(0)
    except cx.UsageError as exc:  # a bad option value: with --json, the error shape too
        if "--json" in sys.argv[1:]:
            emit_json({"error": {"code": "invalid_usage", "message": exc.format_message()}})
        else:
            exc.show()
        sys.exit(2)
    except abort:
        err.print("Interrompu. / Interrupted.")
        sys.exit(130)
    except KeyboardInterrupt:
        err.print("Interrompu. / Interrupted.")
        sys.exit(130)
    except Exception as exc:  # last resort: a plain message, never a traceback
        import logging

        logging.getLogger("guide.cli").debug("unexpected error", exc_info=True)
        err.print(f"Erreur inattendue ({type(exc).__name__}). / Unexpected error ({type(exc).__name__}).\n"
                  + _last_resort_contacts(), markup=False)
        sys.exit(1)
    if isinstance(rv, int) and rv:
        sys.exit(rv)


if __name__ == "__main__":
    main()

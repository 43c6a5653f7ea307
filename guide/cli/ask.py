"""``guide ask MESSAGE [--where] [--lang] [--json]`` and ``guide chat``: answers in the terminal."""

from __future__ import annotations

import typer

from guide.cli.common import (
    emit_json,
    err,
    fail,
    out,
    settings,
)


def _load_engine(quiet: bool):
    """The engine for an answer: no index needed (only search uses it), so nothing heavy is opened."""
    from guide.engine import Engine

    return Engine(settings(), open_index=False)


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


def ask_cmd(
    message: str = typer.Argument(..., help="What is going on, in your own words (French or English)."),
    where: str | None = typer.Option(None, "--where", help="Postal code or town."),
    lang: str | None = typer.Option(None, "--lang", help="fr | en (default: the message's language)."),
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


def chat_cmd(
    where: str | None = typer.Option(None, "--where", help="Postal code or town."),
    lang: str | None = typer.Option(None, "--lang", help="fr | en"),
) -> None:
    """An interactive conversation in the terminal (empty line or Ctrl-D to quit). Nothing is saved."""
    engine = _load_engine(quiet=False)
    out.print(
        "[bold]Guide[/] — écrivez ce qui se passe pour vous. / Tell me what is going on. "
        "(ligne vide pour quitter / empty line to quit)"
    )
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

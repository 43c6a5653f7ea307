"""Command line: a thin face over the core (``guide --help``). One Typer app; each command group
lives in its own module of this package (ask/chat, search, services, directory, corpus, index,
evaluate, serve, app). The settings are read here, once, and passed down.

Errors a person can cause (bad query, unknown place, ...) exit with status 2 and a clear
message (with ``--json``: ``{"error": {"code", "message"}}``); never a traceback.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer

from guide.cli import (
    ask,
    corpus,
    directory,
    evaluate,
    index,
    search,
    serve,
    services,
    web,
)
from guide.cli.common import emit_json, err, settings

app = typer.Typer(
    help="Guide: orientation to first-line social services in Québec.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(corpus.corpus_app, name="corpus")
app.command("index")(index.index_cmd)
app.command("search")(search.search_cmd)
app.command("ask")(ask.ask_cmd)
app.command("chat")(ask.chat_cmd)
app.command("serve")(serve.serve_cmd)
app.add_typer(services.services_app, name="services")
app.add_typer(directory.directory_app, name="directory")
app.add_typer(evaluate.evaluate_app, name="evaluate")
app.command("app", help="Lancer l'interface web (Streamlit) / start the web interface.")(web.app_command)


def _last_resort_contacts() -> str:
    """911 and Info-Social, from their records (the crisis desk reads the data files alone); if even
    those cannot be read, a sentence without any number (none is typed here)."""
    try:
        from guide.conversation.crisis import EMERGENCY, CrisisDesk

        desk = CrisisDesk(settings().corpus_dir)
        emergency, info = desk.line(EMERGENCY), desk.info_social()
        if emergency is None or info is None:
            raise LookupError("the 911 or Info-Social record is missing")
        return (
            f"Si vous êtes en danger, appelez le {emergency['phone']} ; pour parler à quelqu'un, l'Info-Social "
            f"{info['phone']}, option 2. / If you are in danger, call {emergency['phone']}; to talk to someone, "
            f"Info-Social {info['phone']}, option 2."
        )
    except Exception:  # the data files themselves are unreadable: say what to do without a number
        return (
            "Si vous êtes en danger, appelez les services d'urgence. / If you are in danger, call emergency services."
        )


def main() -> None:
    from guide.text import clean_text

    # invalid UTF-8 on the command line reaches Python as lone surrogates: cleaned at the boundary
    sys.argv = [clean_text(a) for a in sys.argv]
    try:
        cx = importlib.import_module("typer._click.exceptions")  # Typer's own copy of Click (Typer >= 0.20)
    except ImportError:  # an older Typer on Click itself
        cx = importlib.import_module("click.exceptions")

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
        err.print(
            f"Erreur inattendue ({type(exc).__name__}). / Unexpected error ({type(exc).__name__}).\n"
            + _last_resort_contacts(),
            markup=False,
        )
        sys.exit(1)
    code = rv if isinstance(rv, int) else 0
    if len(sys.argv) > 1 and sys.argv[1] in READ_ONLY_GROUPS:
        # nothing to close but the output: skipping the interpreter's teardown of the gazetteer and
        # the directory (tens of thousands of objects freed one by one) saves 50-100 ms of a 0.5 s command
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:  # the reader went away (`| head`): nothing more to say, and no traceback
            code = code or 1
        os._exit(code)
    if code:
        sys.exit(code)


READ_ONLY_GROUPS = {"services"}  # commands that write no file of their own (the start-up cache is written before)


if __name__ == "__main__":
    main()

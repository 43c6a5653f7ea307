"""``guide app``: start the Streamlit face (``guide/web/app.py``) with telemetry off.

Mounted by ``guide.cli.main`` as the ``app`` command.

Streamlit runs in a child process (``python -m streamlit run``), headless, bound to ``--host``
(127.0.0.1 by default), usage statistics off, developer toolbar hidden, error details kept out of
the browser. Nothing a person writes is logged.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import typer

from guide.settings import ROOT

APP_FILE = Path(__file__).resolve().parents[1] / "web" / "app.py"  # the web face, inside the package


def streamlit_command(host: str = "127.0.0.1", port: int = 8501, app_file: Path = APP_FILE) -> list[str]:
    """The command line that serves the UI (also used by the browser test)."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_file),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
        "--client.showErrorDetails",
        "none",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--logger.level",
        "warning",
    ]


def app_command(
    port: int = typer.Option(8501, "--port", min=1, max=65535, help="Port / Port."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on / Adresse d'écoute."),
) -> None:
    """Start the web interface (Streamlit) / Démarrer l'interface web."""
    if not APP_FILE.exists():
        typer.echo(f"Interface introuvable / UI not found: {APP_FILE}", err=True)
        raise typer.Exit(2)
    if importlib.util.find_spec("streamlit") is None:
        typer.echo("Streamlit n'est pas installé / Streamlit is not installed: pip install -e .", err=True)
        raise typer.Exit(2)
    typer.echo(f"Guide : http://{host}:{port}  (Ctrl+C pour arrêter / to stop)", err=True)
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    try:
        code = subprocess.call(streamlit_command(host, port), cwd=str(ROOT), env=env)
    except KeyboardInterrupt:
        code = 130
    raise typer.Exit(code)


ui_app = typer.Typer(help="Web interface / Interface web.", add_completion=False)
ui_app.command("app")(app_command)

if __name__ == "__main__":
    ui_app()

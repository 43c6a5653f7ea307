"""``guide serve [--host] [--port] [--workers]``: the HTTP API.

The search index is built or refreshed first, in a child process (``guide index``), so the
serving processes never hold the memory of an index build. One worker: uvicorn in this process.
Several: load once and fork (``guide.api.prefork``: the engine is loaded by the supervisor and
shared copy-on-write by the workers), with the default embedding backend on POSIX; otherwise
uvicorn's own workers."""

from __future__ import annotations

import socket
import subprocess
import sys

import typer

from guide.cli.common import err, settings


def port_free(host: str, port: int) -> bool:
    """Whether the address can be bound now (checked before loading anything: a clear message at
    once rather than the server's retries)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host.strip("[]"), port))
        except OSError:
            return False
    return True


def prepare_index() -> bool:
    """Build or refresh the index in a child process (progress on stderr). False when it could
    not be opened: the API serves anyway (crisis answers need no index; /healthz says why)."""
    done = subprocess.run([sys.executable, "-m", "guide.cli", "index"], stdout=subprocess.DEVNULL, check=False)
    if done.returncode != 0:
        err.print(
            "Le service démarre sans index de recherche. / Serving without the search index.",
            style="yellow",
        )
    return done.returncode == 0


def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    workers: int = typer.Option(
        1, "--workers", min=1, max=16, help="Processes (forked from one loaded engine when more than one)."
    ),
) -> None:
    """Run the HTTP API (OpenAPI page at /docs). Stateless: run as many as you like.

    Timeouts, header limits, trusted proxies (GUIDE_API_TRUSTED_PROXIES) and GUIDE_LOG_LEVEL come
    from the settings (guide.api.app.server_options)."""
    from guide.api.app import configure_logging, create_app, server_options

    settings_ = settings()
    configure_logging(settings_)
    if not port_free(host, port):
        err.print(
            f"Le port {port} est déjà utilisé sur {host} : choisissez-en un autre (--port). / "
            f"Port {port} is already in use on {host}: choose another one (--port).",
            style="bold red",
            markup=False,
        )
        raise typer.Exit(1)
    prepare_index()
    import uvicorn

    if workers > 1:
        from guide.api import prefork

        if prefork.supported(settings_):
            prefork.run(settings_, host, port, workers)
            return
        # other embedding backends (thread runtimes do not survive a fork) or not POSIX: uvicorn's
        # own workers, each loading its engine
        uvicorn.run(
            "guide.api.app:app_factory",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            **server_options(settings_),
        )
        return
    uvicorn.run(create_app(settings_), host=host, port=port, **server_options(settings_))

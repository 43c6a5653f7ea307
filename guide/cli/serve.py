"""``guide serve [--host] [--port] [--workers]``: the HTTP API."""

from __future__ import annotations

import typer

from guide.cli.common import (
    IndexUnavailable,
    err,
    index_message,
    open_index,
    settings,
)


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

    configure_logging(settings())
    try:
        open_index(quiet=False)  # build the index once, before workers start
    except IndexUnavailable as exc:  # serve anyway: crisis answers need no index; /healthz says degraded
        err.print(index_message(exc.reason), style="yellow", markup=False)
    uvicorn.run(
        "guide.api.app:app_factory", factory=True, host=host, port=port, workers=workers, **server_options(settings())
    )

"""FastAPI application: ``/v1/chat``, ``/v1/services/near``, ``/v1/search``, ``/v1/needs``, ``/healthz``.

Stateless: the client sends the conversation (and the state the previous reply returned), so any
number of API processes can serve behind a load balancer. The contract, route by route and answer
by answer:

- **Rate limit**: one budget per client (``GUIDE_API_RATE_LIMIT``) across every route but
  ``/healthz``, counted in the ``limits`` storage named by ``GUIDE_API_RATE_LIMIT_STORAGE``
  (``memory://`` for one process, ``redis://host:port`` shared by every process that serves). The
  client is the peer address, or the X-Forwarded-For address only when the peer is one of
  ``GUIDE_API_TRUSTED_PROXIES`` (``guide serve`` passes that list to uvicorn; nothing else is
  believed). Over budget: 429 ``rate_limited`` with ``Retry-After``; every limited answer carries
  ``X-RateLimit-Limit`` and ``X-RateLimit-Remaining``. If the shared storage is unreachable the
  process keeps serving with its own in-memory budget and retries the storage every 10 s.
- **Slow clients** (with ``guide serve``): a request head must arrive within
  ``GUIDE_API_HEADER_TIMEOUT_S`` and a body within ``GUIDE_API_BODY_TIMEOUT_S`` (else 408 and the
  connection is closed); idle keep-alive connections close after ``GUIDE_API_KEEP_ALIVE_S``; a
  head larger than ``GUIDE_API_MAX_HEADER_BYTES`` is refused. Bodies and messages are size-limited.
- **Headers** on every answer: ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``, a
  CSP with ``frame-ancestors 'none'`` (the /docs and /redoc pages get one that allows their own
  scripts by hash), ``Cache-Control: no-store`` (but the static files of the docs pages), no
  ``server`` header; CORS headers for allowed origins on every status, errors included; HEAD is
  answered on every GET route.
- **Errors** all have the shape ``{"error": {"code", "message"}}``, malformed HTTP included (400
  from the server's protocol layer); no stack trace leaves.
- **Logs**: no message content is logged. The access log (logger ``guide.access``, INFO, on unless
  ``GUIDE_API_ACCESS_LOG=false``) records the method, the route template (``/v1/services/near``,
  never the raw path or query string), the status and the latency; ``GUIDE_LOG_LEVEL`` sets the
  level of Guide's other loggers.
- **Degraded mode**: when the engine has no vector index (``engine.retrieval_error`` set, or no
  index), ``/healthz`` still answers 200 with ``status: "degraded"`` and the ``reason``, and
  ``/v1/search`` answers 503 ``search_unavailable``. A worker started by ``guide serve`` opens the
  index on its first search (answers never need it): until then ``/healthz`` says ``ok`` with
  ``index_loaded: false``.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from guide import __version__
from guide.api import errors
from guide.api.middleware import BodyGuard, CatchAll, HeadersAndLog, RateLimit
from guide.api.routes import chat, feedback, health, hsds, needs, search, services
from guide.api.server import GuideH11Protocol, configure_logging, server_options
from guide.engine import Engine
from guide.settings import Settings, get_settings

__all__ = ["GuideH11Protocol", "app_factory", "configure_logging", "create_app", "server_options"]


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """The application: middleware (``guide.api.middleware``) around one router per resource
    (``guide.api.routes``). ``settings`` come from the face that starts the process (``guide serve``
    passes them; ``app_factory`` reads them from the environment, once per worker)."""
    settings = settings or get_settings()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if getattr(app.state, "engine", None) is None:
            # answers need no search index: each worker opens it on its first /v1/search (lean workers)
            app.state.engine = Engine(settings, open_index=False)
        app.state.engine.warm_up()  # the first person should not wait for models to load
        yield

    # FastAPIOffline: the /docs and /redoc pages served from the installed package (FastAPI's default
    # pages load their scripts from a CDN, which leaves a blank page offline)
    app = FastAPIOffline(
        title="Guide API",
        version=__version__,
        lifespan=lifespan,
        description="Orientation to first-line social services in Québec. Every phone number, "
        "address and article number comes from a sourced corpus record.",
    )
    app.state.engine = engine
    app.state.settings = settings
    errors.install(app)

    # added innermost first (each add_middleware wraps the previous ones)
    app.add_middleware(BodyGuard, settings=settings)
    app.add_middleware(RateLimit, settings=settings)
    app.add_middleware(CatchAll)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.api_cors_origins,
        allow_methods=["GET", "HEAD", "POST"],
        allow_headers=["Content-Type"],
    )
    app.add_middleware(HeadersAndLog, fastapi_app=app, settings=settings)

    for resource in (health, chat, services, search, needs):
        app.include_router(resource.build(settings))
    app.include_router(hsds.router)
    app.include_router(feedback.router)
    return app


def app_factory() -> FastAPI:
    """Factory for ``uvicorn --factory guide.api.app:app_factory`` (several workers)."""
    return create_app()

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
  ``/v1/search`` answers 503 ``search_unavailable``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import math
import re
import time
from contextlib import asynccontextmanager
from typing import Literal

import h11
from fastapi import Depends, FastAPI, Query
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from guide import __version__
from guide.api import errors
from guide.api.deps import get_engine
from guide.api.errors import ApiError, error_body, error_response
from guide.api.schemas import ChatReply, ChatRequest, ErrorBody, Health, NearReply, NeedOut
from guide.search import Passage
from guide.engine import ConversationState, Engine, InvalidState
from guide.settings import Settings, get_settings

log = logging.getLogger("guide.api")
access_log = logging.getLogger("guide.access")
ERRORS = {400: {"model": ErrorBody}, 404: {"model": ErrorBody}, 413: {"model": ErrorBody},
          422: {"model": ErrorBody}, 429: {"model": ErrorBody}}
LOCATION_STATUS = {"unknown_place": 404, "outside_quebec": 422, "invalid_postal_code": 400}
EXEMPT_FROM_LIMIT = frozenset({"/healthz"})  # load balancers probe it often; it costs nothing
STATIC_PREFIX = "/static-offline-docs"  # FastAPIOffline's mount for the /docs and /redoc bundles


# ---------------------------------------------------------------------------------------------
# Logging and server options (used by ``guide serve`` and by create_app)
# ---------------------------------------------------------------------------------------------


def log_level(settings: Settings) -> int:
    level = logging.getLevelName(str(settings.log_level).strip().upper())
    return level if isinstance(level, int) else logging.WARNING


def configure_logging(settings: Settings) -> None:
    """``GUIDE_LOG_LEVEL`` for the ``guide`` loggers; ``guide.access`` at INFO. Adds one stderr
    handler to ``guide`` unless the host already configured logging (root handlers)."""
    guide_log = logging.getLogger("guide")
    guide_log.setLevel(log_level(settings))
    access_log.setLevel(logging.INFO)
    if not logging.getLogger().handlers and not any(getattr(h, "_guide", False) for h in guide_log.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        handler._guide = True  # type: ignore[attr-defined]
        guide_log.addHandler(handler)


def trusted_proxies(settings: Settings) -> list[str]:
    return [p.strip() for p in settings.api_trusted_proxies.split(",") if p.strip()]


def server_options(settings: Settings) -> dict:
    """Keyword arguments for ``uvicorn.run``/``uvicorn.Config``: timeouts, header limits, proxies."""
    proxies = trusted_proxies(settings)
    uv_level = logging.getLevelName(log_level(settings)).lower()
    return {
        "http": GuideH11Protocol,
        "proxy_headers": bool(proxies),  # otherwise uvicorn believes X-Forwarded-For from 127.0.0.1
        "forwarded_allow_ips": proxies or None,
        "server_header": False,
        "timeout_keep_alive": settings.api_keep_alive_s,
        "h11_max_incomplete_event_size": settings.api_max_header_bytes,
        "access_log": False,  # uvicorn's access log has the raw path and query string: ours has neither
        "log_level": uv_level if uv_level in ("critical", "error", "warning", "info", "debug") else "warning",
    }


class GuideH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on the request head and JSON 400s.

    uvicorn arms no timer until a first response is complete, and a keep-alive timer is cancelled
    by the first byte of the next request: a client trickling its headers held a connection for
    ever. Here a request head must be complete ``header_timeout_s`` after the connection opens or
    after the previous response; else 408 in the error shape, and the connection is closed.
    """

    header_timeout_s: float | None = None  # None: GUIDE_API_HEADER_TIMEOUT_S

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm_head_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _cancel_head_timer(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        timeout = self.header_timeout_s if self.header_timeout_s is not None else get_settings().api_header_timeout_s
        self._head_timer = self.loop.call_later(timeout, self._head_timeout, self.cycle)

    def _head_timeout(self, cycle_when_armed) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not cycle_when_armed or (self.cycle is not None and not self.cycle.response_complete):
            return  # a request head arrived (or one is being answered): not idle
        body = error_body("request_timeout", "Requête trop lente. / Request took too long.")
        self.transport.write(_raw_response(408, "Request Timeout", body))
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        """Malformed HTTP (h11 refused it): the error shape instead of uvicorn's plain text."""
        body = error_body("bad_request", "Requête HTTP invalide. / Invalid HTTP request.")
        headers = [(b"content-type", b"application/json"), (b"connection", b"close"), *_SAFE_RAW_HEADERS]
        try:
            self.transport.write(self.conn.send(h11.Response(status_code=400, headers=headers, reason=b"Bad Request")))
            self.transport.write(self.conn.send(h11.Data(data=body)))
            self.transport.write(self.conn.send(h11.EndOfMessage()))
        except h11.LocalProtocolError:  # h11 cannot frame a response in this state: write it raw
            self.transport.write(_raw_response(400, "Bad Request", body))
        self.transport.close()


_SAFE_RAW_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store")]


def _raw_response(status: int, reason: str, body: bytes) -> bytes:
    head = [f"HTTP/1.1 {status} {reason}", "content-type: application/json", f"content-length: {len(body)}",
            "connection: close", "x-content-type-options: nosniff", "cache-control: no-store"]
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


# ---------------------------------------------------------------------------------------------
# Middleware (pure ASGI), outermost first: headers + HEAD + access log → CORS → catch-all 500 →
# rate limit → body guard → FastAPI
# ---------------------------------------------------------------------------------------------

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def docs_csp(html: bytes) -> str:
    """CSP for the /docs and /redoc pages: their own files, their inline scripts by hash, no framing."""
    hashes = " ".join("'sha256-%s'" % base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode()
                      for m in _INLINE_SCRIPT.finditer(html))
    return ("default-src 'self'; script-src 'self' " + hashes + "; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def route_template(app: FastAPI, scope: Scope) -> str:
    """The matched route's template (``/v1/services/near``), never the raw path."""
    route = scope.get("route")
    if route is not None and getattr(route, "path", None):
        return route.path
    for r in app.routes:  # answered before routing (429, 413, ...): match the route here
        if isinstance(r, Mount):
            if scope.get("path", "").startswith(r.path + "/"):
                return r.path + "/{path}"
        elif r.matches(scope)[0] != Match.NONE:
            return r.path
    return "<unmatched>"


class HeadersAndLog:
    """Security headers on every answer, HEAD answered as GET without a body, one access-log line."""

    def __init__(self, app: ASGIApp, fastapi_app: FastAPI, settings: Settings) -> None:
        self.app, self.fastapi_app, self.settings = app, fastapi_app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        method = scope["method"]
        if method == "HEAD":
            scope = dict(scope, method="GET")
        static = scope["path"].startswith(STATIC_PREFIX + "/")
        status = 500
        start: Message | None = None
        html: list[bytes] = []

        async def send_wrapper(message: Message) -> None:
            nonlocal status, start
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                headers["x-content-type-options"] = "nosniff"
                headers["x-frame-options"] = "DENY"
                headers["referrer-policy"] = "no-referrer"
                if not static:
                    headers["cache-control"] = "no-store"
                if headers.get("content-type", "").startswith("text/html"):
                    start = message  # the CSP needs the page's inline scripts: wait for the body
                    return
                headers["content-security-policy"] = API_CSP
                await send(message)
                return
            if message["type"] == "http.response.body":
                if start is not None:
                    html.append(message.get("body", b""))
                    if message.get("more_body", False):
                        return
                    body = b"".join(html)
                    MutableHeaders(scope=start)["content-security-policy"] = docs_csp(body)
                    await send(start)
                    message = {"type": "http.response.body", "body": body, "more_body": False}
                if method == "HEAD":
                    message = dict(message, body=b"")
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if self.settings.api_access_log:
                # template, not path; no query string, no body: they can hold what a person wrote
                access_log.info("%s %s %s %.1fms", method, route_template(self.fastapi_app, scope), status,
                                (time.perf_counter() - t0) * 1000)


class CatchAll:
    """Any unexpected exception becomes a 500 in the error shape *inside* the CORS middleware, so
    an allowed origin can read it; the exception's type is logged, never its text."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:  # anything a route or middleware raised: answer 500, never a traceback
            if started:
                raise  # too late for another answer; the server closes the connection
            log.error("internal error on %s %s: %s", scope.get("method"), route_template(scope["app"], scope),
                      type(exc).__name__)
            await error_response(500, "internal_error", errors.INTERNAL_MESSAGE)(scope, receive, send)


def _async_storage_uri(uri: str) -> tuple[str, dict]:
    """A ``limits`` storage URI for its asyncio storage (redis through redis-py, short timeouts)."""
    uri = uri if uri.startswith("async+") else "async+" + uri
    options: dict = {}
    scheme = uri.split("://", 1)[0]
    if scheme.startswith("async+redis"):
        options = {"implementation": "redispy", "socket_timeout": 0.5, "socket_connect_timeout": 0.5}
    return uri, options


class RateLimit:
    """One budget per client address across all routes (``/healthz`` exempt), in shared storage."""

    RETRY_STORAGE_S = 10.0

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        from limits import parse
        from limits.aio.storage import MemoryStorage
        from limits.aio.strategies import SlidingWindowCounterRateLimiter
        from limits.storage import storage_from_string

        self.app = app
        self.item = parse(settings.api_rate_limit)
        uri, options = _async_storage_uri(settings.api_rate_limit_storage)
        self.shared = SlidingWindowCounterRateLimiter(storage_from_string(uri, **options))
        self.local = SlidingWindowCounterRateLimiter(MemoryStorage())
        self.shared_down_until = 0.0

    async def _hit(self, key: str):
        if time.monotonic() >= self.shared_down_until:
            try:
                ok = await self.shared.hit(self.item, "guide-api", key)
                return ok, await self.shared.get_window_stats(self.item, "guide-api", key)
            except Exception as exc:  # storage unreachable (any backend's error): serve, count locally
                log.warning("rate-limit storage unreachable (%s); per-process budget for %.0f s",
                            type(exc).__name__, self.RETRY_STORAGE_S)
                self.shared_down_until = time.monotonic() + self.RETRY_STORAGE_S
        ok = await self.local.hit(self.item, "guide-api", key)
        return ok, await self.local.get_window_stats(self.item, "guide-api", key)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_FROM_LIMIT:
            return await self.app(scope, receive, send)
        client = scope.get("client")
        key = client[0] if client else "unknown"  # as resolved by uvicorn (trusted proxies only)
        ok, stats = await self._hit(key)
        limit_headers = {"X-RateLimit-Limit": str(self.item.amount), "X-RateLimit-Remaining": str(max(0, stats.remaining))}
        if not ok:
            retry = max(1, math.ceil(stats.reset_time - time.time()))
            response = error_response(429, "rate_limited", "Trop de requêtes, réessayez dans un moment. / "
                                                           "Too many requests, please retry shortly.",
                                      {"Retry-After": str(retry), **limit_headers})
            return await response(scope, receive, send)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                for k, v in limit_headers.items():
                    headers[k] = v
            await send(message)

        await self.app(scope, receive, send_wrapper)


class BodyGuard:
    """Size of the head, declared and actual body size, and a deadline for the whole body (a trickling client gets
    408 and its connection closed). The body is read here, then handed to the app."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    def _too_large(self) -> JSONResponse:
        n = self.settings.api_max_body_bytes
        return error_response(413, "payload_too_large", f"Requête trop grande (max {n} octets). / "
                                                        f"Request too large (max {n} bytes).")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if sum(len(k) + len(v) + 4 for k, v in scope["headers"]) > self.settings.api_max_header_bytes:
            # h11's limit only bounds an incomplete head: a large head sent at once gets here
            return await error_response(431, "headers_too_large", "En-têtes trop grands. / Request headers too large.")(
                scope, receive, send)
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                return await error_response(400, "invalid_request", "Content-Length invalide / invalid Content-Length")(
                    scope, receive, send)
            if declared > self.settings.api_max_body_bytes:
                return await self._too_large()(scope, receive, send)
        elif scope["method"] == "POST":
            return await error_response(411, "length_required", "Content-Length requis. / Content-Length required.")(
                scope, receive, send)
        if length is None and "transfer-encoding" not in headers:
            return await self.app(scope, receive, send)  # no body

        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.settings.api_body_timeout_s):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return  # the client left: nobody to answer
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.settings.api_max_body_bytes:
                        return await self._too_large()(scope, receive, send)
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            return await error_response(408, "request_timeout", "Corps de requête trop lent. / Request body too slow.",
                                        {"Connection": "close"})(scope, receive, send)
        body = b"".join(chunks)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            # half an emoji cut by a client, a stray Latin-1 byte: replaced (then dropped by the models'
            # cleaning) rather than refused, so "je veux mourir" + a broken byte still gets its crisis answer
            body = body.decode("utf-8", errors="replace").encode("utf-8")
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


# ---------------------------------------------------------------------------------------------
# The application
# ---------------------------------------------------------------------------------------------


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if getattr(app.state, "engine", None) is None:
            app.state.engine = Engine(settings)
        app.state.engine.warm_up()  # the first person should not wait for models to load
        yield

    # FastAPIOffline: the /docs and /redoc pages served from the installed package (FastAPI's default
    # pages load their scripts from a CDN, which leaves a blank page offline)
    app = FastAPIOffline(title="Guide API", version=__version__, lifespan=lifespan,
                  description="Orientation to first-line social services in Québec. Every phone number, "
                              "address and article number comes from a sourced corpus record.")
    app.state.engine = engine
    app.state.settings = settings
    errors.install(app)

    # added innermost first (each add_middleware wraps the previous ones)
    app.add_middleware(BodyGuard, settings=settings)
    app.add_middleware(RateLimit, settings=settings)
    app.add_middleware(CatchAll)
    app.add_middleware(CORSMiddleware, allow_origins=settings.api_cors_origins, allow_methods=["GET", "HEAD", "POST"],
                       allow_headers=["Content-Type"])
    app.add_middleware(HeadersAndLog, fastapi_app=app, settings=settings)

    corpus_versions: dict[int, tuple[object, str]] = {}  # the corpus hash, once per loaded index

    @app.get("/healthz", response_model=Health, tags=["ops"])
    def healthz(engine: Engine = Depends(get_engine)) -> Health:
        """200 while the process answers; ``status: "degraded"`` (with the ``reason``) when search is down."""
        from guide.records import corpus_hash

        index = getattr(engine, "index", None)
        reason = getattr(engine, "retrieval_error", None) or (None if index is not None else "index not loaded")
        records = list(getattr(index, "records", None) or []) if index is not None else []
        version = ""
        if records:
            cached = corpus_versions.get(id(index))
            if cached is None or cached[0] is not index:
                cached = corpus_versions[id(index)] = (index, corpus_hash(records))
            version = cached[1]
        return Health(status="degraded" if reason else "ok", reason=reason, index_loaded=index is not None,
                      corpus_version=version, records=len(records), embedding_backend=settings.embedding_backend)

    @app.post("/v1/chat", response_model=ChatReply, responses=ERRORS, tags=["chat"])
    def chat(req: ChatRequest, engine: Engine = Depends(get_engine)):
        """Answer the last user message of the conversation. Send back ``state`` next time."""
        if not req.messages:
            raise ApiError(422, "no_message", "Envoyez au moins un message. / Send at least one message.")
        if len(req.messages) > settings.api_max_messages:
            raise ApiError(413, "too_many_messages", f"Au plus {settings.api_max_messages} messages. / "
                                                     f"At most {settings.api_max_messages} messages.")
        if any(len(m.content) > settings.api_max_message_chars for m in req.messages):
            raise ApiError(413, "message_too_long", f"Un message dépasse {settings.api_max_message_chars} caractères. / "
                                                    f"A message is longer than {settings.api_max_message_chars} characters.")
        if req.where is not None and len(req.where) > settings.api_max_where_chars:
            raise ApiError(413, "where_too_long", "Lieu trop long. / Place too long.")
        if req.messages[-1].role != "user":
            raise ApiError(422, "last_message_not_user", "Le dernier message doit venir de la personne. / "
                                                         "The last message must be the person's.")
        state = req.state
        users = [m.content for m in req.messages if m.role == "user"]
        if state is None and len(users) > 1:
            # Rebuild what was understood from the earlier messages (deterministic, bounded, nothing stored).
            state = engine.replay(users[:-1], where=req.where, lang=req.lang)
        elif state is not None and len(users) > 1:
            # a crisis in the history is carried over even if the state sent back forgot it
            state = engine.carry_crisis(state, users[:-1])
        try:
            answer = engine.ask(users[-1], where=req.where, lang=req.lang, state=state)
        except InvalidState as exc:  # a state Guide could not have produced: never trusted, never echoed
            raise ApiError(422, exc.code, exc.message) from None
        return JSONResponse(answer.model_dump(mode="json"))

    @app.get("/v1/services/near", response_model=NearReply, responses=ERRORS, tags=["directory"])
    async def services_near_route(
        where: str = Query(..., min_length=1, max_length=200, description="Postal code, FSA or town"),
        kind: Literal["all", "clsc", "helpline"] = "all",
        need: str | None = Query(None, max_length=64),
        limit: int = Query(5, ge=1, le=50),
        age: int | None = Query(None, ge=0, le=120),
    ):
        from guide.directory.near import InvalidRequest, services_near
        from guide.geo import resolve

        loc = resolve(where, settings.corpus_dir)
        if loc.error:
            msg = loc.message or {}
            raise ApiError(LOCATION_STATUS.get(loc.error, 400), loc.error,
                           " / ".join(x for x in (msg.get("fr"), msg.get("en")) if x) or loc.error)
        try:
            services = services_near(loc, kind=kind, need=need, limit=limit, age=age, corpus_dir=settings.corpus_dir)
        except InvalidRequest as exc:
            raise ApiError(400, exc.code, f"{exc.message['fr']} / {exc.message['en']}") from None
        # ~1 ms of work: answered on the event loop, serialised directly (the schema documents it)
        return JSONResponse({"location": loc.model_dump(mode="json"), "services": services})

    @app.get("/v1/search", response_model=list[Passage], tags=["search"],
             responses={**ERRORS, 503: {"model": ErrorBody, "description": "search is down (degraded mode)"}})
    def search_route(
        q: str = Query(..., max_length=settings.api_max_query_chars),
        kind: Literal["declaration", "right", "helpline", "service", "all"] = "all",
        limit: int = Query(5, ge=1, le=50),
        engine: Engine = Depends(get_engine),
    ) -> list[dict]:
        from guide.search import QueryError, clean_query, search

        try:
            cq = clean_query(q, settings.query_max_chars)
        except QueryError as exc:
            raise ApiError(400, exc.code, exc.message) from None
        if getattr(engine, "retrieval_error", None) or getattr(engine, "index", None) is None:
            raise ApiError(503, "search_unavailable",
                           "La recherche est indisponible pour le moment; réessayez plus tard. / "
                           "Search is unavailable at the moment; please try again later.", {"Retry-After": "60"})
        return [h.model_dump(exclude={"metadata", "rank_vector", "rank_bm25"})
                for h in search(engine.index, cq.text, kind=kind, limit=limit)]

    @app.get("/v1/needs", response_model=list[NeedOut], tags=["directory"])
    def needs_route(engine: Engine = Depends(get_engine)) -> list[dict]:
        return [NeedOut(id=n.id, label_fr=n.label_fr, label_en=n.label_en, description_fr=n.description_fr,
                        description_en=n.description_en, lines=n.lines).model_dump() for n in engine.needs.values()]

    return app


def app_factory() -> FastAPI:
    """Factory for ``uvicorn --factory guide.api.app:app_factory`` (several workers)."""
    return create_app()

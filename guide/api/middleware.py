"""The API's pure-ASGI middleware, outermost first: security headers + HEAD + access log → CORS →
catch-all 500 → rate limit → body guard → FastAPI. See ``guide.api.app`` for the contract."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import math
import re
import time

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guide.api import errors
from guide.api.errors import error_response
from guide.api.server import access_log
from guide.settings import Settings

log = logging.getLogger("guide.api")
EXEMPT_FROM_LIMIT = frozenset({"/healthz"})  # load balancers probe it often; it costs nothing
STATIC_PREFIX = "/static-offline-docs"  # FastAPIOffline's mount for the /docs and /redoc bundles

# ---------------------------------------------------------------------------------------------
# Middleware (pure ASGI), outermost first: headers + HEAD + access log → CORS → catch-all 500 →
# rate limit → body guard → FastAPI
# ---------------------------------------------------------------------------------------------

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def docs_csp(html: bytes) -> str:
    """CSP for the /docs and /redoc pages: their own files, their inline scripts by hash, no framing."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode()}'"
        for m in _INLINE_SCRIPT.finditer(html)
    )
    return (
        "default-src 'self'; script-src 'self' " + hashes + "; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )


def route_template(app: FastAPI, scope: Scope) -> str:
    """The matched route's template (``/v1/services/near``), never the raw path."""
    route = scope.get("route")
    if route is not None and getattr(route, "path", None):
        return route.path
    for r in _routes(app.routes):  # answered before routing (429, 413, ...): match the route here
        if isinstance(r, Mount):
            if scope.get("path", "").startswith(r.path + "/"):
                return r.path + "/{path}"
        elif getattr(r, "path", None) and r.matches(scope)[0] != Match.NONE:
            return r.path
    return "<unmatched>"


def _routes(routes):
    """Every route, those of included routers too (FastAPI may keep an included router as one entry)."""
    for r in routes:
        inner = getattr(getattr(r, "original_router", None), "routes", None)
        if inner is not None and not getattr(r, "path", None):
            yield from _routes(inner)
        else:
            yield r


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
                access_log.info(
                    "%s %s %s %.1fms",
                    method,
                    route_template(self.fastapi_app, scope),
                    status,
                    (time.perf_counter() - t0) * 1000,
                )


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
            log.error(
                "internal error on %s %s: %s",
                scope.get("method"),
                route_template(scope["app"], scope),
                type(exc).__name__,
            )
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
                log.warning(
                    "rate-limit storage unreachable (%s); per-process budget for %.0f s",
                    type(exc).__name__,
                    self.RETRY_STORAGE_S,
                )
                self.shared_down_until = time.monotonic() + self.RETRY_STORAGE_S
        ok = await self.local.hit(self.item, "guide-api", key)
        return ok, await self.local.get_window_stats(self.item, "guide-api", key)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_FROM_LIMIT:
            return await self.app(scope, receive, send)
        client = scope.get("client")
        key = client[0] if client else "unknown"  # as resolved by uvicorn (trusted proxies only)
        ok, stats = await self._hit(key)
        limit_headers = {
            "X-RateLimit-Limit": str(self.item.amount),
            "X-RateLimit-Remaining": str(max(0, stats.remaining)),
        }
        if not ok:
            retry = max(1, math.ceil(stats.reset_time - time.time()))
            response = error_response(
                429,
                "rate_limited",
                "Trop de requêtes, réessayez dans un moment. / Too many requests, please retry shortly.",
                {"Retry-After": str(retry), **limit_headers},
            )
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
        return error_response(
            413, "payload_too_large", f"Requête trop grande (max {n} octets). / Request too large (max {n} bytes)."
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if sum(len(k) + len(v) + 4 for k, v in scope["headers"]) > self.settings.api_max_header_bytes:
            # h11's limit only bounds an incomplete head: a large head sent at once gets here
            return await error_response(431, "headers_too_large", "En-têtes trop grands. / Request headers too large.")(
                scope, receive, send
            )
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                return await error_response(400, "invalid_request", "Content-Length invalide / invalid Content-Length")(
                    scope, receive, send
                )
            if declared > self.settings.api_max_body_bytes:
                return await self._too_large()(scope, receive, send)
        elif scope["method"] == "POST":
            return await error_response(411, "length_required", "Content-Length requis. / Content-Length required.")(
                scope, receive, send
            )
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
            return await error_response(
                408, "request_timeout", "Corps de requête trop lent. / Request body too slow.", {"Connection": "close"}
            )(scope, receive, send)
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
